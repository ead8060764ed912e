"""Hallucinated policy: the golden set, deterministic checks, QA sampling and human review."""
