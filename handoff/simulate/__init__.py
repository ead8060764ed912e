"""A deterministic simulator of a support operation with a bot in front of human agents.

``generate(SimConfig(seed=...))`` returns a World: contacts on the three paths, bot
conversations, handoff packets, tickets with comments, CSAT, flags, policy statements, and
the ground truth the product should find in them.
"""

from handoff.simulate.world import Contact, GroundTruth, SimConfig, World, generate

__all__ = ["Contact", "GroundTruth", "SimConfig", "World", "generate"]
