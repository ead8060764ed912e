"""Every table of the panel as rows with the spec's ids, for CSV and JSON alike."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Sequence
from typing import Any

from handoff.metrics import actions as actions_mod
from handoff.metrics.names import name_of
from handoff.metrics.panel import Panel
from handoff.models.metrics import Action

TABLES = ("figures", "series", "headline", "context_loss_vs_repetition", "deflection_bands",
          "most_missing_fields", "unavailable", "actions")  # fmt: skip


def named(row: dict[str, Any]) -> dict[str, Any]:
    """Put the figure's plain name right after its id; the id stays the key."""
    return {
        "id": row["id"],
        "name": name_of(row["id"]),
        **{k: v for k, v in row.items() if k != "id"},
    }


def tables(panel: Panel, open_actions: Sequence[Action]) -> dict[str, list[dict[str, Any]]]:
    """Return every table of the panel as flat rows."""
    full = panel.as_dict()
    headline = [
        {"archetype": h.archetype, "text": h.text, "protected": h.protected, "reason": h.reason,
         "deflection_rate": h.deflection.rate.value if h.deflection.rate else None,
         "resolution_csat_delta": h.resolution_delta.delta.points if h.resolution_delta and h.resolution_delta.delta else None,
         "delayed_csat_delta": h.delayed_delta.delta.points if h.delayed_delta and h.delayed_delta.delta else None}
        for h in panel.headline
    ]  # fmt: skip
    action_rows = []
    for a in open_actions:
        row = actions_mod.as_dict(a)
        row["evidence"] = json.dumps(row["evidence"], sort_keys=True)
        action_rows.append(row)
    return {
        "figures": [named(f.as_row()) for f in panel.figures()],
        "series": [named(f.as_row()) for f in panel.series()],
        "headline": headline,
        "context_loss_vs_repetition": full["context_loss_vs_repetition"],
        "deflection_bands": full["deflection_bands"],
        "most_missing_fields": full["most_missing_fields"],
        "unavailable": full["unavailable"],
        "actions": action_rows,
    }


def to_csv(rows: Sequence[dict[str, Any]]) -> str:
    """Render rows as CSV with a header from the first row's keys."""
    out = io.StringIO()
    if rows:
        writer = csv.DictWriter(out, fieldnames=list(rows[0]), lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)
    return out.getvalue()
