"""A local, faithful Zendesk for tests and demos: the unmodified zenpy client talks to it.

Deliberately no ``bp`` attribute: the sandbox is its own app and must never join the product.
"""

from helpdesk_app.sandbox.app import create_sandbox_app
from helpdesk_app.sandbox.state import SandboxState, WebhookDelivery, sign

__all__ = ["SandboxState", "WebhookDelivery", "create_sandbox_app", "sign"]
