"""The schema files and the validators built from them."""

from __future__ import annotations

import copy
import json
from typing import Any

import pytest
from jsonschema import Draft202012Validator

from handoff import jsonguard, schemas
from handoff.errors import HandoffError
from tests import factories


@pytest.mark.parametrize("path", schemas.schema_files(), ids=lambda p: p.name)
def test_every_schema_file_is_a_valid_2020_12_schema_with_an_id(path):
    """Is every file under schemas/ a valid draft 2020-12 schema that names itself?"""
    document = json.loads(path.read_text())
    Draft202012Validator.check_schema(document)
    assert document["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    assert document["$id"].startswith("https://")


def test_a_complete_packet_has_no_errors():
    """Does the factory's full packet validate cleanly?"""
    assert schemas.validate(schemas.PACKET, factories.packet()) == []


def test_errors_name_each_path_sorted():
    """Are all errors reported at once, each with its JSON path, in path order?"""
    doc = factories.packet(summary="x", channel="pigeon")
    doc["transcript"][1]["role"] = "robot"
    doc["intent"]["confidence"] = 1.5
    paths = [e.path for e in schemas.validate(schemas.PACKET, doc)]
    assert paths == ["$.channel", "$.intent.confidence", "$.summary", "$.transcript[1].role"]


def test_formats_are_checked():
    """Are uuid, email and date-time formats enforced, not just documented?"""
    doc = factories.packet(packet_id="123", created_at="yesterday")
    doc["customer"]["email"] = "not-an-email"
    errors = {e.path: e.validator for e in schemas.validate(schemas.PACKET, doc)}
    assert errors == {
        "$.packet_id": "format",
        "$.created_at": "format",
        "$.customer.email": "format",
    }


def test_ticket_or_requester_is_required_and_the_message_stays_short():
    """Without ticket_id or requester, is the error short and does it say what is missing?"""
    doc = factories.packet()
    del doc["ticket_id"]
    [error] = schemas.validate(schemas.PACKET, doc)
    assert error.path == "$" and "ticket_id" in error.message
    assert len(error.message) < 200


def test_conversation_schema_reuses_packet_definitions_across_files():
    """Does the conversation schema resolve $refs into the packet schema offline?"""
    assert schemas.validate(schemas.CONVERSATION, factories.conversation()) == []
    bad = factories.conversation(intent={"name": "Bad Name"})
    assert [e.path for e in schemas.validate(schemas.CONVERSATION, bad)] == ["$.intent.name"]


# --- the compiled validator (accept path) against the Python one (the authority) ---------------

# Values put in place of every field in turn: wrong types, edges of lengths and ranges, near-miss
# formats (a date-time without offset, 30 February, a newline before the end), NUL, a lone
# surrogate, an integer no database holds.
_REPLACEMENTS: tuple[Any, ...] = (
    None, True, 0, -1, 42.0, 1.5, 10**19, 10**40, -(10**19), "", " ", "x" * 121, "x" * 5001,
    "Bad Name", "order_status\n", "abc\n", "EUR\n", "eur", "a\x00b", "\ud800", [], [1], {}, {"x": 1},
    "2026-03-02T09:00:00", "2026-02-30T09:00:00Z", "2026-03-02 09:00:00Z", "2026-03-02T25:00:00Z",
    "2026-03-02T09:00:00Z\n", "2026-03-02", "2026-13-01", "not-a-uuid",
    "123e4567-e89b-12d3-a456-42661417400", "123e4567e89b12d3a456426614174000", "a@b", "@",
    "dana@example.com\n", "x" * 321 + "@example.com",
)  # fmt: skip


def _paths(value: Any, at: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    """List the path of every value inside ``value`` (objects' keys and lists' indexes)."""
    found = [at] if at else []
    if isinstance(value, dict):
        found += [p for k, v in value.items() for p in _paths(v, (*at, k))]
    elif isinstance(value, list):
        found += [p for i, v in enumerate(value) for p in _paths(v, (*at, i))]
    return found


def _mutants(document: dict[str, Any]) -> list[Any]:
    """Return copies of ``document`` with one field replaced, removed, or one unknown key added."""
    out: list[Any] = []
    for path in _paths(document):
        for replacement in (*_REPLACEMENTS, "__drop__", "__extra__"):
            doc = copy.deepcopy(document)
            parent = doc
            for part in path[:-1]:
                parent = parent[part]
            if replacement == "__drop__":
                del parent[path[-1]]
            elif replacement == "__extra__":
                if not isinstance(parent[path[-1]], dict):
                    continue
                parent[path[-1]]["unexpected"] = 1
            else:
                parent[path[-1]] = replacement
            out.append(doc)
    return out + [[], "x", None, {}, {**document, "unexpected": 1}]


def _hostile_documents(routes: tuple[str, ...]) -> list[Any]:
    """Return the bodies of the frozen hostile corpus sent to ``routes`` that parse as JSON."""
    from tests.helpdesk_app.hostile_corpus import load_cases

    docs = []
    for case in load_cases():
        if case.route in routes:
            try:
                docs.append(jsonguard.parse(case.body))
            except HandoffError:
                continue
    return docs


def _python_says_valid(name: str, document: Any) -> bool:
    """Judge ``document`` with the Python validator alone (the authority)."""
    return not schemas._nul_errors(document) and not any(
        True for _ in schemas.validator(name).iter_errors(document)
    )


@pytest.mark.parametrize(
    ("name", "documents"),
    [
        (schemas.PACKET, lambda: _mutants(factories.packet())),
        (
            schemas.PACKET,
            lambda: _hostile_documents(("/api/v1/packets", "/api/v1/packets/validate")),
        ),
        (schemas.CONVERSATION, lambda: _mutants(factories.conversation())),
        (schemas.CONVERSATION, lambda: _hostile_documents(("/api/v1/conversations",))),
    ],
    ids=[
        "packet mutants",
        "packet hostile corpus",
        "conversation mutants",
        "conversation hostile corpus",
    ],
)
def test_the_fast_validator_never_accepts_what_the_python_one_refuses(name, documents):
    """Whatever the compiled validator lets through, does the Python validator accept too?"""
    docs = documents()
    assert len(docs) > 20
    lenient = [d for d in docs if schemas.passes_fast(name, d) and not _python_says_valid(name, d)]
    assert lenient == []
    # Both validators answer: a document the fast one refuses still gets the Python one's verdict.
    for doc in docs:
        assert (schemas.validate(name, doc) == []) == _python_says_valid(name, doc)


def test_valid_documents_take_the_fast_path():
    """Do valid packets and conversations pass the compiled validator (so it is used at all)?"""
    valid = [factories.packet(), factories.packet(ticket_id=42.0), factories.conversation()]
    valid.append({k: v for k, v in factories.packet().items() if k != "customer"})
    names = [schemas.PACKET, schemas.PACKET, schemas.CONVERSATION, schemas.PACKET]
    assert all(schemas.passes_fast(n, d) for n, d in zip(names, valid, strict=True))


def test_a_refused_packet_still_gets_every_named_error():
    """Is a refusal explained exactly as by the Python validator: every error, path and message?"""
    doc = factories.packet(packet_id="123", summary="")
    doc["transcript"][0]["role"] = "robot"
    assert not schemas.passes_fast(schemas.PACKET, doc)
    errors = schemas.validate(schemas.PACKET, doc)
    assert [(e.path, e.validator) for e in errors] == [
        ("$.packet_id", "format"),
        ("$.summary", "minLength"),
        ("$.transcript[0].role", "enum"),
    ]
    assert errors[0].message == "'123' is not a 'uuid'"
