"""Run the frozen hostile-request corpus through a Flask test client and judge every answer.

The corpus and its case format are described in ``tests/data/hostile/README.md``. Cases run in
file order on one app and one database, because idempotency pairs and the delayed CSAT baseline
depend on what earlier cases stored.
"""

from __future__ import annotations

import base64
import gzip
import json
import logging
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from datetime import datetime
from pathlib import Path
from typing import Any

from flask.testing import FlaskClient
from werkzeug.test import EnvironBuilder, TestResponse
from werkzeug.wrappers import Response

from handoff import tokens, webhooks
from sandbox.webhooks import sign

CORPUS = Path(__file__).resolve().parents[1] / "data" / "hostile" / "cases.jsonl.gz"
# Well formed, never issued: the answer must be 401 like any unknown token.
UNKNOWN_TOKEN = f"{tokens.PREFIX}unknown-token-0000000000000000000000000000000"
ERROR_KEYS = ("code", "message", "details")


@dataclass(frozen=True)
class Case:
    """One request of the corpus and what its answer must be."""

    id: str
    route: str
    method: str
    auth: str
    content_type: str
    body: bytes
    signed_webhook: bool
    expect: str
    why: str
    category: str = ""
    also_ok: tuple[str, ...] = ()
    authorization_header: str | None = None
    timestamp_header: str | None = None
    signature_header: str | None = None
    needs_scope: str | None = None
    probe: str | None = None
    probe_expect: str | None = None
    probe_body_contains: str | None = None

    @classmethod
    def from_json(cls, raw: dict[str, Any]) -> Case:
        """Build a case from one line of the corpus."""
        return cls(
            id=raw["id"],
            route=raw["route"],
            method=raw["method"],
            auth=raw["auth"],
            content_type=raw["content_type"],
            body=base64.b64decode(raw["body_b64"]),
            signed_webhook=bool(raw["signed_webhook"]),
            expect=raw["expect"],
            why=raw["why"],
            category=raw.get("category", ""),
            also_ok=tuple(raw.get("also_ok") or ()),
            authorization_header=raw.get("authorization_header"),
            timestamp_header=raw.get("timestamp_header"),
            signature_header=raw.get("signature_header"),
            needs_scope=raw.get("needs_scope"),
            probe=raw.get("probe"),
            probe_expect=raw.get("probe_expect"),
            probe_body_contains=raw.get("probe_body_contains"),
        )

    @property
    def accepted(self) -> str:
        """Name the acceptable outcomes, as the table shows them."""
        return "|".join((self.expect, *self.also_ok))


ERRATA = CORPUS.with_name("errata.json")


def load_cases(path: Path = CORPUS, errata: Path = ERRATA) -> list[Case]:
    """Read every case of the corpus, in file order, with the documented corrections applied."""
    fixes: dict[str, dict[str, Any]] = json.loads(errata.read_text(encoding="utf-8"))["cases"]
    with gzip.open(path, "rt", encoding="utf-8") as lines:
        raw = [json.loads(line) for line in lines if line.strip()]
    for case in raw:
        case.update({k: v for k, v in fixes.get(case["id"], {}).items() if k != "why"})
    return [Case.from_json(case) for case in raw]


@dataclass(frozen=True)
class Credentials:
    """What a legitimate caller holds: the bot's and an admin's token, the webhook secret."""

    bot_token: str
    admin_token: str
    webhook_secret: str
    now: Callable[[], datetime]


@dataclass(frozen=True)
class Finding:
    """One way a case's answer broke the rule."""

    case: Case
    got: str
    cause: str
    detail: str = ""


@dataclass
class Report:
    """The findings and skips of one run of the corpus."""

    ran: int = 0
    tracebacks: int = 0
    findings: list[Finding] = field(default_factory=list)
    skipped: list[tuple[Case, str]] = field(default_factory=list)
    answers: dict[str, int] = field(default_factory=dict)

    def extend(self, other: Report) -> None:
        """Add another run's results to this one."""
        self.ran += other.ran
        self.tracebacks += other.tracebacks
        self.findings.extend(other.findings)
        self.skipped.extend(other.skipped)
        self.answers.update(other.answers)

    def table(self) -> str:
        """Return a compact table of the failing cases, grouped counts first."""
        causes = Counter(f.cause for f in self.findings)
        failing: dict[str, list[Finding]] = {}
        for finding in self.findings:
            failing.setdefault(finding.case.id, []).append(finding)
        lines = [
            f"{len(failing)} of {self.ran} cases failed; {len(self.skipped)} could not be run; "
            f"{self.tracebacks} tracebacks logged.",
            "by cause: " + ", ".join(f"{cause} x{n}" for cause, n in causes.most_common()),
            "",
            f"{'case':<12} | {'route':<44} | {'expected':<9} | {'got':<30} | why",
        ]
        for found in failing.values():
            case = found[0].case
            route = _clip(f"{case.method} {case.route}", 44)
            why = "; ".join(
                _clip(f"{f.cause}: {f.detail}" if f.detail else f.cause, 110) for f in found
            )
            got = _clip(found[0].got, 30)
            lines.append(
                f"{case.id:<12} | {route:<44} | {case.accepted:<9} | {got:<30} | {why} "
                f"[{_clip(case.why, 60)}]"
            )
        for case, reason in self.skipped:
            lines.append(f"{case.id:<12} | skipped: {reason}")
        return "\n".join(lines)


class TracebackLog(logging.Handler):
    """Keep every log record that carries a traceback."""

    def __init__(self) -> None:
        super().__init__(level=logging.NOTSET)
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        """Keep the record if it has exception information."""
        if record.exc_info or record.exc_text:
            self.records.append(record)


@contextmanager
def tracebacks_logged() -> Iterator[TracebackLog]:
    """Collect the tracebacks any logger records while the block runs."""
    handler = TracebackLog()
    root = logging.getLogger()
    root.addHandler(handler)
    try:
        yield handler
    finally:
        root.removeHandler(handler)


def request_for(case: Case, credentials: Credentials) -> EnvironBuilder:
    """Build the case's request as given: raw body, route and content type untouched."""
    token = credentials.admin_token if case.needs_scope == "admin" else credentials.bot_token
    headers: list[tuple[str, str]] = []
    if case.content_type:
        headers.append(("Content-Type", case.content_type))
    if case.authorization_header is not None:
        headers.append(("Authorization", case.authorization_header.replace("{token}", token)))
    elif case.auth == "bot":
        headers.append(("Authorization", f"Bearer {token}"))
    elif case.auth == "bad":
        headers.append(("Authorization", f"Bearer {UNKNOWN_TOKEN}"))
    if case.signed_webhook or case.signature_header is not None:
        # A fresh timestamp unless the case brings a hostile one, so only the tested header is off.
        timestamp = case.timestamp_header
        if timestamp is None:
            timestamp = credentials.now().isoformat().replace("+00:00", "Z")
        signature = case.signature_header
        if signature is None:
            signature = sign(credentials.webhook_secret, timestamp, case.body)
        headers.append((webhooks.TIMESTAMP_HEADER, timestamp))
        headers.append((webhooks.SIGNATURE_HEADER, signature))
    elif case.timestamp_header is not None:
        headers.append((webhooks.TIMESTAMP_HEADER, case.timestamp_header))
    return EnvironBuilder(path=case.route, method=case.method, headers=headers, data=case.body)


def matches(status: int, outcome: str) -> bool:
    """Tell whether a status is the outcome ``2xx``, ``4xx`` or an exact code such as ``409``."""
    if outcome.endswith("xx"):
        return status // 100 == int(outcome[0])
    return status == int(outcome)


def probe_expectation(case: Case, status: int) -> str | None:
    """Say what the probe must find after the answer ``status``: ``2xx`` stored, ``404`` not.

    The expected answer keeps the case's probe. A 2xx the case also accepts must have stored
    the data; a 2xx it forbids keeps the probe, which then shows whether the data was stored.
    Any other refusal or failure must have stored nothing, except a 409, where the earlier
    write of the same id stands.
    """
    if case.probe is None or case.probe_expect is None:
        return None
    if matches(status, case.expect) or status == 409:
        return case.probe_expect
    if status // 100 == 2:
        allowed = any(matches(status, outcome) for outcome in case.also_ok)
        return "2xx" if allowed else case.probe_expect
    return "404"


def smuggled_ids(case: Case) -> list[str]:
    """Return the packet_ids a body gives twice or more at its top level (else an empty list)."""
    seen: list[list[tuple[str, Any]]] = []

    def keep(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
        seen.append(pairs)
        return dict(pairs)

    try:
        json.loads(case.body, object_pairs_hook=keep)
    except (ValueError, RecursionError):
        return []
    top = seen[-1] if seen else []
    ids = list(dict.fromkeys(str(value) for key, value in top if key == "packet_id"))
    return ids if len(ids) > 1 else []


class NotStrictJson(ValueError):
    """A body is not RFC 8259 JSON."""


def _refuse_constant(name: str) -> Any:
    raise NotStrictJson(f"non-standard constant {name}")


def strict_json(raw: bytes) -> Any:
    """Parse a body as strict JSON: UTF-8, no NaN, Infinity or -Infinity."""
    try:
        return json.loads(raw.decode("utf-8"), parse_constant=_refuse_constant)
    except (UnicodeDecodeError, json.JSONDecodeError, RecursionError) as exc:
        raise NotStrictJson(str(exc)) from exc


def error_shape_problem(response: Response) -> str | None:
    """Return what is wrong with a 4xx body, or None if it is the JSON error shape."""
    if response.mimetype != "application/json":
        return f"content type {response.content_type!r}"
    try:
        body = strict_json(response.get_data())
    except NotStrictJson as exc:
        return f"body not strict JSON ({exc})"
    error = body.get("error") if isinstance(body, dict) else None
    if not isinstance(error, dict):
        return "no 'error' object"
    missing = [key for key in ERROR_KEYS if key not in error]
    if missing:
        return f"error lacks {', '.join(missing)}"
    if not isinstance(error["code"], str) or not error["code"]:
        return "error.code is not a non-empty string"
    if not isinstance(error["message"], str):
        return "error.message is not a string"
    details = error["details"]
    if not isinstance(details, list) or not all(isinstance(d, dict) for d in details):
        return "error.details is not a list of objects"
    return None


def _error_code(response: TestResponse) -> str:
    try:
        body = strict_json(response.get_data())
    except NotStrictJson:
        return ""
    if isinstance(body, dict) and isinstance(body.get("error"), dict):
        return str(body["error"].get("code", ""))
    return ""


def _strings(value: Any) -> Iterator[str]:
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for key, item in value.items():
            yield str(key)
            yield from _strings(item)
    elif isinstance(value, list):
        for item in value:
            yield from _strings(item)


def _clip(text: str, width: int) -> str:
    text = text.encode("unicode_escape").decode("ascii")
    return text if len(text) <= width else text[: width - 3] + "..."


def _open(client: FlaskClient, builder: EnvironBuilder) -> TestResponse:
    response = client.open(builder)
    response.close()  # runs the work the app queued for after the answer (webhook processing)
    return response


def _probe(client: FlaskClient, path: str, credentials: Credentials) -> TestResponse:
    builder = EnvironBuilder(
        path=path, method="GET", headers=[("Authorization", f"Bearer {credentials.bot_token}")]
    )
    return _open(client, builder)


def check_smuggled_ids(
    client: FlaskClient,
    case: Case,
    ids: list[str],
    answer: TestResponse,
    credentials: Credentials,
    got: str,
) -> list[Finding]:
    """After a 2xx to a body naming several packet_ids: exactly one is stored, as answered."""
    stored = [
        packet_id
        for packet_id in ids
        if _probe(client, f"/api/v1/packets/{packet_id}", credentials).status_code // 100 == 2
    ]
    if len(stored) != 1:
        return [Finding(case, got, "smuggled id", f"{len(stored)} of the ids {ids} stored")]
    try:
        answered = strict_json(answer.get_data())
    except NotStrictJson:
        return []  # reported with the answer itself
    if isinstance(answered, dict) and answered.get("packet_id") not in (None, stored[0]):
        detail = f"answered packet_id {answered['packet_id']}, stored {stored[0]}"
        return [Finding(case, got, "smuggled id", detail)]
    return []


def check_probe(
    client: FlaskClient,
    case: Case,
    expected: str,
    status: int,
    credentials: Credentials,
    got: str,
) -> list[Finding]:
    """GET the case's probe with the bot token and compare with what must be stored."""
    assert case.probe is not None
    response = _probe(client, case.probe, credentials)
    found = response.status_code
    if found >= 500:
        return [Finding(case, got, "probe 5xx", f"GET {case.probe} -> {found}")]
    if not matches(found, expected):
        if expected == "2xx":
            cause = "accepted but not stored"
        elif status // 100 == 2:
            cause = "stored a rejected request"
        else:
            cause = f"stored despite a {status} answer"
        return [Finding(case, got, cause, f"GET {case.probe} -> {found}, wanted {expected}")]
    if found // 100 != 2:
        return []
    try:
        body = strict_json(response.get_data())
    except NotStrictJson as exc:
        return [Finding(case, got, "stored data read back as non-strict JSON", str(exc))]
    wanted = [case.probe_body_contains] if case.probe_body_contains is not None else []
    if status == 201:  # this request created the row: its free text must read back intact
        wanted.extend(_summary(case))
    missing = [text for text in wanted if not any(text in found for found in _strings(body))]
    if missing:
        return [Finding(case, got, "stored body changed", f"probe lacks {missing[0]!r}")]
    return []


def _summary(case: Case) -> list[str]:
    try:
        document = json.loads(case.body)  # bytes: a BOM or UTF-16/32 is detected as the app may
    except (ValueError, RecursionError):
        return []
    summary = document.get("summary") if isinstance(document, dict) else None
    return [summary] if isinstance(summary, str) else []


def run_case(
    client: FlaskClient, case: Case, credentials: Credentials
) -> tuple[str, list[Finding]]:
    """Send one case; return its status (and error code) and every way its answer breaks the rule."""
    response = _open(client, request_for(case, credentials))
    status = response.status_code
    code = _error_code(response) if status >= 400 else ""
    got = f"{status} {code}".strip()
    findings: list[Finding] = []
    if status >= 500:
        findings.append(Finding(case, got, "5xx"))
    elif not any(matches(status, outcome) for outcome in (case.expect, *case.also_ok)):
        findings.append(Finding(case, got, f"{case.expect} expected, got {status // 100}xx"))
    if 400 <= status < 500:
        problem = error_shape_problem(response)
        if problem:
            findings.append(Finding(case, got, "4xx without the JSON error shape", problem))
    if 200 <= status < 300:
        try:
            strict_json(response.get_data())
        except NotStrictJson as exc:
            findings.append(Finding(case, got, "2xx body not strict JSON", str(exc)))
    expected = probe_expectation(case, status)
    also_ok_2xx = 200 <= status < 300 and any(matches(status, o) for o in case.also_ok)
    ids = smuggled_ids(case) if case.probe and also_ok_2xx else []
    if ids:
        # The case's note: a body naming two packet_ids may store exactly one of them.
        findings.extend(check_smuggled_ids(client, case, ids, response, credentials, got))
    elif expected is not None:
        findings.extend(check_probe(client, case, expected, status, credentials, got))
    return got, findings


def refused_for_scope(cases: list[Case], report: Report) -> list[Case]:
    """Return the cases the bot token could not reach (403) though they do not test auth.

    The corpus sends the bot's token to routes that need another scope (the delayed CSAT needs
    admin, reports need reports:read), so those cases stop at the scope check and their
    bodies and paths are never parsed. Rerun with a token holding the scope, they are.
    """
    return [
        replace(case, id=f"{case.id}+admin")
        for case in cases
        if report.answers.get(case.id) == 403
        and case.category != "auth"
        and case.needs_scope is None
        and case.authorization_header is None
    ]


def stored_rows_problem(case: Case, status: int, before: int, after: int) -> str | None:
    """Judge how many rows a case added where no probe can look: none if refused, at most one."""
    added = after - before
    if status // 100 != 2 and added:
        return f"stored despite a {status} answer"
    if added and not any(matches(status, outcome) for outcome in (case.expect, *case.also_ok)):
        return "stored a rejected request"
    if added > 1:
        return "stored more than once"
    return None


def run_corpus(
    client: FlaskClient,
    cases: list[Case],
    credentials: Credentials,
    before_each: Callable[[], None] = lambda: None,
    rows: Callable[[Case], int | None] = lambda case: None,
) -> Report:
    """Run every case in order on one client; collect findings, skips and logged tracebacks.

    ``rows`` counts the rows a case could store where no probe reaches (None: not counted).
    """
    report = Report()
    with tracebacks_logged() as logged:
        for case in cases:
            before_each()
            try:
                request_for(case, credentials).get_environ()
            except Exception as exc:  # the HTTP client refuses to build this request at all
                report.skipped.append((case, f"the test client refuses the request: {exc!r}"))
                continue
            seen = len(logged.records)
            report.ran += 1
            before = rows(case)
            try:
                got, findings = run_case(client, case, credentials)
                report.answers[case.id] = status = int(got.split()[0])
                after = rows(case)
                if before is not None and after is not None:
                    problem = stored_rows_problem(case, status, before, after)
                    if problem:
                        detail = f"{after - before} row(s) added"
                        findings.append(Finding(case, got, problem, detail))
            except Exception as exc:  # an exception escaping the app is as bad as a 5xx
                got, findings = (
                    "exception",
                    [Finding(case, "exception", "exception escaped the app", repr(exc))],
                )
            report.findings.extend(findings)
            for record in logged.records[seen:]:
                kind = (
                    record.exc_info[0].__name__ if record.exc_info and record.exc_info[0] else "?"
                )
                detail = f"{record.name}: {kind}: {record.getMessage()}"
                report.findings.append(Finding(case, got, "traceback logged", detail))
        report.tracebacks = len(logged.records)
    return report
