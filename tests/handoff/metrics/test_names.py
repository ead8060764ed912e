"""Figure names: one registry for pages, CSV, the CLI and the definitions table in the docs."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy.orm import Session

from handoff.metrics import names, rollup
from handoff.metrics import panel as panel_mod
from handoff.productconfig import ProductConfig
from tests.handoff.metrics import scenario
from tests.handoff.metrics.conftest import World

DOCS = Path(__file__).resolve().parents[3] / "docs" / "metrics.md"


def test_every_reported_figure_has_a_name_and_one_sentence(
    session: Session, world: World, config: ProductConfig
) -> None:
    """Does every id the panel reports (and the ones it lists as not computed) have a plain name?"""
    scenario.build(world)
    rollup.refresh(session, config, now=scenario.NOW)
    built = panel_mod.build(session, config, now=scenario.NOW, view="monthly")
    ids = {f.id for f in built.figures()} | {f.id for f in built.series()}
    ids |= {i for i, _ in built.operational.unavailable}
    assert ids - set(names.FIGURES) == set()
    for f in names.FIGURES.values():
        assert f.name and f.name != f.id
        assert f.definition.endswith(".") and f.definition.count(". ") == 0, f.id


def test_docs_hold_the_generated_table() -> None:
    """Does docs/metrics.md carry the registry's table verbatim between its markers?"""
    text = DOCS.read_text(encoding="utf-8")
    start = text.index("<!-- figure-names:start -->\n") + len("<!-- figure-names:start -->\n")
    end = text.index("<!-- figure-names:end -->")
    assert text[start:end] == names.markdown_table()


def test_unknown_ids_fall_back_to_themselves() -> None:
    """Is an id the registry does not know shown as itself, never as an error?"""
    assert names.name_of("context_loss_rate") == "Context loss"
    assert names.name_of("new_figure") == "new_figure" and names.definition_of("new_figure") == ""
