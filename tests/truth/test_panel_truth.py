"""Every panel figure row against the truth computed from the spec (tests/truth/README.md).

The scenario goes in through the public interfaces only (tests/truth/feed.py); the panel is
exported through ``/api/v1/reports/tables/*`` for every weekly view of the live weeks, two monthly
views, the quarterly view and the weekly series. Counts and rates must be equal; medians must sit
in the histogram bucket the panel documents; the repetition numerator may differ by the
detector's stated error (max(1, 10%)). Run ``python -m tests.truth.report`` for the same
comparison printed without failing.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from typing import Any

import pytest

from tests.truth.compare import Result, compare_exports, drill_diff, export_all
from tests.truth.feed import Fed, fed_product, refresh_full
from tests.truth.oracle import Oracle
from tests.truth.scenario import Scenario, build

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def scenario() -> Scenario:
    return build()


@pytest.fixture(scope="module")
def oracle(scenario: Scenario) -> Oracle:
    return Oracle(scenario)


@pytest.fixture(scope="module")
def fed(scenario: Scenario, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Fed]:
    logging.disable(logging.INFO)
    try:
        with fed_product(scenario, workdir=tmp_path_factory.mktemp("truth")) as product:
            yield product
    finally:
        logging.disable(logging.NOTSET)


@pytest.fixture(scope="module")
def incremental(fed: Fed) -> dict[str, dict[str, Any]]:
    """The exports after the weekly incremental refreshes (before any full rebuild)."""
    return export_all(fed)


def _fail(result: Result, extra: list[str] | None = None) -> None:
    lines = [result.summary(), "", result.table(limit=120)]
    if extra:
        lines += ["", "contacts behind the quarterly figures (scope all):", *extra[:80]]
    pytest.fail("\n".join(lines), pytrace=False)


def test_feed_accepted_everything(fed: Fed) -> None:
    """Every write of the scenario was accepted (no 4xx/5xx from the product's interfaces)."""
    assert fed.log == []


def test_every_figure_row_matches_the_truth(
    fed: Fed, scenario: Scenario, oracle: Oracle, incremental: dict[str, dict[str, Any]]
) -> None:
    result = compare_exports(incremental, oracle)
    assert result.compared > 1000  # the panel really was exported and compared
    if result.mismatches:
        _fail(result, drill_diff(fed, oracle, scenario, "quarterly", "2026-W44"))


def test_full_rebuild_equals_incremental_and_the_truth(
    fed: Fed, oracle: Oracle, incremental: dict[str, dict[str, Any]]
) -> None:
    """Incremental equals full: ``panel refresh --full`` gives the same rows, and the truth."""
    refresh_full(fed)
    full = export_all(fed)
    differ = []
    for label, e in incremental.items():
        a = {(r["id"], r["scope"], r["key"], r["window"]): r for r in e["rows"]}
        b = {(r["id"], r["scope"], r["key"], r["window"]): r for r in full[label]["rows"]}
        for k in sorted(set(a) | set(b)):
            ra, rb = a.get(k), b.get(k)
            pick = ("numerator", "denominator", "n", "value", "baseline_n", "baseline_value")
            va = None if ra is None else tuple(ra.get(x) for x in pick)
            vb = None if rb is None else tuple(rb.get(x) for x in pick)
            if va != vb:
                differ.append(f"{label} {k}: incremental {va} full {vb}")
    result = compare_exports(full, oracle)
    if differ or result.mismatches:
        lines = [f"{len(differ)} rows differ between incremental and full refresh", *differ[:40]]
        if result.mismatches:
            lines += ["", "after the full rebuild:", result.summary(), result.table(limit=60)]
        pytest.fail("\n".join(lines), pytrace=False)
