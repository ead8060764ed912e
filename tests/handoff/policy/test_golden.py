"""Loading, validating and versioning the policy golden set."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
import sqlalchemy as sa

from handoff.errors import NotFound, ValidationFailed
from handoff.models.policy import PolicyChange, PolicyGoldenSet
from handoff.policy import golden


def test_the_example_file_is_valid(golden_doc):
    """Does the shipped example golden set pass every check?"""
    assert golden.validate_document(golden_doc)["facts"]


def test_errors_name_file_path_and_problem(golden_doc):
    """Does a bad file report the file, the JSON path and what is wrong, for every problem?"""
    golden_doc["facts"][0]["unit"] = "fortnights"
    golden_doc["facts"][1]["versions"][0]["valid_from"] = "soon"
    with pytest.raises(ValidationFailed) as caught:
        golden.validate_document(golden_doc, source="policy.yaml")
    details = caught.value.details
    assert "policy.yaml" in caught.value.message
    assert {d["path"] for d in details} >= {"$.facts[0].unit", "$.facts[1].versions[0].valid_from"}
    assert all(d["file"] == "policy.yaml" and d["message"] for d in details)


def test_overlapping_versions_and_wrong_value_types_are_refused(golden_doc):
    """Are overlapping periods, a text value on a day fact and a placeholder-less pattern refused?"""
    versions = golden_doc["facts"][0]["versions"]
    versions[0]["valid_to"] = "2026-04-01"  # runs past the next version's start
    golden_doc["facts"][1]["versions"][0]["value"] = "ten"
    golden_doc["facts"][1]["patterns"].append("restocking fee applies")
    with pytest.raises(ValidationFailed) as caught:
        golden.validate_document(golden_doc)
    paths = {d["path"] for d in caught.value.details}
    assert "$.facts[0].versions[1].valid_from" in paths
    assert "$.facts[1].versions[0].value" in paths
    assert "$.facts[1].patterns[2]" in paths


def test_a_bad_file_changes_nothing(session, loaded, golden_doc, clock):
    """Does a failed load leave the golden set and the change log untouched?"""
    golden_doc["facts"][0]["class"] = "vibes"
    with pytest.raises(ValidationFailed):
        golden.load(session, golden_doc, by="lead", now=clock())
    assert session.scalar(sa.select(sa.func.count()).select_from(PolicyGoldenSet)) == 1
    assert golden.current(session).revision == 1


def test_each_change_is_logged_with_who_and_when(session, loaded, golden_doc, clock):
    """Does a new version add a revision and log who changed which fact, from what to what?"""
    clock.advance(days=1)
    golden_doc["facts"][1]["versions"] = [{"value": 15, "valid_from": "2026-03-01"}]
    result = golden.load(session, golden_doc, by="maria", now=clock())
    assert result.revision == 2
    [change] = result.changes
    assert (change.key, change.change, change.changed_by) == (
        "restocking_fee_percent",
        "changed",
        "maria",
    )
    assert (
        change.before["versions"][0]["value"] == 10 and change.after["versions"][0]["value"] == 15
    )
    history = golden.history(session, "restocking_fee_percent")
    assert [h.change for h in history] == ["added", "changed"]


def test_loading_the_same_content_again_changes_nothing(session, loaded, golden_doc, clock):
    """Is reloading an identical file a no-op rather than a new revision?"""
    result = golden.load(session, golden_doc, by="again", now=clock())
    assert not result.created and result.revision == 1
    assert (
        session.scalar(
            sa.select(sa.func.count()).select_from(PolicyChange).where(PolicyChange.revision == 2)
        )
        == 0
    )


def test_in_force_answers_for_a_past_date(session, loaded):
    """Does "show --at" give the version of that date, not today's?"""
    g = golden.current(session)
    before = {f["key"]: f["value"] for f in golden.in_force(g, datetime(2026, 3, 1, tzinfo=UTC))}
    after = {f["key"]: f["value"] for f in golden.in_force(g, datetime(2026, 3, 10, tzinfo=UTC))}
    assert before["return_window_days"] == "30 days" and after["return_window_days"] == "45 days"


def test_history_of_an_unknown_key_is_not_found(session, loaded):
    """Does asking for the history of a key never loaded raise NotFound?"""
    with pytest.raises(NotFound):
        golden.history(session, "nope")
