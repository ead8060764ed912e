"""Every reported figure's plain name and one-sentence definition: the one source for pages,
CSV headers, the CLI and the definitions table in docs/metrics.md.

Ids stay the product's keys (JSON, CSV ``id`` column, URLs); names are what people read.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class FigureName:
    """A figure's id, the name a support lead reads, and what it counts in one sentence."""

    id: str
    name: str
    definition: str


_ROWS: tuple[tuple[str, str, str], ...] = (
    ("deflection_rate", "Deflection",
     "Share of all contacts of the archetype that the bot resolved with no human reply."),
    ("deflection_attempt_rate", "Bot attempt rate",
     "Share of all contacts the bot engaged at all; near zero means the bot silently refuses them."),
    ("containment_rate", "Containment",
     "Share of bot-engaged contacts the bot resolved itself, with no escalation, abandonment or refusal."),
    ("abandonment_rate", "Abandonment",
     "Share of bot-engaged contacts where the customer left mid-conversation without a confirmed resolution."),
    ("resolution_csat", "CSAT at resolution",
     "Good ratings out of good and bad ratings on the survey sent right after the ticket was solved."),
    ("resolution_csat_response_rate", "CSAT response rate at resolution",
     "Share of offered resolution surveys that the customer answered."),
    ("resolution_csat_delta", "CSAT at resolution vs baseline",
     "CSAT at resolution minus the baseline CSAT of the same slice, in points."),
    ("delayed_csat", "CSAT after 2-3 days",
     "Good ratings out of good and bad ratings on the survey answered 48-72 hours after solve."),
    ("delayed_csat_response_rate", "Response rate after 2-3 days",
     "Share of sent 48-72 hour surveys that the customer answered."),
    ("delayed_csat_delta", "CSAT after 2-3 days vs baseline",
     "CSAT after 2-3 days minus the baseline of the same slice, in points."),
    ("model_csat", "Bot-predicted satisfaction",
     "Mean satisfaction score the bot predicted for its own conversations, a fast proxy that never replaces surveys."),
    ("context_loss_rate", "Context loss",
     "Share of escalations where the agent flagged that they had to re-ask the customer."),
    ("repetition_rate", "Customer repetition",
     "Share of escalations where the customer repeated themselves before the agent's fourth reply."),
    ("suggested_reasks", "Agent re-asks (detected)",
     "Share of checked escalations where the detector saw the agent ask for something again."),
    ("escalated_csat_delta", "Escalated CSAT vs baseline",
     "CSAT of escalated tickets minus the baseline CSAT of the same archetype, in points."),
    ("policy_incidents", "Wrong policy statements",
     "Number of bot statements per week that contradicted the policy in force, by class and severity."),
    ("policy_accuracy", "Policy accuracy",
     "Share of the bot's policy statements that matched the policy version in force when they were said."),
    ("bot_handle_time", "Bot handle time",
     "Median time from the customer's first message to the bot's resolution or handoff."),
    ("escalated_handle_time", "Escalated handle time",
     "Median time from handoff to solve, compared with the baseline handle time of the same archetype."),
    ("repeat_contact_24h", "Came back within 24 h",
     "Share of resolved contacts whose customer opened a new contact of the same archetype within 24 hours."),
    ("repeat_contact_7d", "Came back within 7 days",
     "Share of resolved contacts whose customer opened a new contact of the same archetype within 7 days."),
    ("repeat_contact_30d", "Came back within 30 days",
     "Share of resolved contacts whose customer opened a new contact of the same archetype within 30 days."),
    ("escalation_rate", "Escalation rate",
     "Share of bot-engaged contacts that the bot handed to a human."),
    ("refusal_rate", "Refusal rate",
     "Share of bot-engaged contacts the bot ended by refusing a valid question (a refusal the bot did not judge counts as valid)."),
    ("packet_completeness", "Complete handoff packets",
     "Share of handoff packets that carry every field their archetype needs."),
    ("packet_acknowledged_rate", "Packets read by agents",
     "Share of escalations where the agent opened the packet before their first public reply."),
    ("first_useful_reply_time", "First useful reply",
     "Median time from handoff to the first agent reply that did not ask again for known details."),
    ("first_response_latency_p50", "First reply time (median)",
     "Median time from handoff, or ticket creation, to the first public agent reply."),
    ("first_response_latency_p99", "First reply time (slowest 1%)",
     "99th percentile of the time from handoff, or ticket creation, to the first public agent reply."),
    ("cost_per_resolved", "Cost per resolved contact",
     "Configured unit costs spent per resolved contact, for the bot and for humans."),
    ("grounding_citation_rate", "Claims with a source",
     "Share of the bot's factual claims in reviewed conversations that cited a source."),
    ("unwarranted_confidence_rate", "Unwarranted confidence",
     "Share of reviewed bot answers stated confidently without grounds."),
    ("sampled_hallucination_rate", "Hallucinations in QA samples",
     "Share of randomly sampled bot policy statements that reviewers marked as hallucinated."),
)  # fmt: skip

FIGURES: dict[str, FigureName] = {r[0]: FigureName(*r) for r in _ROWS}


def name_of(figure_id: str) -> str:
    """Return a figure's plain name; an unknown id is shown as itself."""
    found = FIGURES.get(figure_id)
    return found.name if found else figure_id


def definition_of(figure_id: str) -> str:
    """Return a figure's one-sentence definition, or an empty string for an unknown id."""
    found = FIGURES.get(figure_id)
    return found.definition if found else ""


def markdown_table() -> str:
    """Render the definitions table that docs/metrics.md carries between its markers."""
    lines = ["| id | name | definition |", "|---|---|---|"]
    lines += [f"| `{f.id}` | {f.name} | {f.definition} |" for f in FIGURES.values()]
    return "\n".join(lines) + "\n"
