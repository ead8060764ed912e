"""Fixtures of the policy tests: the example golden set, loaded."""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import pytest

from handoff.policy import golden

EXAMPLE = Path(__file__).resolve().parents[3] / "config" / "policy-golden-set.example.yaml"


@pytest.fixture
def golden_doc() -> dict[str, Any]:
    """Return a fresh copy of the example golden set."""
    return copy.deepcopy(golden.read_file(EXAMPLE))


@pytest.fixture
def loaded(session, golden_doc, clock):
    """Load the example golden set into the test database and commit."""
    golden.load(session, golden_doc, by="test", now=clock())
    session.commit()
    return golden_doc
