"""Where a message quotes words that are not the writer's own: quotation marks, "> " lines,
and the earlier e-mails a mail client appends below a reply."""

from __future__ import annotations

import re

# Text in quotation marks, and e-mail quotes ("> " lines).
_QUOTE_RE = re.compile(r'"[^"\n]{3,}"|\u201c[^\u201d\n]{3,}\u201d|^[ \t]*>.*$', re.M)

# The line a mail client or the helpdesk puts above the earlier messages of a thread. Below
# it are the agent's or the customer's earlier words, not what the customer writes now:
# "On Mon, 3 Mar 2025 at 10:04, Support <help@x> wrote:" (one or two lines), an Outlook
# "-----Original Message-----" or "From: ... Sent: ..." header, a forwarded message, the
# helpdesk's reply marker, and the "-- " signature separator.
_HISTORY_RE = re.compile(
    r"^[ \t]*(?:"
    r"##-[^\n]*-##"
    r"|-{2,}[ \t]*(?:original message|forwarded message|urspr\u00fcngliche nachricht|"
    r"message d'origine|mensaje original|messaggio originale)[ \t]*-{2,}"
    r"|(?P<on>(?:on|am|le|el|il|op)\b[^\n]{4,200}(?:\n[^\n]{0,200})?"
    r"\b(?:wrote|schrieb|a \u00e9crit|escribi\u00f3|ha scritto|schreef)[ \t]*:)[ \t]*$"
    r"|_{8,}[ \t]*\n[ \t]*(?:from|von|de|van|da)[ \t]*:"
    r"|(?:from|von|de|van|da)[ \t]*:[^\n]+\n(?:[^\n]*\n){0,3}?[ \t]*"
    r"(?:sent|date|gesendet|datum|envoy\u00e9|enviado|inviato|verzonden)[ \t]*:"
    r"|--[ \t]?$"
    r")",
    re.I | re.M,
)
# A mail client's "On ... wrote:" line dates the quoted message ("2025", "10:04"); "On Friday
# I wrote: ..." is the customer repeating their own words, not a quote.
_DATED_RE = re.compile(r"\d{4}|\d:\d\d")
_OWN_RE = re.compile(r"\b(?:i|we)\s+(?:wrote|schrieb)\b", re.I)
# A quoted block that follows its header line as "> " lines: the quote ends where they end.
_QUOTED_LINE_RE = re.compile(r"[ \t]*>")


def history_start(text: str) -> int | None:
    """Return where the earlier e-mails quoted below a reply begin, or None when there are none."""
    for match in _HISTORY_RE.finditer(text):
        header = match.group("on")
        if header is not None and (not _DATED_RE.search(header) or _OWN_RE.search(header)):
            continue
        if not text[: match.start()].strip():
            # A message that opens with the header quotes first and answers below ("On ... wrote:
            # > question" then the reply): its quote is the "> " lines, read as such.
            rest = text[match.end() :].lstrip("\n")
            if _QUOTED_LINE_RE.match(rest):
                continue
        return match.start()
    return None


def above_history(text: str) -> str:
    """Return ``text`` without the earlier e-mails quoted below it."""
    start = history_start(text)
    return text if start is None else text[:start]


def quoted_spans(text: str) -> list[tuple[int, int]]:
    """Return the character ranges of ``text`` that quote someone else's or earlier words."""
    spans = []
    if '"' in text or "\u201c" in text or ">" in text:
        spans = [match.span() for match in _QUOTE_RE.finditer(text)]
    start = history_start(text)
    if start is not None:
        spans.append((start, len(text)))
    return spans


def in_spans(offset: int, spans: list[tuple[int, int]]) -> bool:
    """Tell whether ``offset`` falls inside one of ``spans``."""
    return any(lo <= offset < hi for lo, hi in spans)
