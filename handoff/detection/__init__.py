"""Repetition and re-ask detection for escalated tickets.

Use ``detect_message`` for one customer message and ``detect_ticket`` for a
packet with its comments; ``handoff.detection.store`` keeps the findings in
the database. See docs/detection.md.
"""

from handoff.detection.engine import (
    DETECTOR_VERSION,
    EXPLICIT,
    IMPLICIT,
    KINDS,
    REASK,
    Finding,
    detect_message,
    detect_messages,
    detect_ticket,
    has_repetition,
)

__all__ = [
    "DETECTOR_VERSION",
    "EXPLICIT",
    "IMPLICIT",
    "KINDS",
    "REASK",
    "Finding",
    "detect_message",
    "detect_messages",
    "detect_ticket",
    "has_repetition",
]
