"""Wording pools for simulated customers and agents; variety keeps detectors honest."""

from __future__ import annotations

BOT_NAMES = (
    "the bot",
    "your bot",
    "the chatbot",
    "your assistant",
    "the virtual agent",
    "the AI",
    "the chat",
    "your system",
)

# Explicit repetition: a cue, in many shapes, with a slot for what the bot was called.
REPEAT_CUES = (
    "As I told {bot} already, {issue}",
    "like i said to {bot}, {issue}",
    "I already explained this to {bot}. {issue}",
    "For the third time: {issue}",
    "Do I have to repeat everything? {issue}",
    "It's all in the chat above. {issue}",
    "I aleady told {bot} all of this!! {issue}",
    "as i mentioned to {bot} before, {issue}",
    "I've been over this with {bot} twice now. {issue}",
    "Again, {issue} I said this to {bot} already.",
)

# Look-alikes: wording near a cue that is not a repetition complaint.
LOOKALIKES = (
    "{Bot} told me to contact you about this.",
    "I already paid the invoice last week.",
    "I told my bank about the charge too.",
    "Can you repeat my order from March?",
    "It broke again this morning.",
    "Thanks, that makes sense.",
    "Ok, I will wait for the update.",
)

AGENT_GREETINGS = (
    "Hi {name}, thanks for waiting. I've read your conversation with our assistant.",
    "Hello {name}, I'm taking over from the bot and I can see what you've tried.",
    "Hi {name}, thanks for your patience.",
)

AGENT_REASKS = (
    "Could you send me your order number, please?",
    "Can you confirm the email address on your account?",
    "What is your account ID?",
    "Could you describe the problem you're having?",
)

AGENT_PROGRESS = (
    "I've checked with the carrier and opened a trace; you'll hear back within 24 hours.",
    "I've applied the change on your account now.",
    "I've issued the adjustment; it will show on your next invoice.",
    "I've escalated this to our billing team with all the details.",
    "That's done. Is there anything else I can help with?",
)

CUSTOMER_FOLLOWUPS = (
    "Thanks, that works.",
    "Ok, please keep me posted.",
    "Great, appreciate it.",
    "Fine. How long will it take?",
)

ISSUES = {
    "order_status": "my order {order} still hasn't arrived.",
    "password_reset": "I can't get the reset email for {email}.",
    "basic_billing": "I don't understand the charge on invoice {invoice}.",
    "shipping_policy": "I need to know how long standard shipping takes.",
    "returns": "I want to return the item from order {order}.",
    "plan_comparison": "I'm trying to choose between Pro and Business.",
    "billing_dispute": "I was charged twice for invoice {invoice} and want the money back.",
    "plan_change": "I need to downgrade my plan before the renewal.",
    "cancellation": "I want to cancel my subscription.",
}
