"""What the sandbox tests compare against Zendesk's recorded response shapes."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

# Keys and JSON types of Zendesk's real responses (scripts/extract_zendesk_shapes.py).
RECORDED_SHAPES: dict[str, Any] = json.loads(
    (Path(__file__).resolve().parents[1] / "data" / "zendesk_shapes.json").read_text()
)["shapes"]


def json_type(value: Any) -> str:
    """Return the JSON type name of a decoded value."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int):
        return "integer"
    if isinstance(value, float):
        return "number"
    if isinstance(value, str):
        return "string"
    return "array" if isinstance(value, list) else "object"
