"""Read quoted policy values ("2-year", "two weeks", "$5.00", "10%") into comparable quantities."""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

UNITS = ("days", "months", "currency", "percentage", "yes/no", "text")

_SMALL = {
    "a": 1, "an": 1, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7,
    "eight": 8, "nine": 9, "ten": 10, "eleven": 11, "twelve": 12, "thirteen": 13, "fourteen": 14,
    "fifteen": 15, "sixteen": 16, "seventeen": 17, "eighteen": 18, "nineteen": 19,
}  # fmt: skip
_TENS = {"twenty": 20, "thirty": 30, "forty": 40, "fifty": 50, "sixty": 60, "seventy": 70,
         "eighty": 80, "ninety": 90}  # fmt: skip
_WORD = (
    r"(?:(?:twenty|thirty|forty|fifty|sixty|seventy|eighty|ninety)(?:[\s-](?:one|two|three|four"
    r"|five|six|seven|eight|nine))?|one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve"
    r"|thirteen|fourteen|fifteen|sixteen|seventeen|eighteen|nineteen|an?)"
)
_NUM = rf"(?:\d+(?:\.\d+)?|{_WORD})"
_SPAN = r"(?:business |calendar |working )?(?:days?|weeks?|months?|years?)"
_CURRENCY_WORDS = {"dollar": "USD", "euro": "EUR", "pound": "GBP", "usd": "USD", "eur": "EUR",
                   "gbp": "GBP", "$": "USD", "€": "EUR", "£": "GBP"}  # fmt: skip

# Placeholders a golden-set pattern may use; each captures the quoted value as group "value".
PLACEHOLDERS = {
    "{duration}": rf"(?P<value>{_NUM}[\s-]*{_SPAN})",
    "{money}": (
        r"(?P<value>[$€£]\s?\d[\d,]*(?:\.\d{1,2})?"
        r"|\d[\d,]*(?:\.\d{1,2})?\s?(?:USD|EUR|GBP|dollars?|euros?|pounds?))"
    ),
    "{percent}": r"(?P<value>\d+(?:\.\d+)?\s?(?:%|percent\b|per cent\b))",
    "{number}": rf"(?P<value>{_NUM})",
    "{text}": r"(?P<value>[\w@.+:/-]*[\w/])",
}


@dataclass(frozen=True)
class Quantity:
    """A value in one of the golden set's units; durations in days or months, money with currency."""

    unit: str
    amount: Any
    currency: str | None = None

    def display(self) -> str:
        """Render the quantity the way an agent reads it: "30 days", "5.00 USD", "yes"."""
        if self.unit in ("days", "months"):
            n = _plain(self.amount)
            return f"{n} {self.unit[:-1] if n == '1' else self.unit}"
        if self.unit == "currency":
            return f"{Decimal(self.amount):.2f} {self.currency or ''}".strip()
        if self.unit == "percentage":
            return f"{_plain(self.amount)}%"
        if self.unit == "yes/no":
            return "yes" if self.amount else "no"
        return str(self.amount)


def _plain(amount: Any) -> str:
    """Print a Decimal without trailing zeros."""
    text = format(Decimal(amount).normalize(), "f")
    return text


def word_number(text: str) -> Decimal | None:
    """Read "60", "2.5", "two", "thirty-five" or "a" as a number."""
    text = text.strip().lower()
    try:
        return Decimal(text.replace(",", ""))
    except InvalidOperation:
        pass
    parts = re.split(r"[\s-]+", text)
    if len(parts) == 1 and parts[0] in _SMALL:
        return Decimal(_SMALL[parts[0]])
    if parts and parts[0] in _TENS:
        extra = _SMALL.get(parts[1], None) if len(parts) == 2 else 0
        if extra is not None and len(parts) <= 2:
            return Decimal(_TENS[parts[0]] + extra)
    return None


_DURATION = re.compile(
    rf"^\s*({_NUM})[\s-]*(?:business |calendar |working )?(day|week|month|year)s?\s*$", re.I
)


def parse_duration(text: str) -> Quantity | None:
    """Read "2 years", "two weeks", "30-day" as days (days, weeks) or months (months, years)."""
    match = _DURATION.match(text)
    if not match:
        return None
    number = word_number(match.group(1))
    if number is None:
        return None
    span = match.group(2).lower()
    if span == "day":
        return Quantity("days", number)
    if span == "week":
        return Quantity("days", number * 7)
    if span == "month":
        return Quantity("months", number)
    return Quantity("months", number * 12)


_MONEY = re.compile(
    r"^\s*(?P<pre>[$€£])?\s?(?P<n>\d[\d,]*(?:\.\d+)?)\s?(?P<post>USD|EUR|GBP|dollars?|euros?|pounds?)?\s*$",
    re.I,
)


def parse_money(text: str, default_currency: str | None) -> Quantity | None:
    """Read "$5.00", "5 USD", "5 dollars" (or a bare amount in the fact's currency)."""
    match = _MONEY.match(text)
    if not match:
        return None
    symbol = match.group("pre") or match.group("post") or ""
    currency = _CURRENCY_WORDS.get(symbol.lower().rstrip("s"), None) if symbol else default_currency
    if symbol and currency is None:
        currency = _CURRENCY_WORDS.get(symbol.lower())
    return Quantity("currency", Decimal(match.group("n").replace(",", "")), currency)


_YES = {"yes", "true", "y", "1", "on"}
_NO = {"no", "false", "n", "0", "off"}


def _text(value: Any) -> str:
    """Fold a text value for comparison: case, spaces and trailing punctuation do not count."""
    return re.sub(r"\s+", " ", str(value)).strip().strip(".,;:!").casefold()


def quantity(
    value: Any, unit: str | None, *, fact_unit: str, currency: str | None = None
) -> Quantity | None:
    """Interpret what the bot said (a value and an optional unit) in the fact's unit; None if it cannot be."""
    if isinstance(value, bool):
        return Quantity("yes/no", value) if fact_unit == "yes/no" else None
    raw = str(value).strip()
    hint = (unit or "").strip().lower()
    if fact_unit == "yes/no":
        word = raw.lower()
        return (
            Quantity("yes/no", True)
            if word in _YES
            else Quantity("yes/no", False)
            if word in _NO
            else None
        )
    if fact_unit == "text":
        return Quantity("text", _text(raw))
    if fact_unit in ("days", "months"):
        parsed = parse_duration(f"{raw} {hint}" if hint and word_number(raw) is not None else raw)
        if parsed is None and not hint:
            number = word_number(raw)
            parsed = Quantity(fact_unit, number) if number is not None else None
        return parsed
    if fact_unit == "currency":
        if hint and hint.upper() in ("USD", "EUR", "GBP"):
            return parse_money(f"{raw} {hint.upper()}", currency)
        return parse_money(raw, currency)
    if fact_unit == "percentage":
        match = re.match(r"^\s*(\d+(?:\.\d+)?)\s?(?:%|percent|per cent)?\s*$", raw, re.I)
        return Quantity("percentage", Decimal(match.group(1))) if match else None
    return None


def same(said: Quantity, policy: Quantity) -> bool:
    """Tell whether a quoted quantity agrees with the policy's.

    Days and months are only approximately convertible: a quoted month matches 28 to 31 days
    per month; days quoted against a month policy match the same range.
    """
    if said.unit == policy.unit:
        if said.unit == "currency":
            return said.currency in (None, policy.currency) and Decimal(said.amount) == Decimal(
                policy.amount
            )
        if said.unit in ("days", "months", "percentage"):
            return Decimal(said.amount) == Decimal(policy.amount)
        return bool(said.amount == policy.amount)
    if {said.unit, policy.unit} == {"days", "months"}:
        days, months = (said, policy) if said.unit == "days" else (policy, said)
        return 28 * Decimal(months.amount) <= Decimal(days.amount) <= 31 * Decimal(months.amount)
    return False


def policy_quantity(value: Any, fact_unit: str, currency: str | None) -> Quantity:
    """Turn a golden-set version's value into a Quantity (the schema checked its type)."""
    if fact_unit == "yes/no":
        return Quantity("yes/no", bool(value))
    if fact_unit == "text":
        return Quantity("text", _text(value))
    if fact_unit == "currency":
        return Quantity("currency", Decimal(str(value)), currency)
    return Quantity(fact_unit, Decimal(str(value)))
