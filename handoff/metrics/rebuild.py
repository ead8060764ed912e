"""Rebuild every contact fact and weekly rollup with set-based SQL (INSERT ... SELECT), no loop per contact.

The full rebuild computes what ``facts.build`` computes, in a fixed number of statements:

1. components: conversations, packets and tickets joined by their ids (a conversation's
   ticket, a packet's conversation and ticket); tickets bridged by one conversation are merged
   by label propagation over the (rare) ticket-ticket edges, a few statements per round;
2. contacts the SQL does not build: every source that could be linked by customer identity and
   time (a packet without ``conversation_id``) or that carries a value the SQL would read
   differently from Python (a JSON id that is neither a string nor a plain integer, an email with
   spaces or non-ASCII letters, a transcript time outside strict RFC 3339...). Their components
   go through ``facts.build``, so the cost of the Python path follows how many there are;
3. one row per remaining component into ``contact_facts`` (INSERT ... SELECT), from temporary
   tables per source and per ticket;
4. repeat contacts: customers grouped by shared key or email (label propagation), then one
   UPDATE;
5. weekly rollups and histograms: INSERT ... SELECT ... GROUP BY from ``contact_facts``
   (also used by the incremental refresh for the weeks it touched).

SQLite lacks time zones and a timestamp parser, so there two deterministic scalar functions
(the ISO week in the configured zone, the transcript time) are the Python ones, registered on
the connection; PostgreSQL computes both natively.
"""

from __future__ import annotations

import logging
import re
import time
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import Any, cast

import sqlalchemy as sa
from sqlalchemy.orm import Session

from handoff.detection.engine import REASK
from handoff.errors import Busy
from handoff.metrics import facts as facts_mod
from handoff.metrics.stats import _LAST_WIDTH, _STEPS
from handoff.models.metrics import ContactFact
from handoff.packets import COMPLETENESS_FIELDS
from handoff.productconfig import ProductConfig

log = logging.getLogger(__name__)

_AT_RE = (
    r"^[0-9]{4}-(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01])[Tt ]([01][0-9]|2[0-3]):[0-5][0-9]"
    r":[0-5][0-9](\.[0-9]{1,6})?([Zz]|[+-]([01][0-9]|2[0-3]):[0-5][0-9])?$"
)
_TEMP = (
    "rb_ct", "rb_tedge", "rb_tl", "rb_conv", "rb_pkt", "rb_tkt", "rb_py", "rb_cm", "rb_reply",
    "rb_tstat", "rb_rate", "rb_comp", "rb_compm", "rb_c1", "rb_seg", "rb_tools", "rb_toolsagg", "rb_miss",
    "rb_missagg", "rb_intent", "rb_req", "rb_skip", "rb_pcomp", "rb_all", "rb_cedge", "rb_cl",
    "rb_rep", "rb_hist", "rb_histobj", "rb_mobj", "rb_wk", "rb_st", "rb_reask", "rb_incomplete", "rb_after", "rb_wkobj",
)  # fmt: skip
PY_BATCH = 2000
FACTS = "contact_facts"
STAGING = "contact_facts_next"  # the full rebuild's new facts on PostgreSQL, swapped in at the end
SWAP_WAIT = 5.0  # seconds one attempt at the swap's lock waits for readers of the facts
SWAP_TRIES = 3


def _lit(value: str) -> str:
    """Quote a string as an SQL literal."""
    return "'" + value.replace("'", "''") + "'"


class _Dialect:
    """The few expressions that differ between SQLite and PostgreSQL."""

    def __init__(self, name: str) -> None:
        self.pg = name == "postgresql"
        # PostgreSQL: JSON nodes read once per row in a fenced subquery (see ``fenced``), and
        # the type of each node (``jtype``) worked out once, in a second fence around the first.
        self.nodes: dict[str, str] | None = None
        self.types: dict[str, str] = {}

    def fenced(self, table: str, alias: str) -> str:
        """A FROM item: ``table`` with every node registered since ``nodes = {}`` read once (PostgreSQL)."""
        nodes, self.nodes = self.nodes or {}, None
        types, self.types = self.types, {}
        if not self.pg or not nodes:
            return f"{table} {alias}"
        columns = "".join(f", {expr} AS {name}" for expr, name in nodes.items())
        inner = f"(SELECT {alias}.*{columns} FROM {table} {alias} OFFSET 0) AS {alias}"
        if not types:
            return inner
        columns = "".join(f", {expr} AS {name}" for expr, name in types.items())
        return f"(SELECT {alias}.*{columns} FROM {inner} OFFSET 0) AS {alias}"

    # JSON -------------------------------------------------------------------------------
    def node(self, col: str, path: Sequence[str]) -> str:
        """The JSON node at ``path`` (PostgreSQL: jsonb; SQLite: the column and a path)."""
        if not path:
            return col
        if self.pg:
            inner = ",".join('"' + p.replace("\\", "\\\\").replace('"', '\\"') + '"' for p in path)
            expr = f"({col} #> {_lit('{' + inner + '}')})"
            if self.nodes is not None and "." in col and not col.split(".")[1].startswith("jn"):
                name = self.nodes.setdefault(expr, f"jn{len(self.nodes)}")
                return f"{col.split('.')[0]}.{name}"
            return expr
        return col

    def _once(self, expr: str, node: str) -> str:
        """``expr`` of a fenced ``node``, computed once per row in the second fence (PostgreSQL)."""
        # ``plain``, ``odd`` and the rest ask a node's type three to six times, its text up to three.
        alias, _, name = node.partition(".")
        if self.nodes is None or not re.fullmatch(r"jn\d+", name):
            return expr
        return f"{alias}.{self.types.setdefault(expr, f'jt{len(self.types)}')}"

    def _sqlite_path(self, path: Sequence[str]) -> str:
        return _lit("$" + "".join('."' + p.replace('"', '\\"') + '"' for p in path))

    def jtype(self, col: str, path: Sequence[str] = ()) -> str:
        """Type of the node: string, int (a plain integer), number, boolean, null, object, array."""
        if self.pg:
            n = self.node(col, path)
            expr = (
                f"(CASE jsonb_typeof({n}) WHEN 'number' THEN CASE WHEN ({n} #>> '{{}}') "
                f"~ '^-?[0-9]+$' THEN 'int' ELSE 'number' END ELSE jsonb_typeof({n}) END)"
            )
            return self._once(expr, n)
        p = self._sqlite_path(path)
        return (
            f"(CASE json_type({col}, {p}) WHEN 'text' THEN 'string' WHEN 'integer' THEN 'int' "
            f"WHEN 'real' THEN 'number' WHEN 'true' THEN 'boolean' WHEN 'false' THEN 'boolean' "
            f"ELSE json_type({col}, {p}) END)"
        )

    def jtext(self, col: str, path: Sequence[str] = ()) -> str:
        """The node's scalar value as text (strings unquoted)."""
        if self.pg:
            n = self.node(col, path)
            return self._once(f"({n} #>> '{{}}')", n)
        return f"CAST(json_extract({col}, {self._sqlite_path(path)}) AS TEXT)"

    def plain(self, col: str, path: Sequence[str] = ()) -> str:
        """A value Python would read truthy as a string or a non-zero integer; NULL otherwise."""
        t, v = self.jtype(col, path), self.jtext(col, path)
        return (
            f"(CASE WHEN {t} = 'string' THEN NULLIF({v}, '') "
            f"WHEN {t} = 'int' AND {v} NOT IN ('0', '-0') THEN {v} END)"
        )

    def odd(self, col: str, path: Sequence[str] = ()) -> str:
        """True when the node is something ``plain`` does not read as Python would."""
        t = self.jtype(col, path)
        return f"(COALESCE({t}, 'null') NOT IN ('string', 'int', 'null'))"

    def is_true(self, col: str, path: Sequence[str]) -> str:
        """True when the node is JSON true."""
        if self.pg:
            return f"COALESCE({self.node(col, path)} = 'true'::jsonb, false)"
        return f"(COALESCE(json_type({col}, {self._sqlite_path(path)}), '') = 'true')"

    def number(self, col: str, path: Sequence[str]) -> str:
        """The node as a float when it is a JSON number (booleans are not), else NULL."""
        t = self.jtype(col, path)
        return (
            f"(CASE WHEN {t} IN ('int', 'number') THEN CAST({self.jtext(col, path)} AS FLOAT) END)"
        )

    def elements(self, col: str, path: Sequence[str], alias: str) -> str:
        """A FROM item over an array's elements: ``alias.v`` (node), ``alias.o`` (index), ``alias.t`` (type)."""
        if self.pg:
            n = self.node(col, path)
            return (
                f"LATERAL (SELECT e.v, e.o, jsonb_typeof(e.v) AS t FROM jsonb_array_elements("
                f"CASE WHEN jsonb_typeof({n}) = 'array' THEN {n} END) WITH ORDINALITY AS e(v, o)) "
                f"AS {alias}"
            )
        p = self._sqlite_path(path)
        return (
            f"json_each(CASE WHEN json_type({col}, {p}) = 'array' THEN json_extract({col}, {p}) END)"
            f" AS {alias}"
        )

    def eo(self, alias: str) -> str:
        """An element's index (for ordering)."""
        return f"{alias}.o" if self.pg else f"{alias}.key"

    def ev(self, alias: str) -> str:
        """An element's node."""
        return f"{alias}.v" if self.pg else f"{alias}.value"

    def el_text(self, alias: str) -> str:
        """An element's value as text when it is a string, else NULL."""
        if self.pg:
            return f"(CASE WHEN {alias}.t = 'string' THEN {alias}.v #>> '{{}}' END)"
        return f"(CASE WHEN {alias}.type = 'text' THEN {alias}.atom END)"

    def el_is_string(self, alias: str) -> str:
        return f"({alias}.t = 'string')" if self.pg else f"({alias}.type = 'text')"

    def el_is_object(self, alias: str) -> str:
        return f"({alias}.t = 'object')" if self.pg else f"({alias}.type = 'object')"

    def el_field(self, alias: str, key: str) -> tuple[str, str]:
        """(type, text) of a key of an object element."""
        if self.pg:
            node = f"({alias}.v -> {_lit(key)})"
            return (f"jsonb_typeof({node})", f"({node} #>> '{{}}')")
        p = self._sqlite_path([key])
        t = (
            f"(CASE json_type({alias}.value, {p}) WHEN 'text' THEN 'string' WHEN 'integer' THEN "
            f"'number' WHEN 'real' THEN 'number' WHEN 'true' THEN 'boolean' WHEN 'false' THEN "
            f"'boolean' ELSE json_type({alias}.value, {p}) END)"
        )
        return (t, f"CAST(json_extract({alias}.value, {p}) AS TEXT)")

    def json_array(self, expr: str, order: str) -> str:
        """Aggregate strings into a JSON array (SQLite: in the order rows arrive)."""
        if self.pg:
            return f"jsonb_agg({expr} ORDER BY {order})"
        return f"json_group_array({expr})"

    def empty_array(self) -> str:
        return "'[]'::jsonb" if self.pg else "json('[]')"

    # text and time ----------------------------------------------------------------------
    def c(self, expr: str) -> str:
        """Order strings by code point, as Python does."""
        return f'{expr} COLLATE "C"' if self.pg else expr

    def plus_seconds(self, ts: str, seconds: int) -> str:
        """The instant ``seconds`` after ``ts``."""
        if self.pg:
            return f"({ts} + interval '{int(seconds)} seconds')"
        return f"(strftime('%Y-%m-%d %H:%M:%S', substr({ts}, 1, 19), '{int(seconds):+d} seconds') || substr({ts}, 20))"

    def seconds(self, start: str, end: str) -> str:
        """Whole seconds from start to end (truncated), NULL when either is missing or end precedes."""
        if self.pg:
            diff = f"floor(extract(epoch from ({end} - {start})))::bigint"
        else:
            diff = (
                f"(CAST(strftime('%s', substr({end}, 1, 19)) AS INTEGER) - CAST(strftime('%s', substr({start}, 1, 19)) AS INTEGER)"
                f" - (CAST(substr({end}, 21, 6) AS INTEGER) < CAST(substr({start}, 21, 6) AS INTEGER)))"
            )
        return f"(CASE WHEN {start} IS NULL OR {end} IS NULL OR {end} < {start} THEN NULL ELSE {diff} END)"

    def at(self, text: str) -> str:
        """A transcript time (RFC 3339 text) as a UTC timestamp; NULL when not strictly valid."""
        return f"pg_temp.hf_at({text})" if self.pg else f"hf_at({text})"

    def at_bad(self, text: str) -> str:
        """True when the text is a time the SQL does not parse as Python would (PostgreSQL only)."""
        return f"(pg_temp.hf_at({text}) IS NULL)" if self.pg else "(1 = 0)"

    def week(self, ts: str, zone: str) -> str:
        """The ISO week label of an instant in the configured zone."""
        if self.pg:
            return f"to_char(({ts} AT TIME ZONE 'UTC') AT TIME ZONE {_lit(zone)}, 'IYYY-\"W\"IW')"
        return f"hf_week({ts})"

    def true(self) -> str:
        return "true" if self.pg else "1"

    def false(self) -> str:
        return "false" if self.pg else "0"

    def boolean(self, expr: str) -> str:
        """A boolean column value from a condition."""
        return f"COALESCE({expr}, false)" if self.pg else f"COALESCE(({expr}) <> 0, 0)"

    def temp(self, name: str, select: str) -> str:
        return f"CREATE TEMP TABLE {name} AS {select}"

    def join_index(self, statement: str) -> str | None:
        """An index only joins use: SQLite's nested loops need it, PostgreSQL hash-joins instead."""
        return None if self.pg else statement


def _register(session: Session, config: ProductConfig) -> _Dialect:
    """Return the dialect helper; on SQLite register the two scalar functions, on PostgreSQL define them."""
    d = _Dialect(session.get_bind().dialect.name)
    if d.pg:
        session.execute(sa.text(_PG_AT))
        # Compiling these one-off statements cost 2.2 s of a 1M rebuild (auto_explain) and won
        # back little: they are scans, hashes and sorts, not expression-bound.
        session.execute(sa.text("SET LOCAL jit = off"))
        return d
    raw = session.connection().connection.dbapi_connection
    assert raw is not None

    def hf_at(value: Any) -> str | None:
        parsed = facts_mod._time(value)
        if parsed is None:
            return None
        return parsed.astimezone(UTC).replace(tzinfo=None).isoformat(" ", "microseconds")

    def hf_week(value: Any) -> str | None:
        if value is None:
            return None
        return config.week_of(datetime.fromisoformat(value).replace(tzinfo=UTC))

    raw.create_function("hf_at", 1, hf_at, deterministic=True)
    raw.create_function("hf_week", 1, hf_week, deterministic=True)
    return d


# A transcript time in strict RFC 3339 (what Python parses the same way), else NULL. The CASE
# guards the cast, which would raise on an impossible date such as February 30.
_PG_AT = rf"""
CREATE OR REPLACE FUNCTION pg_temp.hf_at(x text) RETURNS timestamp LANGUAGE sql IMMUTABLE AS $$
SELECT CASE WHEN x ~ '{_AT_RE}'
  AND substr(x, 1, 4)::int BETWEEN 1000 AND 9998
  AND substr(x, 9, 2)::int <= extract(day from (make_date(substr(x, 1, 4)::int,
      substr(x, 6, 2)::int, 1) + interval '1 month' - interval '1 day'))
THEN (CASE WHEN x ~ '([Zz]|[+-][0-9][0-9]:[0-9][0-9])$' THEN translate(x, 'tz', 'TZ')
      ELSE translate(x, 't', 'T') || 'Z' END)::timestamptz AT TIME ZONE 'UTC' END
$$
"""


def _run(session: Session, statements: Iterable[str | None]) -> None:
    """Execute statements (skipping None); on PostgreSQL analyze each temporary table made."""
    pg = session.get_bind().dialect.name == "postgresql"  # no autovacuum sees temporary tables
    for statement in statements:
        if statement is None:
            continue
        started = time.perf_counter()
        session.execute(sa.text(statement))
        if pg and statement.startswith("CREATE TEMP TABLE "):
            _analyze(session, statement.split()[3])
        log.debug("%.2fs %s", time.perf_counter() - started, " ".join(statement.split()[:4]))


TEMP_STATISTICS = 10  # statistics target for the temporary tables (PostgreSQL's default: 100)


def _analyze(session: Session, table: str) -> None:
    """Analyze a temporary table from a small sample, then restore the statistics target.

    Its statistics serve one plan of hash joins and aggregates: row counts and whether a key is
    unique, which 3,000 sampled rows tell as well as 30,000. The default sample cost 2.6 s of
    backend CPU over the 30 temporary tables of a 1M rebuild, against 0.4 s.
    """
    target = "default_statistics_target"
    before = session.scalar(sa.text(f"SELECT current_setting('{target}')"))
    session.execute(sa.text(f"SELECT set_config('{target}', '{TEMP_STATISTICS}', true)"))
    session.execute(sa.text(f"ANALYZE {table}"))
    session.execute(sa.text(f"SELECT set_config('{target}', :v, true)"), {"v": before})


def _drop(session: Session) -> None:
    _run(session, (f"DROP TABLE IF EXISTS {t}" for t in _TEMP))


def _config_tables(session: Session, d: _Dialect, config: ProductConfig) -> None:
    """Intent -> archetype (for completeness and repeats), required fields, users never agents."""
    session.execute(
        sa.text(
            "CREATE TEMP TABLE rb_intent (intent VARCHAR(255) PRIMARY KEY, archetype VARCHAR(255),"
            " req VARCHAR(255))"
        )
    )
    rows = []
    for name, arch in config.archetypes.items():
        for intent in arch.intents:
            if config.archetype_of(intent) == name:
                rows.append({"i": intent, "a": name, "r": name if arch.required_fields else ""})
    if rows:
        session.execute(sa.text("INSERT INTO rb_intent VALUES (:i, :a, :r)"), rows)
    session.execute(sa.text("CREATE TEMP TABLE rb_req (req VARCHAR(255), field VARCHAR(255))"))
    req = [{"r": "", "f": f} for f in sorted(set(COMPLETENESS_FIELDS))]
    for name, arch in config.archetypes.items():
        if arch.required_fields:
            req += [{"r": name, "f": f} for f in sorted(set(arch.required_fields))]
    session.execute(sa.text("INSERT INTO rb_req VALUES (:r, :f)"), req)
    session.execute(sa.text("CREATE TEMP TABLE rb_skip (id BIGINT PRIMARY KEY)"))
    skip = sorted(facts_mod.nonagents(session, config))
    if skip:
        session.execute(sa.text("INSERT INTO rb_skip VALUES (:i)"), [{"i": i} for i in skip])


def _propagate(session: Session, labels: str, edges: str) -> int:
    """Lower every node's label to its neighbours' least until nothing changes; return rounds."""
    rounds = 0
    while True:
        rounds += 1
        result = session.execute(
            sa.text(
                f"UPDATE {labels} SET l = m.l FROM (SELECT e.a AS n, MIN(x.l) AS l FROM {edges} e "
                f"JOIN {labels} x ON x.n = e.b GROUP BY e.a) AS m "
                f"WHERE m.n = {labels}.n AND m.l < {labels}.l"
            )
        )
        if not getattr(result, "rowcount", 0):
            return rounds


def _components(session: Session, d: _Dialect) -> None:
    """Label every conversation, packet and ticket with its component (``t:``, ``c:`` or ``p:``)."""
    tid = "NULLIF(ticket_id, 0)"
    _run(session, [
        d.temp("rb_ct", f"SELECT conversation_id AS cid, {tid} AS tid FROM bot_conversations "
               f"WHERE {tid} IS NOT NULL UNION SELECT p.conversation_id, NULLIF(p.ticket_id, 0) "
               "FROM packets p JOIN bot_conversations c ON c.conversation_id = p.conversation_id "
               "WHERE NULLIF(p.ticket_id, 0) IS NOT NULL"),
        "CREATE INDEX rb_ct_cid ON rb_ct (cid)",
        d.temp("rb_tedge", "SELECT a, b FROM (SELECT MIN(tid) OVER (PARTITION BY cid) AS a, tid AS b "
               "FROM rb_ct) AS x WHERE a <> b UNION SELECT b, a FROM (SELECT MIN(tid) OVER "
               "(PARTITION BY cid) AS a, tid AS b FROM rb_ct) AS y WHERE a <> b"),
        "CREATE INDEX rb_tedge_a ON rb_tedge (a)",
        d.temp("rb_tl", "SELECT DISTINCT a AS n, a AS l FROM rb_tedge"),
        "CREATE UNIQUE INDEX rb_tl_n ON rb_tl (n)",
    ])  # fmt: skip
    _propagate(session, "rb_tl", "rb_tedge")


def _sources(session: Session, d: _Dialect, config: ProductConfig) -> None:
    """One row per conversation and per packet: its component, order and what the contact reads."""
    body_sources = [
        s[len("body:") :].split(".") for s in config.segment_sources if s.startswith("body:")
    ]

    def identity(alias: str) -> tuple[str, str, str]:
        """(customer id, email, odd) of a conversation or packet, as ``facts.body_identity``."""
        b, stored = f"{alias}.body", f"{alias}.customer_key"
        ids = [d.plain(b, p) for p in (["customer", "external_id"], ["requester", "external_id"],
                                        ["customer", "id"])]  # fmt: skip
        emails = [d.plain(b, p) for p in (["customer", "email"], ["requester", "email"])]
        stored_id = f"(CASE WHEN {stored} LIKE 'id:%' THEN NULLIF(substr({stored}, 4), '') END)"
        stored_email = f"(CASE WHEN {stored} NOT LIKE 'id:%' THEN NULLIF({stored}, '') END)"
        raw_email = f"COALESCE({', '.join(emails)}, {stored_email})"
        odd = " OR ".join(
            [d.odd(b, p) for p in (["customer", "external_id"], ["requester", "external_id"],
                                   ["customer", "id"], ["customer", "email"], ["requester", "email"])]
            + [_bad_email(d, raw_email)]
        )  # fmt: skip
        return f"COALESCE({', '.join(ids)}, {stored_id})", f"lower({raw_email})", odd

    def segments(alias: str) -> tuple[list[str], list[str]]:
        values = [d.plain(f"{alias}.body", p) for p in body_sources]
        # A falsy non-empty value (0) on the last body is kept by Python: leave those to it.
        odd = [
            f"({d.odd(f'{alias}.body', p)} OR ({d.jtype(f'{alias}.body', p)} = 'int' AND "
            f"{d.jtext(f'{alias}.body', p)} IN ('0', '-0')))"
            for p in body_sources
        ]
        return values, odd

    def first_at(alias: str) -> tuple[str, str]:
        """(first customer message time, odd) of a body's transcript."""
        role_t, role_v = d.el_field("m", "role")
        at_t, at_v = d.el_field("m", "at")
        customer = f"{d.el_is_object('m')} AND {role_t} = 'string' AND {role_v} = 'customer'"
        if d.pg:
            value = f"(SELECT MIN({d.at(at_v)}) FROM {d.elements(alias + '.body', ['transcript'], 'm')} WHERE {customer} AND {at_t} = 'string')"
            odd = f"EXISTS (SELECT 1 FROM {d.elements(alias + '.body', ['transcript'], 'm')} WHERE {customer} AND {at_t} = 'string' AND {d.at_bad(at_v)})"
        else:
            value = f"(SELECT MIN({d.at(at_v)}) FROM {d.elements(alias + '.body', ['transcript'], 'm')} WHERE {customer} AND {at_t} = 'string')"
            odd = "(1 = 0)"
        return value, odd

    def tools_odd(alias: str) -> str:
        t = d.jtype(f"{alias}.body", ["tools_called"])
        return f"(COALESCE({t}, 'null') NOT IN ('array', 'null'))"

    # Conversations.
    d.nodes = {}
    cid, email, ident_odd = identity("c")
    segs, seg_odd = segments("c")
    fat, fat_odd = first_at("c")
    csat = d.node("c.body", ["csat"]) if d.pg else "c.body"
    score_path = ["csat", "score"]
    score_t = d.jtype(csat if d.pg else "c.body", ["score"] if d.pg else score_path)
    score_v = d.jtext(csat if d.pg else "c.body", ["score"] if d.pg else score_path)
    score = (
        f"(CASE WHEN {d.jtype('c.body', ['csat'])} <> 'object' THEN NULL "
        f"WHEN {score_t} IN ('int', 'number') THEN CASE WHEN CAST({score_v} AS FLOAT) >= 4 "
        f"THEN 'good' ELSE 'bad' END WHEN {score_t} = 'string' THEN CASE "
        f"WHEN lower(substr({score_v}, 1, 4)) = 'good' THEN 'good' "
        f"WHEN lower(substr({score_v}, 1, 3)) = 'bad' THEN 'bad' END END)"
    )
    conv_odd = " OR ".join([ident_odd, *seg_odd, fat_odd, tools_odd("c"), "c.conversation_id = ''"])
    seg_cols = "".join(f", {v} AS seg{i}" for i, v in enumerate(segs))
    comp = (
        "CASE WHEN mt.tid IS NOT NULL THEN 't:' || CAST(COALESCE(tl.l, mt.tid) AS VARCHAR(40)) "
        "ELSE 'c:' || c.conversation_id END"
    )
    _run(session, [
        d.temp("rb_conv", f"""
SELECT c.conversation_id AS id, NULLIF(c.ticket_id, 0) AS ticket_id, c.outcome, c.started_at,
  c.ended_at, c.intent, c.channel, {comp} AS comp,
  COALESCE(c.model_csat, {d.number('c.body', ['model_csat'])}) AS model,
  {cid} AS cid, {email} AS email, {fat} AS first_at, {score} AS wcsat,
  {d.boolean(d.jtype('c.body', ['csat']) + " = 'object'")} AS woffered,
  {d.boolean(d.jtype('c.body', ['refusal', 'valid_question']) + " IS NOT NULL AND " + d.jtype('c.body', ['refusal', 'valid_question']) + " <> 'null'")} AS rv_set,
  {d.boolean(d.is_true('c.body', ['refusal', 'valid_question']))} AS rv_true,
  {d.boolean(conv_odd)} AS odd{seg_cols}
FROM {d.fenced("bot_conversations", "c")}
LEFT JOIN (SELECT cid, MIN(tid) AS tid FROM rb_ct GROUP BY cid) AS mt ON mt.cid = c.conversation_id
LEFT JOIN rb_tl tl ON tl.n = mt.tid"""),
        "CREATE UNIQUE INDEX rb_conv_id ON rb_conv (id)",
        d.join_index("CREATE INDEX rb_conv_comp ON rb_conv (comp)"),
    ])  # fmt: skip
    # Packets.
    d.nodes = {}
    cid, email, ident_odd = identity("p")
    segs, seg_odd = segments("p")
    fat, fat_odd = first_at("p")
    miss_t = d.jtype("p.missing_fields")
    miss_odd = (
        f"(COALESCE({miss_t}, 'null') NOT IN ('array', 'null') OR EXISTS (SELECT 1 FROM "
        f"{d.elements('p.missing_fields', [], 'mf')} WHERE NOT {d.el_is_string('mf')}))"
    )
    pkt_odd = " OR ".join([ident_odd, *seg_odd, fat_odd, miss_odd,
                           "p.conversation_id IS NULL", "p.conversation_id = ''"])  # fmt: skip
    seg_cols = "".join(f", {v} AS seg{i}" for i, v in enumerate(segs))
    comp = (
        "CASE WHEN cv.comp IS NOT NULL THEN cv.comp WHEN NULLIF(p.ticket_id, 0) IS NOT NULL THEN "
        "'t:' || CAST(COALESCE(tl.l, p.ticket_id) AS VARCHAR(40)) ELSE 'p:' || CAST(p.id AS VARCHAR(40)) END"
    )
    _run(session, [
        d.temp("rb_pkt", f"""
SELECT p.id, p.packet_id, NULLIF(p.ticket_id, 0) AS ticket_id, p.created_at, p.intent, p.channel,
  {comp} AS comp, {d.number('p.body', ['model_csat'])} AS model, p.missing_fields,
  {cid} AS cid, {email} AS email, {fat} AS first_at, {d.boolean(pkt_odd)} AS odd{seg_cols}
FROM {d.fenced("packets", "p")}
LEFT JOIN rb_conv cv ON cv.id = p.conversation_id
LEFT JOIN rb_tl tl ON tl.n = NULLIF(p.ticket_id, 0)"""),
        "CREATE UNIQUE INDEX rb_pkt_id ON rb_pkt (id)",
        d.join_index("CREATE INDEX rb_pkt_comp ON rb_pkt (comp)"),
    ])  # fmt: skip


def _bad_email(d: _Dialect, expr: str) -> str:
    """True when an email has characters ``lower`` or ``strip`` would read differently in SQL."""
    if d.pg:
        return f"COALESCE({expr} !~ '^[!-~]+$', false)"
    return f"COALESCE({expr} GLOB '*[^!-~]*', 0)"


def _ticket_value(d: _Dialect, source: str, alias: str = "t") -> tuple[str, str]:
    """(value, odd) of a ticket tag prefix or custom field, as ``facts`` reads it (NULL when empty)."""
    if source.startswith("tag:"):
        prefix = source[len("tag:") :]
        tag = d.el_text("g")
        # Python takes the first matching tag even when its rest is empty (then: no value).
        first = (
            f"(SELECT substr({tag}, {len(prefix) + 1}) FROM {d.elements(alias + '.tags', [], 'g')} "
            f"WHERE substr({tag}, 1, {len(prefix)}) = {_lit(prefix)} ORDER BY {d.eo('g')} LIMIT 1)"
        )
        return f"NULLIF({first}, '')", "(1 = 0)"
    field_id = int(source[len("field:") :])
    id_t, id_v = d.el_field("f", "id")
    val_t, val_v = d.el_field("f", "value")
    match = f"{d.el_is_object('f')} AND {id_t} = 'number' AND {id_v} = {_lit(str(field_id))}"
    value = (
        f"(SELECT CASE WHEN {val_t} = 'string' THEN NULLIF({val_v}, '') END FROM "
        f"{d.elements(alias + '.custom_fields', [], 'f')} WHERE {match} ORDER BY {d.eo('f')} LIMIT 1)"
    )
    odd = (
        f"EXISTS (SELECT 1 FROM {d.elements(alias + '.custom_fields', [], 'f')} WHERE "
        f"NOT {d.el_is_object('f')} OR COALESCE({id_t}, 'null') NOT IN ('number', 'null') "
        f"OR ({id_t} = 'number' AND {id_v} <> {_lit(str(field_id))} AND CAST({id_v} AS FLOAT) = {field_id}) "
        f"OR ({match} AND COALESCE({val_t}, 'null') NOT IN ('string', 'null')))"
    )
    return value, odd


def _tickets(session: Session, d: _Dialect, config: ProductConfig) -> None:
    """One row per synced ticket: component, merged, intent and segment candidates, requester."""
    odd = [
        f"COALESCE({d.jtype('t.tags')}, 'null') NOT IN ('array', 'null')",
        f"COALESCE({d.jtype('t.custom_fields')}, 'null') NOT IN ('array', 'null')",
        _bad_email(d, "NULLIF(u.email, '')"),
    ]
    intent_parts = []
    if config.ticket_custom_field_id is not None:
        v, o = _ticket_value(d, f"field:{config.ticket_custom_field_id}")
        intent_parts.append(v)
        odd.append(o)
    if config.ticket_tag_prefix:
        v, o = _ticket_value(d, f"tag:{config.ticket_tag_prefix}")
        intent_parts.append(v)
        odd.append(o)
    intent = f"COALESCE({', '.join([*intent_parts, _lit(facts_mod.UNKNOWN)])})"
    segs = []
    for i, source in enumerate(config.segment_sources):
        if source == "ticket:segment":
            segs.append(f"NULLIF(t.segment, '') AS tseg{i}")
        elif source.startswith("ticket:custom_field:"):
            v, o = _ticket_value(d, f"field:{int(source.rsplit(':', 1)[1])}")
            segs.append(f"{v} AS tseg{i}")
            odd.append(o)
        elif source.startswith("ticket:tag:"):
            v, o = _ticket_value(d, f"tag:{source[len('ticket:tag:') :]}")
            segs.append(f"{v} AS tseg{i}")
            odd.append(o)
    merged = (
        f"EXISTS (SELECT 1 FROM {d.elements('t.tags', [], 'mg')} WHERE {d.el_text('mg')} = "
        f"{_lit(facts_mod.MERGED_TAG)})"
    )
    seg_cols = "".join(f", {s}" for s in segs)
    _run(session, [
        d.temp("rb_tkt", f"""
SELECT t.id, 't:' || CAST(COALESCE(tl.l, t.id) AS VARCHAR(40)) AS comp, t.created_at, t.channel,
  t.solved_at, {d.boolean(merged)} AS merged, {intent} AS intent,
  CASE WHEN NULLIF(t.requester_id, 0) IS NOT NULL THEN t.requester_id END AS requester_id,
  NULLIF(u.external_id, '') AS ucid, lower(NULLIF(u.email, '')) AS uemail,
  {d.boolean(' OR '.join(odd))} AS odd{seg_cols}
FROM hd_tickets t
LEFT JOIN rb_tl tl ON tl.n = t.id
LEFT JOIN hd_users u ON u.id = NULLIF(t.requester_id, 0)"""),
        "CREATE UNIQUE INDEX rb_tkt_id ON rb_tkt (id)",
        d.join_index("CREATE INDEX rb_tkt_comp ON rb_tkt (comp)"),
    ])  # fmt: skip


def _python_contacts(
    session: Session, d: _Dialect, config: ProductConfig, now: datetime
) -> tuple[list[facts_mod.ContactRow], int]:
    """Build with ``facts.build`` every component holding an odd source; mark them in ``rb_py``."""
    convs = set(session.scalars(sa.text("SELECT id FROM rb_conv WHERE odd")))
    packets = set(session.scalars(sa.text("SELECT id FROM rb_pkt WHERE odd")))
    tickets = set(session.scalars(sa.text("SELECT id FROM rb_tkt WHERE odd")))
    rows: dict[str, facts_mod.ContactRow] = {}
    for built in facts_mod.build_batched(
        session, config, conversations=convs, tickets=tickets, packets=packets, now=now,
        batch=PY_BATCH,
    ):  # fmt: skip
        rows.update(built)
    # Every odd source was reached, and with it every source of the contacts built from it.
    seen_c, seen_t, seen_p = set(convs), set(tickets), set(packets)
    for row in rows.values():
        seen_c.update(k[2:] for k in row.member_keys if k.startswith("c:"))
        seen_t.update(int(k[2:]) for k in row.member_keys if k.startswith("t:"))
        seen_p.update(row.packet_rows)
    session.execute(sa.text("CREATE TEMP TABLE rb_py (comp VARCHAR(200) PRIMARY KEY)"))
    nodes: dict[str, list[Any]] = {
        "rb_conv": sorted(seen_c), "rb_pkt": sorted(seen_p), "rb_tkt": sorted(seen_t),
    }  # fmt: skip
    comps: set[str] = set()
    for table, values in nodes.items():
        for part in facts_mod._chunks(values):
            statement = sa.text(f"SELECT DISTINCT comp FROM {table} WHERE id IN :ids").bindparams(
                sa.bindparam("ids", expanding=True)
            )
            comps.update(session.scalars(statement, {"ids": part}))
    if comps:
        session.execute(sa.text("INSERT INTO rb_py VALUES (:c)"), [{"c": c} for c in sorted(comps)])
    return list(rows.values()), len(comps)


def _ticket_stats(session: Session, d: _Dialect) -> None:
    """Per synced ticket: human replies (opening comment and the bot's excluded), the bot's first words."""
    opening_limit = d.plus_seconds("t.created_at", int(facts_mod.OPENING_SLACK.total_seconds()))
    roles = ", ".join(_lit(r) for r in facts_mod.AGENT_ROLES)
    _run(session, [
        d.temp("rb_cm", f"""
SELECT cm.ticket_id, cm.id, cm.created_at, cm.public, cm.author_role, cm.author_id,
  CASE WHEN ROW_NUMBER() OVER (PARTITION BY cm.ticket_id ORDER BY cm.created_at, cm.id) = 1
    AND cm.created_at <= {opening_limit} THEN 1 ELSE 0 END AS opening,
  CASE WHEN s.id IS NULL THEN 0 ELSE 1 END AS nonagent
FROM hd_comments cm JOIN hd_tickets t ON t.id = cm.ticket_id
LEFT JOIN rb_skip s ON s.id = cm.author_id"""),
        "CREATE INDEX rb_cm_t ON rb_cm (ticket_id)",
        d.temp("rb_reask", f"""
SELECT DISTINCT f.comment_id AS id FROM findings f JOIN hd_tickets t ON t.id = f.ticket_id
WHERE f.kind = {_lit(REASK)} AND f.comment_id IS NOT NULL"""),
        "CREATE UNIQUE INDEX rb_reask_id ON rb_reask (id)",
        d.temp("rb_reply", f"""
SELECT r.ticket_id, r.id, r.created_at, CASE WHEN k.id IS NULL THEN 0 ELSE 1 END AS reask,
  ROW_NUMBER() OVER (PARTITION BY r.ticket_id ORDER BY r.created_at, r.id) AS rn
FROM rb_cm r LEFT JOIN rb_reask k ON k.id = r.id
WHERE r.public AND r.author_role IN ({roles}) AND r.nonagent = 0 AND r.opening = 0"""),
        "CREATE INDEX rb_reply_t ON rb_reply (ticket_id, created_at)",
        d.temp("rb_tstat", """
SELECT t.id AS ticket_id, fr.created_at AS first_reply, fr.reask AS first_reask,
  bs.at AS bot_spoke, COALESCE(t.solved_at, m.solved_at) AS solved,
  m.reply_time_minutes AS reply_minutes, op.at AS opened, COALESCE(fl.flagged, 0) AS flagged,
  CASE WHEN dr.ticket_id IS NOT NULL THEN 1 ELSE 0 END AS checked,
  CASE WHEN dr.repetition THEN 1 ELSE 0 END AS repeated,
  CASE WHEN dr.reask_count <> 0 THEN 1 ELSE 0 END AS reask_suggested,
  ds.score AS dscore, CASE WHEN ds.ticket_id IS NOT NULL THEN 1 ELSE 0 END AS dsent
FROM hd_tickets t
LEFT JOIN rb_reply fr ON fr.ticket_id = t.id AND fr.rn = 1
LEFT JOIN (SELECT ticket_id, MIN(created_at) AS at FROM rb_cm WHERE public AND nonagent = 1
  AND opening = 0 GROUP BY ticket_id) AS bs ON bs.ticket_id = t.id
LEFT JOIN (SELECT ticket_id, MIN(created_at) AS at FROM (SELECT ticket_id, created_at FROM reask_flags
  UNION ALL SELECT ticket_id, created_at FROM packet_acknowledgements) AS o GROUP BY ticket_id) AS op
  ON op.ticket_id = t.id
LEFT JOIN (SELECT ticket_id, MAX(CASE WHEN active THEN 1 ELSE 0 END) AS flagged FROM reask_flags
  GROUP BY ticket_id) AS fl ON fl.ticket_id = t.id
LEFT JOIN hd_ticket_metrics m ON m.ticket_id = t.id
LEFT JOIN detection_runs dr ON dr.ticket_id = t.id
LEFT JOIN delayed_csat ds ON ds.ticket_id = t.id"""),
        d.join_index("CREATE UNIQUE INDEX rb_tstat_t ON rb_tstat (ticket_id)"),
        d.temp("rb_rate", """
SELECT ticket_id, MAX(CASE WHEN rn = 1 THEN sc END) AS csat,
  MAX(CASE WHEN lower(score) = 'offered' THEN 1 ELSE 0 END) AS offered
FROM (SELECT r.ticket_id, r.score, sc, ROW_NUMBER() OVER (PARTITION BY r.ticket_id
  ORDER BY CASE WHEN sc IS NULL THEN 1 ELSE 0 END, r.updated_at DESC, r.id DESC) AS rn
  FROM (SELECT ticket_id, score, updated_at, id, CASE
    WHEN lower(substr(score, 1, 4)) = 'good' THEN 'good'
    WHEN lower(substr(score, 1, 3)) = 'bad' THEN 'bad' END AS sc
    FROM hd_satisfaction_ratings WHERE ticket_id IN (SELECT id FROM hd_tickets)) AS r) AS x
GROUP BY ticket_id"""),
        "CREATE UNIQUE INDEX rb_rate_t ON rb_rate (ticket_id)",
    ])  # fmt: skip


# What the final row reads from ``rb_tstat``, carried through the per-component step.
_TICKET_STATS = (
    "first_reply", "first_reask", "bot_spoke", "solved", "reply_minutes", "opened", "flagged",
    "checked", "repeated", "reask_suggested", "dscore", "dsent",
)  # fmt: skip


# What the final row reads from ``rb_comp`` (its conversations), carried through the same step.
_CONV_AGGREGATES = ("wcsat", "woffered", "model_sum", "model_n", "n_refused", "rv_set", "rv_true")


def _contacts(
    session: Session, d: _Dialect, config: ProductConfig, now: datetime, table: str
) -> int:
    """Compute one row per SQL component and insert it into ``table``; return how many."""
    n_body = sum(1 for s in config.segment_sources if s.startswith("body:"))
    conv_order = f"c.started_at, {d.c('c.id')}"
    # Conversation aggregates per component. Most components hold one conversation: one hash
    # aggregate gives theirs (first = last = the only one). For the others one sort ranks each
    # conversation in its component; the ranks of the first escalated one, of the first
    # carrying a ticket / customer id / email and of the latest with a widget rating come from
    # windows over the same partition, and replace the single-conversation values. The first
    # conversation's time, intent and channel come along, so the per-contact step need not join
    # the conversations again (likewise the first packet's in ``rb_pcomp``).
    ordered = {
        "c1_id": ("MAX(id)", "MAX(CASE WHEN rn = 1 THEN id END)"),
        "f_at": ("MAX(COALESCE(first_at, started_at))",
                 "MAX(CASE WHEN rn = 1 THEN COALESCE(first_at, started_at) END)"),
        "f_intent": ("MAX(intent)", "MAX(CASE WHEN rn = 1 THEN intent END)"),
        "f_channel": ("MAX(channel)", "MAX(CASE WHEN rn = 1 THEN channel END)"),
        "wcsat": ("MAX(wcsat)", "MAX(CASE WHEN rn = w_rn THEN wcsat END)"),
        "ticket_id": ("MAX(ticket_id)", "MAX(CASE WHEN rn = t_rn THEN ticket_id END)"),
        "cid": ("MAX(cid)", "MAX(CASE WHEN rn = i_rn THEN cid END)"),
        "email": ("MAX(email)", "MAX(CASE WHEN rn = m_rn THEN email END)"),
        "e_ended": ("MAX(CASE WHEN outcome = 'escalated' THEN ended_at END)",
                    "MAX(CASE WHEN rn = e_rn THEN ended_at END)"),
        "e_started": ("MAX(CASE WHEN outcome = 'escalated' THEN started_at END)",
                      "MAX(CASE WHEN rn = e_rn THEN started_at END)"),
        "l_outcome": ("MAX(outcome)", "MAX(CASE WHEN rn = cnt THEN outcome END)"),
        "l_ended": ("MAX(ended_at)", "MAX(CASE WHEN rn = cnt THEN ended_at END)"),
        "l_started": ("MAX(started_at)", "MAX(CASE WHEN rn = cnt THEN started_at END)"),
    }  # fmt: skip
    _run(session, [
        d.temp("rb_comp", f"""
SELECT comp, COUNT(*) AS n_conv,
  SUM(CASE WHEN outcome = 'escalated' THEN 1 ELSE 0 END) AS n_esc,
  SUM(CASE WHEN outcome = 'refused' THEN 1 ELSE 0 END) AS n_refused,
  MAX(CASE WHEN outcome = 'refused' AND rv_set THEN 1 ELSE 0 END) AS rv_set,
  MAX(CASE WHEN outcome = 'refused' AND rv_true THEN 1 ELSE 0 END) AS rv_true,
  SUM(model) AS model_sum, COUNT(model) AS model_n,
  MAX(CASE WHEN woffered THEN 1 ELSE 0 END) AS woffered,
  {", ".join(f"{one} AS {name}" for name, (one, _) in ordered.items())}
FROM rb_conv c WHERE c.comp NOT IN (SELECT comp FROM rb_py)
GROUP BY comp"""),
        d.join_index("CREATE UNIQUE INDEX rb_comp_c ON rb_comp (comp)"),
        d.temp("rb_compm", f"""
SELECT comp, {", ".join(f"{many} AS {name}" for name, (_, many) in ordered.items())}
FROM (SELECT y.*,
  MIN(CASE WHEN outcome = 'escalated' THEN rn END) OVER (PARTITION BY comp) AS e_rn,
  MAX(CASE WHEN wcsat IS NOT NULL THEN rn END) OVER (PARTITION BY comp) AS w_rn,
  MIN(CASE WHEN ticket_id IS NOT NULL THEN rn END) OVER (PARTITION BY comp) AS t_rn,
  MIN(CASE WHEN cid IS NOT NULL THEN rn END) OVER (PARTITION BY comp) AS i_rn,
  MIN(CASE WHEN email IS NOT NULL THEN rn END) OVER (PARTITION BY comp) AS m_rn
  FROM (SELECT c.comp, c.id, c.outcome, c.started_at, c.ended_at, c.wcsat, c.ticket_id, c.cid,
    c.email, c.first_at, c.intent, c.channel, ROW_NUMBER() OVER (PARTITION BY c.comp ORDER BY {conv_order}) AS rn,
    COUNT(*) OVER (PARTITION BY c.comp) AS cnt
    FROM rb_conv c WHERE c.comp IN (SELECT comp FROM rb_comp WHERE n_conv > 1)) AS y) AS x
GROUP BY comp"""),
        "UPDATE rb_comp SET " + ", ".join(f"{name} = m.{name}" for name in ordered)
        + " FROM rb_compm m WHERE m.comp = rb_comp.comp",
    ])  # fmt: skip
    pkt_order = "p.created_at, p.id"
    _run(session, [
        d.temp("rb_pcomp", f"""
SELECT comp, COUNT(*) AS n_pkt, MIN(created_at) AS min_created,
  MAX(CASE WHEN rn = 1 THEN id END) AS p1_id,
  MAX(CASE WHEN rn = 1 THEN COALESCE(first_at, created_at) END) AS f_at,
  MAX(CASE WHEN rn = 1 THEN packet_id END) AS packet_id,
  MAX(CASE WHEN rn = 1 THEN intent END) AS f_intent,
  MAX(CASE WHEN rn = 1 THEN channel END) AS f_channel,
  MAX(CASE WHEN rn = 1 THEN model END) AS model,
  MAX(CASE WHEN rn = t_rn THEN ticket_id END) AS ticket_id,
  MAX(CASE WHEN rn = i_rn THEN cid END) AS cid,
  MAX(CASE WHEN rn = m_rn THEN email END) AS email
FROM (SELECT y.*,
  MIN(CASE WHEN ticket_id IS NOT NULL THEN rn END) OVER (PARTITION BY comp) AS t_rn,
  MIN(CASE WHEN cid IS NOT NULL THEN rn END) OVER (PARTITION BY comp) AS i_rn,
  MIN(CASE WHEN email IS NOT NULL THEN rn END) OVER (PARTITION BY comp) AS m_rn
  FROM (SELECT p.comp, p.id, p.created_at, p.ticket_id, p.cid, p.email, p.first_at, p.packet_id,
    p.intent, p.channel, p.model,
    ROW_NUMBER() OVER (PARTITION BY p.comp ORDER BY {pkt_order}) AS rn
    FROM rb_pkt p WHERE p.comp NOT IN (SELECT comp FROM rb_py)) AS y) AS x
GROUP BY comp"""),
        d.join_index("CREATE UNIQUE INDEX rb_pcomp_c ON rb_pcomp (comp)"),
    ])  # fmt: skip
    # Every component: union of the three kinds, with its ticket for a lone ticket (one that
    # has neither conversation nor packet; two tickets share a component only through one).
    _run(session, [
        d.temp("rb_all", """
SELECT comp, MIN(tid) AS lone FROM (SELECT comp, CAST(NULL AS BIGINT) AS tid FROM rb_comp
  UNION ALL SELECT comp, NULL FROM rb_pcomp
  UNION ALL SELECT comp, id FROM rb_tkt WHERE comp NOT IN (SELECT comp FROM rb_py)) AS u
GROUP BY comp"""),
        d.join_index("CREATE UNIQUE INDEX rb_all_c ON rb_all (comp)"),
    ])  # fmt: skip
    # Step 1: ticket, path, handoff, outcome, started.
    lone = "CASE WHEN cc.comp IS NULL AND pc.comp IS NULL THEN a.lone END"
    ticket = f"COALESCE(cc.ticket_id, pc.ticket_id, {lone})"
    first_reply = "ts.first_reply"
    esc_handoff = (
        "COALESCE(CASE WHEN COALESCE(pc.n_pkt, 0) > 0 THEN COALESCE(cc.e_ended, pc.min_created) "
        "ELSE cc.e_ended END, cc.e_started)"
    )
    raw_handoff = (
        f"CASE WHEN COALESCE(cc.n_esc, 0) > 0 THEN {esc_handoff} "
        "WHEN COALESCE(pc.n_pkt, 0) > 0 THEN pc.min_created "
        "ELSE COALESCE(cc.l_ended, cc.l_started) END"
    )
    is_human = "(cc.comp IS NULL AND pc.comp IS NULL)"
    is_ai = f"(NOT {is_human} AND COALESCE(cc.n_esc, 0) = 0 AND COALESCE(pc.n_pkt, 0) = 0 AND {first_reply} IS NULL)"
    ticket_stats = ", ".join(f"ts.{c} AS ts_{c}" for c in _TICKET_STATS)
    conv_cols = ", ".join(f"cc.{c} AS cc_{c}" for c in _CONV_AGGREGATES)
    c1_select = f"""
SELECT a.comp, {ticket} AS ticket_id, cc.c1_id, pc.p1_id, cc.n_conv, pc.n_pkt,
  cc.f_at AS cf_at, cc.f_intent AS cf_intent, cc.f_channel AS cf_channel, pc.f_at AS pf_at,
  pc.packet_id AS pf_packet_id, pc.f_intent AS pf_intent, pc.f_channel AS pf_channel,
  pc.model AS pf_model,
  CASE WHEN {is_human} THEN 'human_only' WHEN {is_ai} THEN 'ai_only' ELSE 'escalated' END AS path,
  CASE WHEN {is_human} OR {is_ai} THEN NULL
    WHEN {first_reply} IS NOT NULL AND {raw_handoff} > {first_reply} THEN {first_reply}
    ELSE {raw_handoff} END AS handoff_at,
  CASE WHEN {is_human} THEN NULL WHEN {is_ai} THEN cc.l_outcome ELSE 'escalated' END AS outcome,
  cc.l_ended AS last_ended,
  cc.cid AS c_cid, pc.cid AS p_cid, cc.email AS c_email, pc.email AS p_email, {ticket_stats},
  {conv_cols}
FROM rb_all a
LEFT JOIN rb_comp cc ON cc.comp = a.comp
LEFT JOIN rb_pcomp pc ON pc.comp = a.comp
LEFT JOIN rb_tstat ts ON ts.ticket_id = {ticket}"""
    if d.pg:  # read once, by the per-contact table below: no need to write it out
        c1_from = f"({c1_select}) AS c1"
    else:
        _run(session, [d.temp("rb_c1", c1_select), "CREATE UNIQUE INDEX rb_c1_c ON rb_c1 (comp)"])
        c1_from = "rb_c1 c1"
    # Segment from the body sources: first non-empty over conversations, then packets, in order.
    body_cols = [f"seg{i}" for i in range(n_body)]
    if body_cols:
        unions = " UNION ALL ".join(
            [f"SELECT comp, 0 AS g, started_at AS t1, id AS t2, NULL AS t3, {', '.join(body_cols)} FROM rb_conv",
             f"SELECT comp, 1, created_at, NULL, id, {', '.join(body_cols)} FROM rb_pkt"]
        )  # fmt: skip
        picks = ", ".join(
            f"MAX(CASE WHEN r{i} = 1 THEN seg{i} END) AS seg{i}" for i in range(n_body)
        )
        ranks = ", ".join(
            f"ROW_NUMBER() OVER (PARTITION BY comp ORDER BY CASE WHEN seg{i} IS NULL THEN 1 ELSE 0 END,"
            f" g, t1, {d.c('t2')}, t3) AS r{i}"
            for i in range(n_body)
        )
        _run(session, [
            d.temp("rb_seg", f"SELECT comp, {picks} FROM (SELECT b.*, {ranks} FROM ({unions}) AS b) AS x GROUP BY comp"),
            d.join_index("CREATE UNIQUE INDEX rb_seg_c ON rb_seg (comp)"),
        ])  # fmt: skip
    # Tools (sorted distinct strings) and missing fields (packet order), as JSON arrays.
    tool = d.el_text("tc")
    _run(session, [
        d.temp("rb_tools", f"SELECT DISTINCT c.comp, {tool} AS tool FROM bot_conversations b "
               f"JOIN rb_conv c ON c.id = b.conversation_id CROSS JOIN "
               f"{d.elements('b.body', ['tools_called'], 'tc')} WHERE {d.el_is_string('tc')}"),
        d.temp("rb_toolsagg", f"SELECT comp, {d.json_array('tool', d.c('tool'))} AS tools FROM "
               f"(SELECT comp, tool FROM rb_tools ORDER BY comp, {d.c('tool')}) AS x GROUP BY comp"),
        "CREATE UNIQUE INDEX rb_toolsagg_c ON rb_toolsagg (comp)",
        d.temp("rb_miss", f"SELECT p.comp, p.id, p.created_at, {d.eo('mf')} AS o, {d.el_text('mf')} AS field "
               f"FROM rb_pkt p CROSS JOIN {d.elements('p.missing_fields', [], 'mf')}"),
        d.temp("rb_missagg", f"SELECT comp, {d.json_array('field', 'created_at, id, o')} AS missing FROM "
               "(SELECT * FROM rb_miss ORDER BY comp, created_at, id, o) AS x GROUP BY comp"),
        "CREATE UNIQUE INDEX rb_missagg_c ON rb_missagg (comp)",
        # Packets missing a field their contact's archetype requires, per requirement set.
        d.temp("rb_incomplete", "SELECT comp, req, COUNT(DISTINCT id) AS n FROM rb_miss m "
               "JOIN rb_req q ON q.field = m.field GROUP BY comp, req"),
        "CREATE UNIQUE INDEX rb_incomplete_c ON rb_incomplete (comp, req)",
    ])  # fmt: skip
    # Step 2: everything else, straight into contact_facts.
    started_raw = (
        "CASE WHEN c1.c1_id IS NOT NULL THEN c1.cf_at WHEN c1.p1_id IS NOT NULL THEN c1.pf_at "
        "ELSE tk.created_at END"
    )
    started = (
        f"CASE WHEN c1.handoff_at IS NOT NULL AND c1.handoff_at < ({started_raw}) "
        f"THEN c1.handoff_at ELSE ({started_raw}) END"
    )
    key = (
        "CASE WHEN c1.c1_id IS NOT NULL THEN 'c:' || c1.c1_id "
        "WHEN c1.p1_id IS NOT NULL THEN 'p:' || c1.pf_packet_id "
        "ELSE 't:' || CAST(c1.ticket_id AS VARCHAR(40)) END"
    )
    intent = (
        "CASE WHEN c1.c1_id IS NOT NULL THEN c1.cf_intent WHEN c1.p1_id IS NOT NULL THEN c1.pf_intent "
        "ELSE tk.intent END"
    )
    channel = (
        "COALESCE(NULLIF(CASE WHEN c1.c1_id IS NOT NULL THEN c1.cf_channel WHEN c1.p1_id IS NOT NULL "
        f"THEN c1.pf_channel END, ''), NULLIF(tk.channel, ''), {_lit(facts_mod.UNKNOWN)})"
    )
    cid = "COALESCE(c1.c_cid, c1.p_cid, tk.ucid)"
    email = "COALESCE(c1.c_email, c1.p_email, tk.uemail)"
    customer = (
        f"CASE WHEN {cid} IS NOT NULL THEN substr('id:' || {cid}, 1, 320) "
        f"WHEN {email} IS NOT NULL THEN substr('email:' || {email}, 1, 320) "
        "WHEN tk.requester_id IS NOT NULL THEN 'requester:' || CAST(tk.requester_id AS VARCHAR(40)) END"
    )
    seg_exprs = []
    body_i = 0
    for i, source in enumerate(config.segment_sources):
        if source.startswith("body:"):
            seg_exprs.append(f"sg.seg{body_i}")
            body_i += 1
        elif source.startswith("ticket:"):
            seg_exprs.append(f"tk.tseg{i}" if _ticket_source_known(source) else "NULL")
    segment = f"substr(COALESCE({', '.join([*seg_exprs, _lit(facts_mod.UNKNOWN)])}, {_lit(facts_mod.UNKNOWN)}), 1, 80)"
    resolved = (
        "CASE WHEN x.path = 'ai_only' THEN CASE WHEN x.outcome = 'resolved' THEN x.last_ended END "
        "ELSE x.solved END"
    )
    clock = "CASE WHEN x.path = 'escalated' THEN x.handoff_at WHEN x.path = 'human_only' THEN x.started END"
    kept = d.boolean("NOT (c1.path = 'human_only' AND (tk.id IS NULL OR tk.merged))")
    # Per contact, in one pass over its ticket and ticket statistics (its first conversation's
    # and first packet's fields come with their aggregates instead of joins back by id):
    # everything the final row reads from them, its time, key, clock start and resolution.
    _run(session, [
        d.temp("rb_st", f"""
SELECT x.*, {resolved} AS resolved, {clock} AS clock,
  CASE WHEN x.path = 'ai_only' THEN ({resolved}) WHEN x.path = 'escalated' THEN x.handoff_at END AS bot_end
FROM (SELECT c1.comp, c1.ticket_id, c1.path, c1.handoff_at, c1.outcome, c1.last_ended, c1.n_pkt,
  c1.n_conv, {", ".join(f"c1.ts_{c} AS {c}" for c in _TICKET_STATS)},
  {", ".join(f"c1.cc_{c}" for c in _CONV_AGGREGATES)}, {started} AS started, {key} AS key, {intent} AS intent, c1.c1_id AS conv_id,
  c1.pf_model AS p_model, {customer} AS customer, {email} AS email, {channel} AS channel,
  {segment} AS segment, {kept} AS kept
  FROM {c1_from}
  LEFT JOIN rb_tkt tk ON tk.id = c1.ticket_id
  {"LEFT JOIN rb_seg sg ON sg.comp = c1.comp" if body_cols else ""}) AS x"""),
        d.join_index("CREATE UNIQUE INDEX rb_st_c ON rb_st (comp)"),
        # The first human reply at or after the clock starts, and the first that asks nothing again.
        d.temp("rb_after", """
SELECT s.comp, MIN(r.created_at) AS after_at,
  MIN(CASE WHEN r.reask = 0 THEN r.created_at END) AS useful_at
FROM rb_st s JOIN rb_reply r ON r.ticket_id = s.ticket_id AND r.created_at >= s.clock
GROUP BY s.comp"""),
        d.join_index("CREATE UNIQUE INDEX rb_after_c ON rb_after (comp)"),
    ])  # fmt: skip
    zendesk_wins = (
        "(st.reply_minutes IS NOT NULL AND st.clock IS NOT NULL AND (st.bot_spoke IS NULL OR "
        "(af.after_at IS NOT NULL AND af.after_at < st.bot_spoke)))"
    )
    first_reply_s = (
        f"CASE WHEN {zendesk_wins} THEN st.reply_minutes * 60 "
        f"ELSE {d.seconds('st.clock', 'af.after_at')} END"
    )
    csat = "COALESCE(rt.csat, st.cc_wcsat)"
    offered = "(rt.csat IS NOT NULL OR COALESCE(rt.offered, 0) = 1 OR (rt.csat IS NULL AND COALESCE(st.cc_woffered, 0) = 1))"
    model_sum = "CASE WHEN st.n_conv IS NOT NULL THEN st.cc_model_sum ELSE st.p_model END"
    model_n = "CASE WHEN st.n_conv IS NOT NULL THEN st.cc_model_n WHEN st.p_model IS NOT NULL THEN 1 ELSE 0 END"
    complete = "COALESCE(st.n_pkt, 0) - COALESCE(ic.n, 0)"
    refused_valid = (
        "CASE WHEN st.path = 'ai_only' AND COALESCE(st.cc_n_refused, 0) > 0 AND st.cc_rv_set = 1 "
        f"THEN {d.boolean('st.cc_rv_true = 1')} END"
    )
    ack = (
        "(st.opened IS NOT NULL AND st.first_reply IS NOT NULL AND st.opened <= st.first_reply "
        "AND st.first_reask = 0)"
    )
    cols = ", ".join(c.name for c in facts_mod.COLUMNS)
    select = f"""
SELECT substr(st.key, 1, 160), st.ticket_id, st.conv_id, st.customer, substr(st.email, 1, 320),
  substr(COALESCE(NULLIF(st.intent, ''), {_lit(facts_mod.UNKNOWN)}), 1, 120), st.segment,
  substr(st.channel, 1, 40), st.path, {d.week("st.started", config.timezone)}, st.started,
  st.outcome, st.handoff_at, st.resolved,
  CASE WHEN st.path <> 'human_only' THEN {d.seconds("st.started", "st.bot_end")} END,
  CASE WHEN st.path = 'escalated' THEN {d.seconds("st.handoff_at", "st.solved")}
    WHEN st.path = 'human_only' THEN {d.seconds("st.started", "st.solved")} END,
  CASE WHEN st.clock IS NOT NULL THEN {first_reply_s} END,
  CASE WHEN st.clock IS NOT NULL THEN {d.seconds("st.clock", "af.useful_at")} END,
  {csat}, {d.boolean(offered)}, st.dscore, {d.boolean("COALESCE(st.dsent, 0) = 1")},
  {model_sum}, {model_n}, {d.boolean("COALESCE(st.flagged, 0) = 1")},
  {d.boolean("COALESCE(st.checked, 0) = 1")}, {d.boolean("COALESCE(st.repeated, 0) = 1")},
  {d.boolean("COALESCE(st.reask_suggested, 0) = 1")}, COALESCE(st.n_pkt, 0), {complete},
  COALESCE(ma.missing, {d.empty_array()}), {d.boolean(ack)}, {refused_valid},
  COALESCE(ta.tools, {d.empty_array()}), {d.false()}, {d.false()}, {d.false()}, :now
FROM rb_st st
LEFT JOIN rb_after af ON af.comp = st.comp
LEFT JOIN rb_rate rt ON rt.ticket_id = st.ticket_id
LEFT JOIN rb_intent ri ON ri.intent = st.intent
LEFT JOIN rb_toolsagg ta ON ta.comp = st.comp
LEFT JOIN rb_missagg ma ON ma.comp = st.comp
LEFT JOIN rb_incomplete ic ON ic.comp = st.comp AND ic.req = COALESCE(ri.req, '')
WHERE st.kept"""
    result = session.execute(
        sa.text(f"INSERT INTO {table} ({cols}) {select}"), {"now": _naive(now)}
    )
    return int(getattr(result, "rowcount", 0) or 0)


def _ticket_source_known(source: str) -> bool:
    return source == "ticket:segment" or source.startswith(("ticket:custom_field:", "ticket:tag:"))


def _naive(moment: datetime) -> datetime:
    return moment.astimezone(UTC).replace(tzinfo=None)


def build_facts(
    session: Session, config: ProductConfig, now: datetime, table: str = FACTS
) -> tuple[int, int]:
    """Fill the empty ``table`` with every contact, set-based; return (contacts, built in Python)."""
    d = _register(session, config)
    _drop(session)
    steps = _Steps()
    _config_tables(session, d, config)
    _components(session, d)
    steps.done("components")
    _sources(session, d, config)
    steps.done("sources")
    _tickets(session, d, config)
    steps.done("tickets")
    python_rows, _ = _python_contacts(session, d, config, now)
    steps.done("python")
    _ticket_stats(session, d)
    steps.done("ticket stats")
    count = _contacts(session, d, config, now, table)
    if python_rows:
        target = cast(sa.Table, ContactFact.__table__).to_metadata(sa.MetaData(), name=table)
        session.connection().execute(sa.insert(target), [r.columns() for r in python_rows])
    steps.done("contacts")
    _drop(session)
    log.info("rebuild facts: %d in SQL, %d in Python; %s", count, len(python_rows), steps)
    return count + len(python_rows), len(python_rows)


class _Steps:
    """Wall time per step, for the log."""

    def __init__(self) -> None:
        self.last = time.perf_counter()
        self.times: list[tuple[str, float]] = []

    def done(self, name: str) -> None:
        now = time.perf_counter()
        self.times.append((name, now - self.last))
        self.last = now

    def __str__(self) -> str:
        return ", ".join(f"{name} {seconds:.1f}s" for name, seconds in self.times)


def remark_repeats(session: Session, config: ProductConfig, table: str = FACTS) -> None:
    """Set every contact's repeat flags (as ``facts.repeat_flags`` over all customers), set-based."""
    started = time.perf_counter()
    d = _register(session, config)
    _run(session, ["DROP TABLE IF EXISTS rb_cedge", "DROP TABLE IF EXISTS rb_cl",
                   "DROP TABLE IF EXISTS rb_rep", "DROP TABLE IF EXISTS rb_intent",
                   "DROP TABLE IF EXISTS rb_req", "DROP TABLE IF EXISTS rb_skip"])  # fmt: skip
    _config_tables(session, d, config)
    email_node = "'email:' || customer_email"
    _run(session, [
        # Contacts sharing a customer key or an email are one customer.
        d.temp("rb_cedge", f"""
SELECT customer_key AS a, {email_node} AS b FROM {table}
WHERE customer_key IS NOT NULL AND customer_email IS NOT NULL AND customer_email <> ''
  AND customer_key <> {email_node}
UNION SELECT {email_node}, customer_key FROM {table}
WHERE customer_key IS NOT NULL AND customer_email IS NOT NULL AND customer_email <> ''
  AND customer_key <> {email_node}"""),
        "CREATE INDEX rb_cedge_a ON rb_cedge (a)",
        d.temp("rb_cl", "SELECT DISTINCT a AS n, a AS l FROM rb_cedge"),
        "CREATE UNIQUE INDEX rb_cl_n ON rb_cl (n)",
    ])  # fmt: skip
    _propagate(session, "rb_cl", "rb_cedge")
    _run(session, [
        # Only customers with two contacts of an archetype can repeat, or a contact resolved
        # before it started (odd data: it follows itself, as in Python); the rest never join in.
        d.temp("rb_rep", f"""
SELECT k, grp, arch, started_at, resolved_at FROM (SELECT x.*,
  COUNT(*) OVER (PARTITION BY grp, arch) AS n FROM (
SELECT f.contact_key AS k, COALESCE(cl.l, f.customer_key) AS grp,
  COALESCE(ri.archetype, 'intent:' || f.intent) AS arch, f.started_at, f.resolved_at
FROM {table} f LEFT JOIN rb_cl cl ON cl.n = f.customer_key
LEFT JOIN rb_intent ri ON ri.intent = f.intent
WHERE f.customer_key IS NOT NULL) AS x) AS y WHERE n > 1 OR started_at > resolved_at"""),
        "CREATE INDEX rb_rep_g ON rb_rep (grp, arch, started_at)",
    ])  # fmt: skip
    nxt = (
        "(SELECT MIN(o.started_at) FROM rb_rep o WHERE o.grp = r.grp AND o.arch = r.arch "
        "AND o.started_at > r.resolved_at)"
    )
    sets = ", ".join(
        f"{name} = {d.boolean('x.nxt <= ' + d.plus_seconds('x.resolved_at', int(window.total_seconds())))}"
        for name, window in facts_mod.REPEAT_WINDOWS.items()
    )
    # Only rows whose flags change: a contact comes back within the widest window, or was
    # marked before (a fresh build starts every flag false, so the first case is all of them).
    widest = int(max(facts_mod.REPEAT_WINDOWS.values()).total_seconds())
    marked = " OR ".join(f"{table}.{name}" for name in facts_mod.REPEAT_WINDOWS)
    session.execute(
        sa.text(
            f"UPDATE {table} SET {sets} FROM (SELECT r.k, r.resolved_at, {nxt} AS nxt "
            "FROM rb_rep r WHERE r.resolved_at IS NOT NULL) AS x "
            f"WHERE x.k = {table}.contact_key AND x.nxt IS NOT NULL "
            f"AND (x.nxt <= {d.plus_seconds('x.resolved_at', widest)} OR {marked})"
        )
    )
    _run(session, ["DROP TABLE rb_cedge", "DROP TABLE rb_cl", "DROP TABLE rb_rep",
                   "DROP TABLE rb_intent", "DROP TABLE rb_req", "DROP TABLE rb_skip"])  # fmt: skip
    log.info("rebuild repeats: %.1fs", time.perf_counter() - started)


_HIST_COLUMNS = (
    ("bot_handle", "bot_handle_s"), ("handle", "handle_s"), ("first_reply", "first_reply_s"),
    ("first_useful_reply", "first_useful_reply_s"),
)  # fmt: skip
_KEY = "week, intent, segment, channel, path"


def _bucket(expr: str) -> str:
    """``stats.bucket`` in SQL: the lower edge of the bucket holding a whole number of seconds."""
    v = f"(CASE WHEN {expr} < 0 THEN 0 ELSE {expr} END)"
    cases = " ".join(f"WHEN {v} < {limit} THEN {v} - {v} % {width}" for limit, width in _STEPS)
    return f"(CASE {cases} ELSE {v} - {v} % {_LAST_WIDTH} END)"


def rebuild_weeks(
    session: Session,
    config: ProductConfig,
    weeks: set[str] | None,
    now: datetime,
    table: str = FACTS,
) -> None:
    """Recompute the rollups and weekly histograms of these weeks (all when None) from the facts."""
    started = time.perf_counter()
    d = _register(session, config)
    _run(
        session,
        [
            f"DROP TABLE IF EXISTS {t}"
            for t in ("rb_wk", "rb_hist", "rb_histobj", "rb_mobj", "rb_wkobj")
        ],
    )
    session.execute(sa.text("CREATE TEMP TABLE rb_wk (week VARCHAR(8) PRIMARY KEY)"))
    if weeks is None:
        session.execute(sa.text(f"INSERT INTO rb_wk SELECT DISTINCT week FROM {table}"))
        _run(session, ["DELETE FROM metric_rollups", "DELETE FROM metric_week_histograms"])
    else:
        if weeks:
            session.execute(
                sa.text("INSERT INTO rb_wk VALUES (:w)"), [{"w": w} for w in sorted(weeks)]
            )
        _run(session, [
            "DELETE FROM metric_rollups WHERE week IN (SELECT week FROM rb_wk)",
            "DELETE FROM metric_week_histograms WHERE week IN (SELECT week FROM rb_wk)",
        ])  # fmt: skip
    # Every week (the full rebuild): the table itself, no semi-join against every week.
    facts = (
        table
        if weeks is None
        else f"(SELECT * FROM {table} WHERE week IN (SELECT week FROM rb_wk))"
    )
    _insert_rollups(session, d, facts, now)
    # Weekly histograms per path: every key of the week and path merged. The rollups just built
    # hold exactly the facts' weeks and paths (a second pass over the facts is not needed).
    fill, empty = _fill(d)
    if d.pg:
        week_obj = (
            "SELECT week, path, CAST(json_object_agg(name, o) AS JSONB) AS hist FROM (SELECT week, "
            "path, name, json_object_agg(CAST(edge AS TEXT), n) AS o FROM (SELECT week, path, name, edge, "
            "SUM(n) AS n FROM rb_hist GROUP BY week, path, name, edge) AS a GROUP BY week, path, name) "
            "AS b GROUP BY week, path"
        )
        merged = f"(jsonb_build_object({fill}) || COALESCE(w.hist, {empty}))"
    else:
        week_obj = (
            "SELECT week, path, json_group_object(name, json(o)) AS hist FROM (SELECT week, path, "
            "name, json_group_object(CAST(edge AS TEXT), n) AS o FROM (SELECT week, path, name, "
            "edge, SUM(n) AS n FROM rb_hist GROUP BY week, path, name, edge) AS a "
            "GROUP BY week, path, name) AS b GROUP BY week, path"
        )
        merged = f"json_patch(json_object({fill}), COALESCE(w.hist, {empty}))"
    _run(
        session, [d.temp("rb_wkobj", week_obj), "CREATE INDEX rb_wkobj_k ON rb_wkobj (week, path)"]
    )
    session.execute(
        sa.text(
            f"INSERT INTO metric_week_histograms (week, path, hist) "
            f"SELECT k.week, k.path, {merged} FROM (SELECT DISTINCT week, path FROM metric_rollups "
            "WHERE week IN (SELECT week FROM rb_wk)) AS k "
            "LEFT JOIN rb_wkobj w ON w.week = k.week AND w.path = k.path"
        )
    )
    _run(
        session,
        [
            f"DROP TABLE IF EXISTS {t}"
            for t in ("rb_wk", "rb_hist", "rb_histobj", "rb_mobj", "rb_wkobj")
        ],
    )
    log.info(
        "rebuild weeks (%s): %.1fs",
        "all" if weeks is None else len(weeks),
        time.perf_counter() - started,
    )


Key = tuple[str, str, str, str, str]  # a rollup row's key: week, intent, segment, channel, path
_KEY_TYPES = "week VARCHAR(8), intent VARCHAR(120), segment VARCHAR(80), channel VARCHAR(40), path VARCHAR(16)"


def rebuild_keys(session: Session, config: ProductConfig, keys: set[Key], now: datetime) -> None:
    """Recompute these rollup rows from the facts, and the weekly histograms of their weeks and paths.

    The incremental refresh's cost follows the rollup rows its contacts were or are in (their
    facts are read through the rollup-key index), not the weeks. A week's histogram per path is
    the sum of its rollup rows' histograms, so it is brought up to date by difference: its
    stored counts, minus the touched rows' counts before, plus their counts after (whole
    numbers, exact). Only the touched rows' histograms are read, not every row of their weeks.
    """
    started = time.perf_counter()
    d = _register(session, config)
    temps = (
        "rb_key",
        "rb_wp",
        "rb_kf",
        "rb_hist",
        "rb_histobj",
        "rb_mobj",
        "rb_hdelta",
        "rb_wkobj",
    )
    _run(session, [f"DROP TABLE IF EXISTS {t}" for t in temps])
    session.execute(sa.text(f"CREATE TEMP TABLE rb_key ({_KEY_TYPES}, PRIMARY KEY ({_KEY}))"))
    if keys:
        session.execute(
            sa.text("INSERT INTO rb_key VALUES (:w, :i, :s, :c, :p)"),
            [dict(zip("wiscp", key, strict=True)) for key in sorted(keys)],
        )
    if d.pg:
        session.execute(sa.text("ANALYZE rb_key"))

    def match(alias: str) -> str:
        return " AND ".join(f"k.{c} = {alias}.{c}" for c in _KEY.split(", "))

    def cells(table: str, join: str, sign: str) -> str:
        """(week, path, name, edge, n) of every histogram cell of ``table``'s rows that ``join`` keeps."""
        if d.pg:
            unnest = (
                "CROSS JOIN LATERAL jsonb_each(r.hist) AS h "
                "CROSS JOIN LATERAL jsonb_each_text(h.value) AS e"
            )
        else:
            unnest = "CROSS JOIN json_each(r.hist) AS h CROSS JOIN json_each(h.value) AS e"
        return (
            f"SELECT r.week, r.path, CAST(h.key AS VARCHAR(40)) AS name, "
            f"CAST(e.key AS VARCHAR(20)) AS edge, {sign}CAST(e.value AS BIGINT) AS n "
            f"FROM {table} r {join} {unnest}"
        )

    _run(session, [
        d.temp("rb_wp", "SELECT DISTINCT week, path FROM rb_key"),
        # The weeks' stored histograms and the touched rows' counts before, taken away.
        d.temp("rb_hdelta", cells("metric_week_histograms", "JOIN rb_wp k ON k.week = r.week "
                                  "AND k.path = r.path", "")),
        f"INSERT INTO rb_hdelta {cells('metric_rollups', 'JOIN rb_key k ON ' + match('r'), '-')}",
        f"DELETE FROM metric_rollups WHERE EXISTS (SELECT 1 FROM rb_key k WHERE {match('metric_rollups')})",
        "DELETE FROM metric_week_histograms WHERE EXISTS (SELECT 1 FROM rb_wp k WHERE "
        "k.week = metric_week_histograms.week AND k.path = metric_week_histograms.path)",
    ])  # fmt: skip
    # The facts of those rows, read once through the rollup-key index (ix_contact_facts_key);
    # the rows of a touched key go on to the aggregates.
    _run(session, [d.temp("rb_kf", f"SELECT f.* FROM {FACTS} f WHERE f.week IN (SELECT week FROM rb_wp) "
                            f"AND EXISTS (SELECT 1 FROM rb_key k WHERE {match('f')})")])  # fmt: skip
    _insert_rollups(session, d, "rb_kf", now)
    # Their counts after: the cells the rollups were just built from.
    _run(session, [
        "INSERT INTO rb_hdelta SELECT week, path, name, CAST(edge AS VARCHAR(20)), n FROM rb_hist",
    ])  # fmt: skip
    fill, empty = _fill(d)
    sums = (
        "SELECT week, path, name, edge, SUM(n) AS n FROM rb_hdelta GROUP BY week, path, name, edge "
        "HAVING SUM(n) <> 0"
    )
    if d.pg:
        week_obj = (
            "SELECT week, path, CAST(json_object_agg(name, o) AS JSONB) AS hist FROM (SELECT week, "
            f"path, name, json_object_agg(edge, n) AS o FROM ({sums}) AS a GROUP BY week, path, name) AS b "
            "GROUP BY week, path"
        )
        merged = f"(jsonb_build_object({fill}) || COALESCE(w.hist, {empty}))"
    else:
        week_obj = (
            "SELECT week, path, json_group_object(name, json(o)) AS hist FROM (SELECT week, path, "
            f"name, json_group_object(edge, n) AS o FROM ({sums}) AS a GROUP BY week, path, name) "
            "AS b GROUP BY week, path"
        )
        merged = f"json_patch(json_object({fill}), COALESCE(w.hist, {empty}))"
    _run(session, [d.temp("rb_wkobj", week_obj)])
    # A week and path keeps a histogram while it has a rollup row.
    session.execute(
        sa.text(
            f"INSERT INTO metric_week_histograms (week, path, hist) SELECT k.week, k.path, {merged} "
            "FROM rb_wp k LEFT JOIN rb_wkobj w ON w.week = k.week AND w.path = k.path "
            "WHERE EXISTS (SELECT 1 FROM metric_rollups r WHERE r.week = k.week AND r.path = k.path)"
        )
    )
    _run(session, [f"DROP TABLE IF EXISTS {t}" for t in temps])
    log.info("rebuild keys (%d): %.1fs", len(keys), time.perf_counter() - started)


def _fill(d: _Dialect) -> tuple[str, str]:
    """(every histogram name with an empty object, as object-builder arguments; the empty object)."""
    empty = "'{}'::jsonb" if d.pg else "json('{}')"
    return ", ".join(f"{_lit(name)}, {empty}" for name, _ in _HIST_COLUMNS), empty


def _insert_rollups(session: Session, d: _Dialect, facts: str, now: datetime) -> None:
    """Insert the rollup rows (counts, histograms, missing fields) of the facts ``facts`` selects."""
    if d.pg:
        # One pass over the facts collects each key's edges, one array per duration (a hash of
        # the 9,180 keys at 1M), then each key counts its own: grouping the 2.3M unpivoted
        # (key, name, edge) rows at once hashed 854,000 wide groups (5-6 s against 2 s at 1M).
        arrays = ", ".join(
            f"array_agg({_bucket('f.' + col)}) FILTER (WHERE f.{col} IS NOT NULL) AS {col}"
            for _, col in _HIST_COLUMNS
        )
        cells = " UNION ALL ".join(
            f"SELECT {_lit(name)} AS name, unnest(a.{col}) AS edge" for name, col in _HIST_COLUMNS
        )
        hist_cells = (
            f"SELECT {', '.join('a.' + k for k in _KEY.split(', '))}, c.name, c.edge, c.n "
            f"FROM (SELECT {_KEY}, {arrays} FROM {facts} AS f GROUP BY {_KEY}) AS a CROSS JOIN "
            f"LATERAL (SELECT u.name, u.edge, COUNT(*) AS n FROM ({cells}) AS u "
            "GROUP BY u.name, u.edge) AS c"
        )
    else:
        hist_parts = " UNION ALL ".join(
            f"SELECT {_KEY}, {_lit(name)} AS name, {_bucket(col)} AS edge FROM {facts} AS f "
            f"WHERE {col} IS NOT NULL"
            for name, col in _HIST_COLUMNS
        )
        hist_cells = f"SELECT {_KEY}, name, edge, COUNT(*) AS n FROM ({hist_parts}) AS h GROUP BY {_KEY}, name, edge"
    if d.pg:
        # Text JSON, parsed once per row: jsonb_object_agg re-sorts its object at every key
        # (2.8 s against 1.8 s for the 854,000 histogram cells of 1M contacts).
        obj = "json_object_agg(CAST(edge AS TEXT), n)"
        named = "CAST(json_object_agg(name, o) AS JSONB)"
        empty = "'{}'::jsonb"
        mel = f"{facts} AS f CROSS JOIN LATERAL jsonb_array_elements_text(f.missing_fields) AS m(field)"
        mobj = "CAST(json_object_agg(field, n) AS JSONB)"
    else:
        obj = "json_group_object(CAST(edge AS TEXT), n)"
        named = "json_group_object(name, json(o))"
        empty = "json('{}')"
        mel = f"{facts} AS f CROSS JOIN json_each(f.missing_fields) AS j"
        mobj = "json_group_object(field, n)"
    _run(session, [
        d.temp("rb_hist", hist_cells),
        d.temp("rb_histobj", f"SELECT {_KEY}, {named} AS hist FROM (SELECT {_KEY}, name, {obj} AS o "
               f"FROM rb_hist GROUP BY {_KEY}, name) AS x GROUP BY {_KEY}"),
        d.temp("rb_mobj", f"SELECT {_KEY}, {mobj} AS missing FROM (SELECT {_KEY}, field, COUNT(*) AS n "
               f"FROM (SELECT f.week, f.intent, f.segment, f.channel, f.path, "
               f"{'m.field' if d.pg else 'j.value'} AS field FROM {mel}) AS y "
               f"GROUP BY {_KEY}, field) AS x GROUP BY {_KEY}"),
        f"CREATE INDEX rb_histobj_k ON rb_histobj ({_KEY})",
        f"CREATE INDEX rb_mobj_k ON rb_mobj ({_KEY})",
    ])  # fmt: skip

    def n(cond: str) -> str:
        return f"SUM(CASE WHEN {cond} THEN 1 ELSE 0 END)"

    esc = "path = 'escalated'"
    engaged = "path <> 'human_only'"
    counts = {
        "contacts": "COUNT(*)",
        "engaged": n(engaged),
        "ai_resolved": n("path = 'ai_only' AND outcome = 'resolved'"),
        "contained": n(f"{engaged} AND outcome = 'resolved'"),
        "abandoned": n(f"{engaged} AND outcome = 'abandoned'"),
        "refused": n(f"{engaged} AND outcome = 'refused'"),
        "refused_valid": n("refused_valid IS NOT NULL AND refused_valid"),
        "refusals_judged": n("refused_valid IS NOT NULL"),
        "escalated": n(esc),
        "csat_good": n("csat = 'good'"),
        "csat_bad": n("csat = 'bad'"),
        "csat_offered": n("csat_offered"),
        "dcsat_good": n("delayed_csat = 'good'"),
        "dcsat_bad": n("delayed_csat = 'bad'"),
        "dcsat_sent": n("delayed_sent"),
        "model_csat_sum": "COALESCE(SUM(model_csat), 0)",
        "model_csat_n": "COALESCE(SUM(CASE WHEN model_csat IS NOT NULL THEN model_csat_n ELSE 0 END), 0)",
        "flagged": n(f"{esc} AND flagged"),
        "checked": n(f"{esc} AND checked"),
        "repeated": n(f"{esc} AND checked AND repeated"),
        "reask_suggested": n(f"{esc} AND reask_suggested"),
        "packets": "SUM(packets)",
        "packets_complete": "SUM(packets_complete)",
        "acknowledged": n(f"{esc} AND acknowledged"),
        "resolved": n("resolved_at IS NOT NULL"),
        "repeat_24h": n("resolved_at IS NOT NULL AND repeat_24h"),
        "repeat_7d": n("resolved_at IS NOT NULL AND repeat_7d"),
        "repeat_30d": n("resolved_at IS NOT NULL AND repeat_30d"),
    }
    names = ", ".join(counts)
    values = ", ".join(f"{expr} AS {name}" for name, expr in counts.items())
    join = " AND ".join(
        f"{{a}}.{k} = g.{k}" for k in ("week", "intent", "segment", "channel", "path")
    )
    fill = ", ".join(f"{_lit(name)}, {empty}" for name, _ in _HIST_COLUMNS)
    if d.pg:
        hist = f"({empty} || jsonb_build_object({fill}) || COALESCE(h.hist, {empty}))"
    else:
        hist = f"json_patch(json_object({fill}), COALESCE(h.hist, {empty}))"
    session.execute(
        sa.text(
            f"INSERT INTO metric_rollups ({_KEY}, {names}, hist, missing, refreshed_at) "
            f"SELECT g.week, g.intent, g.segment, g.channel, g.path, "
            f"{', '.join('g.' + k for k in counts)}, {hist}, COALESCE(m.missing, {empty}), :now "
            f"FROM (SELECT {_KEY}, {values} FROM {facts} AS f GROUP BY {_KEY}) AS g "
            f"LEFT JOIN rb_histobj h ON {join.format(a='h')} "
            f"LEFT JOIN rb_mobj m ON {join.format(a='m')}"
        ),
        {"now": _naive(now)},
    )


LOCK_KEY = 0x68616E646F6666  # pg_advisory_xact_lock key shared by every refresh ("handoff")


def lock(session: Session) -> None:
    """Serialise refreshes on PostgreSQL (held until the transaction ends); no-op on SQLite."""
    if session.get_bind().dialect.name == "postgresql":
        session.execute(sa.text(f"SELECT pg_advisory_xact_lock({LOCK_KEY})"))


def full(
    session: Session,
    config: ProductConfig,
    now: datetime,
    *,
    swap_wait: float = SWAP_WAIT,
    swap_tries: int = SWAP_TRIES,
) -> int:
    """Rebuild every contact fact, repeat flag, rollup and weekly histogram; return the contacts.

    Everything runs in the caller's transaction, so a rebuild that fails rolls back whole. On
    PostgreSQL the facts are built into a staging table (``STAGING``) with no index, the
    indexes are built after the load, the rollups are computed from it, and only then does it
    replace ``contact_facts`` (DROP and RENAME, the one moment readers of the facts wait, until
    the caller commits). Readers keep the previous facts and rollups all the while. The swap
    waits at most ``swap_tries`` times ``swap_wait`` seconds for readers of the facts, then
    raises ``Busy`` (the caller rolls back; nothing changed). On SQLite
    the facts are rewritten in place; a reader there keeps the last committed state (WAL).
    """
    lock(session)
    if session.get_bind().dialect.name != "postgresql":
        with _in_place(session):
            count, _ = build_facts(session, config, now)
            remark_repeats(session, config)
        rebuild_weeks(session, config, None, now)
        return count
    started = time.perf_counter()
    # Sorts, hashes and index builds of this transaction only; the defaults spill 1M rows to disk.
    session.execute(sa.text("SET LOCAL work_mem = '256MB'"))
    session.execute(sa.text("SET LOCAL maintenance_work_mem = '512MB'"))
    # Every join here is a hash join over whole tables; a memoize node only adds a cache probe
    # per row (it cost 0.5-0.9 s at 1M on the histograms' earlier unpivot).
    session.execute(sa.text("SET LOCAL enable_memoize = off"))
    indexes = list(
        session.execute(
            sa.text(
                "SELECT i.indexname, i.indexdef, c.contype FROM pg_indexes i LEFT JOIN pg_constraint c "
                "ON c.conname = i.indexname AND c.conrelid = CAST(CAST(:t AS TEXT) AS regclass) "
                "WHERE i.tablename = CAST(:t AS TEXT) AND i.schemaname = current_schema() ORDER BY i.indexname"
            ),
            {"t": FACTS},
        )
    )
    # Other roles' privileges (a reporting role's SELECT) go with the table that replaces it.
    grants = list(
        session.execute(
            sa.text(
                "SELECT privilege_type, grantee FROM information_schema.role_table_grants "
                "WHERE table_schema = current_schema() AND table_name = CAST(:t AS TEXT) "
                "AND grantee <> current_user ORDER BY grantee, privilege_type"
            ),
            {"t": FACTS},
        )
    )
    _run(session, [
        f"DROP TABLE IF EXISTS {STAGING}",
        f"CREATE TABLE {STAGING} (LIKE {FACTS} INCLUDING DEFAULTS)",
        *(f"GRANT {privilege} ON {STAGING} TO {_role(grantee)}" for privilege, grantee in grants),
    ])  # fmt: skip
    count, _ = build_facts(session, config, now, STAGING)
    remark_repeats(session, config, STAGING)
    loaded = time.perf_counter()
    for name, definition, contype in indexes:
        session.execute(sa.text(_staged_index(definition, name)))
        if contype in ("p", "u"):
            kind = "PRIMARY KEY" if contype == "p" else "UNIQUE"
            session.execute(
                sa.text(
                    f'ALTER TABLE {STAGING} ADD CONSTRAINT "{name}{_SUFFIX}" {kind} '
                    f'USING INDEX "{name}{_SUFFIX}"'
                )
            )
    session.execute(sa.text(f"ANALYZE {STAGING}"))
    log.info("rebuild indexes: %d in %.1fs", len(indexes), time.perf_counter() - loaded)
    rebuild_weeks(session, config, None, now, STAGING)
    swap = time.perf_counter()
    _take_facts(session, swap_wait, swap_tries)
    _run(session, [
        f"DROP TABLE {FACTS}",
        f"ALTER TABLE {STAGING} RENAME TO {FACTS}",
        *(f'ALTER INDEX "{name}{_SUFFIX}" RENAME TO "{name}"' for name, _, _ in indexes),
        "SET LOCAL lock_timeout TO DEFAULT",
    ])  # fmt: skip
    log.info(
        "rebuild full: %.1fs, swap %.3fs", time.perf_counter() - started, time.perf_counter() - swap
    )
    return count


def _take_facts(session: Session, wait: float, tries: int) -> None:
    """Lock the facts for the swap, each attempt waiting at most ``wait`` s; raise ``Busy`` after ``tries``.

    A reader holding the facts (a long report) must not stall the swap, and with it every new
    reader queued behind the swap's lock, without bound. A failed attempt rolls back to a
    savepoint, so the rebuilt facts are kept for the next attempt.
    """
    for attempt in range(1, tries + 1):
        point = session.begin_nested()
        try:
            session.execute(sa.text(f"SET LOCAL lock_timeout = '{int(wait * 1000)}ms'"))
            session.execute(sa.text(f"LOCK TABLE {FACTS} IN ACCESS EXCLUSIVE MODE"))
        except sa.exc.OperationalError as exc:
            if getattr(exc.orig, "sqlstate", None) != "55P03":  # lock_not_available
                raise
            point.rollback()
            log.warning("rebuild swap: %s busy, attempt %d of %d", FACTS, attempt, tries)
            continue
        point.commit()
        return
    raise Busy(
        f"the full rebuild could not swap in the new facts: another session held {FACTS} "
        f"through {tries} waits of {wait:g} s; nothing was changed, run the refresh again"
    )


_SUFFIX = "_next"


def _role(name: str) -> str:
    """A grantee as GRANT takes it: PUBLIC, or a quoted role name."""
    return name if name == "PUBLIC" else '"' + name.replace('"', '""') + '"'


def _staged_index(definition: str, name: str) -> str:
    """The definition of an index of ``contact_facts``, renamed and on the staging table."""
    head, sep, tail = definition.partition(" ON ")
    table, _, rest = tail.partition(" ")
    assert sep and head.endswith(f" {name}") and table.split(".")[-1] == FACTS, definition
    return f'{head[: -len(name)]}"{name}{_SUFFIX}" ON {table[: -len(FACTS)]}{STAGING} {rest}'


@contextmanager
def _in_place(session: Session) -> Iterator[None]:
    """SQLite: empty facts and rollups and drop the facts' secondary indexes; rebuild them after."""
    indexes = list(
        session.execute(
            sa.text(
                "SELECT name, sql FROM sqlite_master WHERE type = 'index' "
                "AND tbl_name = 'contact_facts' AND sql IS NOT NULL"
            )
        )
    )
    session.execute(sa.text("DELETE FROM contact_facts"))
    _run(session, ["DELETE FROM metric_week_histograms", "DELETE FROM metric_rollups"])
    for name, _ in indexes:
        session.execute(sa.text(f'DROP INDEX "{name}"'))
    yield
    started = time.perf_counter()
    for _, definition in indexes:
        session.execute(sa.text(definition))
    log.info("rebuild indexes: %d in %.1fs", len(indexes), time.perf_counter() - started)


def clear(session: Session) -> None:
    """Empty facts, rollups and weekly histograms (TRUNCATE on PostgreSQL)."""
    if session.get_bind().dialect.name == "postgresql":
        session.execute(sa.text("TRUNCATE contact_facts, metric_rollups, metric_week_histograms"))
    else:
        _run(session, ["DELETE FROM metric_week_histograms", "DELETE FROM metric_rollups",
                       "DELETE FROM contact_facts"])  # fmt: skip
