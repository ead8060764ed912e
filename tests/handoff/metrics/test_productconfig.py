"""The product configuration: the example loads; every error names the file, the path and the problem."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from handoff import productconfig
from handoff.errors import ConfigError
from tests.handoff.metrics.conftest import CONFIG, at


def test_example_loads() -> None:
    """Does the shipped example validate and map intents to archetypes?"""
    config = productconfig.load(productconfig.EXAMPLE_PATH)
    assert config.archetype_of("where_is_my_order") == "order_status"
    assert config.archetype_of("no_such_intent") is None
    assert config.tier_of("returns") == "faq"
    assert config.baseline_weeks() == ["2026-W02", "2026-W03", "2026-W04", "2026-W05"]
    assert config.threshold("context_loss_rate") == 0.05


def _write(tmp_path: Path, document: object) -> Path:
    path = tmp_path / "product.yaml"
    path.write_text(yaml.safe_dump(document), encoding="utf-8")
    return path


def test_schema_errors_name_file_and_path(tmp_path: Path) -> None:
    """Does a schema violation say which file, which JSON path and what is wrong?"""
    bad = {
        **CONFIG,
        "archetypes": {"returns": {"tier": "sometimes", "intents": ["returns"]}},
        "min_sample": 0,
    }
    path = _write(tmp_path, bad)
    with pytest.raises(ConfigError) as caught:
        productconfig.load(path)
    text = caught.value.message
    assert f"{path}: $.archetypes.returns.tier:" in text
    assert f"{path}: $.min_sample: 0 is less than the minimum of 1" in text
    assert {d["path"] for d in caught.value.details} == {
        "$.archetypes.returns.tier",
        "$.min_sample",
    }


def test_semantic_errors(tmp_path: Path) -> None:
    """Are a duplicated intent, an unknown zone and a reversed baseline refused with their paths?"""
    bad = {
        **CONFIG,
        "timezone": "Mars/Olympus",
        "baseline": {"start": "2026-02-01", "end": "2026-01-01"},
        "archetypes": {
            "a": {"tier": "faq", "intents": ["x"]},
            "b": {"tier": "faq", "intents": ["y", "x"]},
        },
    }
    with pytest.raises(ConfigError) as caught:
        productconfig.load(_write(tmp_path, bad))
    paths = {d["path"] for d in caught.value.details}
    assert paths == {"$.timezone", "$.baseline.end", "$.archetypes.b.intents[1]"}
    assert "already in archetype 'a'" in caught.value.message


def test_yaml_syntax_error_names_the_line(tmp_path: Path) -> None:
    """Does broken YAML say where?"""
    path = tmp_path / "broken.yaml"
    path.write_text("timezone: UTC\narchetypes: [unclosed\n", encoding="utf-8")
    with pytest.raises(ConfigError, match=r"broken.yaml: line \d+ column \d+"):
        productconfig.load(path)


def test_weeks_are_cut_in_the_configured_zone() -> None:
    """Is Sunday 23:30 UTC a Monday in Berlin, hence the next ISO week?"""
    config = productconfig.parse(CONFIG)
    assert config.week_of(at("2026-02-01 22:30")) == "2026-W05"
    assert config.week_of(at("2026-02-01 23:30")) == "2026-W06"


def test_each_configuration_maps_intents_by_its_own_archetypes() -> None:
    """Does a configuration built after another was dropped (Python may reuse its id) map an
    intent by its own archetypes, never by the dropped one's?"""
    first, second = dict(CONFIG["archetypes"]), {}
    for n, archetype in enumerate(first.values()):
        second[f"renamed_{n}"] = archetype
    intent = next(iter(next(iter(first.values()))["intents"]))
    for _ in range(50):
        one = productconfig.parse({**CONFIG, "archetypes": first})
        assert one.archetype_of(intent) == next(iter(first))
        del one
        two = productconfig.parse({**CONFIG, "archetypes": second})
        assert two.archetype_of(intent) == "renamed_0"
        del two
