"""The schema files and the validators built from them."""

from __future__ import annotations

import json

import pytest
from jsonschema import Draft202012Validator

from handoff import schemas
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
