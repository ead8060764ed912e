"""A local, faithful Zendesk for tests and demos: the unmodified zenpy client talks to it.

It lives outside the product's packages (``handoff``, ``helpdesk_app``), so it never ships in the
wheel and never joins the product app; ``handoff sandbox serve`` imports it from a checkout.
"""

from sandbox.app import create_sandbox_app
from sandbox.state import SandboxState
from sandbox.webhooks import WebhookDelivery, sign

__all__ = ["SandboxState", "WebhookDelivery", "create_sandbox_app", "sign"]
