"""The core of the handoff-fidelity product: packets, storage, detection, policy, metrics.

Nothing in this package imports Flask; the web app in ``helpdesk_app`` is a thin layer over it.
"""

__version__ = "0.1.0"
