"""What ADR 0031 adds to the reports' tables, derived in bulk from the facts already there:
the per-conversation facts of each resolution's cycle (``conv_response``, ``conv_handle``,
``conv_handle_dialog``), their hourly rollups and the rollup-only kinds (``fcr_candidate``,
``escalated_created``), the day bins (``report_day_bins``), and the running sums of the
cycles still open (``report_conversations``).

Each is one ``INSERT … SELECT … GROUP BY`` (or one ``UPDATE``) run by the database, so a
million conversations take minutes, not a replay: migration 0048 runs them once over an
existing database, and ``bench/reports.py`` over the facts it seeds. They must run once,
on facts without any of those rows (the migration's and the bench's case). The live path
(``tracking.py``, ``recording.py``) writes the same rows one event at a time.
"""

from __future__ import annotations

from otklik.reports.stats import SCALE

_FACT_COLUMNS = (
    "conversation_id, kind, at, inbox_id, channel, team_id, agent_id, seconds,"
    " business_seconds, n, first"
)


def _share(n: str) -> str:
    """A segment's dialogs at once (``n``; at least 1)."""
    return f"(CASE WHEN {n} IS NULL OR {n} < 1 THEN 1 ELSE {n} END)"


_SHARE = _share("n")
#: Running sums over each conversation's responses, handling segments and resolutions in
#: order (a segment or response at the moment of a resolution is before it: the
#: resolution ends that segment): name, the kind summed, the value.
_RUNNING = (
    ("rn", "response", "1"),
    ("rc", "response", "coalesce(seconds, 0.0)"),
    ("rb", "response", "coalesce(business_seconds, 0.0)"),
    ("hn", "handle", "1"),
    ("hc", "handle", "coalesce(seconds, 0.0)"),
    ("hb", "handle", "coalesce(business_seconds, 0.0)"),
    ("dc", "handle", f"coalesce(seconds, 0.0) / {_SHARE}"),
    ("db", "handle", f"coalesce(business_seconds, 0.0) / {_SHARE}"),
)
#: kind, calendar, business, n of each cycle fact (from the cycle's sums), when it exists.
_CYCLE = (
    ("conv_response", "d.rc / d.rn", "d.rb / d.rn", "d.rn", "d.rn > 0"),
    ("conv_handle", "d.hc", "d.hb", "d.hn", "d.hn > 0"),
    ("conv_handle_dialog", "d.dc", "d.db", "d.hn", "d.hn > 0"),
)
#: The day-bin measure, the fact kind and the extra condition.
MEASURES = (
    ("first_response", "first_response", ""),
    ("resolution_full", "resolved", ""),
    ("resolution_first", "resolved", " AND first"),
    ("conv_response", "conv_response", ""),
    ("conv_handle", "conv_handle", ""),
    ("conv_handle_dialog", "conv_handle_dialog", ""),
)


def hour(dialect: str, column: str) -> str:
    """The UTC hour of a timestamp column as the rollups store it."""
    if dialect == "postgresql":
        return f"(date_trunc('hour', {column} AT TIME ZONE 'UTC') AT TIME ZONE 'UTC')"
    return f"(substr({column}, 1, 13) || ':00:00.000000')"


def day(dialect: str, column: str) -> str:
    """The UTC day of a timestamp column as ``report_day_bins`` stores it."""
    if dialect == "postgresql":
        return f"(date_trunc('day', {column} AT TIME ZONE 'UTC') AT TIME ZONE 'UTC')"
    return f"(substr({column}, 1, 10) || ' 00:00:00.000000')"


def within_week(dialect: str, later: str, earlier: str) -> str:
    """``later`` at most 7 days after ``earlier`` (the FCR window, ``tracking.FCR_WINDOW``)."""
    if dialect == "postgresql":
        return f"{later} <= {earlier} + interval '7 days'"
    return f"julianday({later}) <= julianday({earlier}) + 7"


def bin_sql(value: str) -> str:
    """``stats.bin_of`` as SQL text."""
    return f"CAST(floor(ln(1.0 + {value}) * {SCALE!r}) AS INTEGER)"


def cycle_facts() -> list[str]:
    """The ``conv_*`` facts of every resolution, from its cycle's responses and handling:
    running sums per conversation in one ordered pass, each resolution's minus the previous
    resolution's (no join: a join by conversation and time went quadratic on SQLite)."""
    running = ", ".join(
        f"sum(CASE WHEN kind = '{kind}' THEN {value} ELSE 0 END) OVER u AS {name}"
        for name, kind, value in _RUNNING
    )
    cycle = ", ".join(
        f"{name} - coalesce(lag({name}) OVER w, 0) AS {name}" for name, _, _ in _RUNNING
    )
    ordered = (
        f"SELECT conversation_id, kind, at, id, inbox_id, channel, team_id, agent_id, {running}"
        " FROM report_facts WHERE kind IN ('response', 'handle', 'resolved')"
        " WINDOW u AS (PARTITION BY conversation_id ORDER BY at,"
        " CASE WHEN kind = 'resolved' THEN 1 ELSE 0 END, id ROWS UNBOUNDED PRECEDING)"
    )
    cycles = (
        f"SELECT conversation_id, at, inbox_id, channel, team_id, agent_id, {cycle}"
        f" FROM ({ordered}) s WHERE kind = 'resolved'"
        " WINDOW w AS (PARTITION BY conversation_id ORDER BY at, id)"
    )
    kinds = " UNION ALL ".join(f"SELECT '{kind}' AS kind" for kind, *_ in _CYCLE)
    value = {
        i: "CASE k.kind " + " ".join(f"WHEN '{row[0]}' THEN {row[i]}" for row in _CYCLE) + " END"
        for i in (1, 2, 3)
    }
    exists = " OR ".join(f"(k.kind = '{row[0]}' AND {row[4]})" for row in _CYCLE)
    return [
        f"INSERT INTO report_facts ({_FACT_COLUMNS})"
        " SELECT d.conversation_id, k.kind, d.at, d.inbox_id, d.channel, d.team_id,"
        f" d.agent_id, {value[1]}, {value[2]}, {value[3]}, false"
        f" FROM ({cycles}) d JOIN ({kinds}) k ON {exists}"
    ]


_ROLLUP = (
    "INSERT INTO report_hourly (hour, kind, inbox_id, channel, team_key, agent_key, shard,"
    " n, seconds, business_seconds)"
)
_ROLLUP_KEYS = "f.inbox_id, f.channel, coalesce(f.team_id, 0), coalesce(f.agent_id, 0)"


def cycle_rollups(dialect: str) -> list[str]:
    """The hourly rollups of the ``conv_*`` facts."""
    h, keys = hour(dialect, "f.at"), _ROLLUP_KEYS
    return [
        f"{_ROLLUP} SELECT {h}, f.kind, {keys}, 0, count(*), sum(coalesce(f.seconds, 0)),"
        " sum(coalesce(f.business_seconds, 0)) FROM report_facts f"
        " WHERE f.kind IN ('conv_response', 'conv_handle', 'conv_handle_dialog')"
        f" GROUP BY {h}, f.kind, {keys}"
    ]


def by_conversation(dialect: str) -> str:
    """Look a conversation's reopenings up by conversation: without statistics (a database
    just filled, before ``ANALYZE``) SQLite took the (kind, at) index and scanned every later
    reopening for each resolution (10+ minutes at 1M conversations, not seconds)."""
    return " INDEXED BY ix_report_facts_conversation_kind" if dialect == "sqlite" else ""


def spoiled_rollup(dialect: str) -> str:
    """``fcr_spoiled``: FCR candidates reopened within the window (``tracking._reopened``)."""
    h, keys = hour(dialect, "f.at"), _ROLLUP_KEYS
    return (
        f"{_ROLLUP} SELECT {h}, 'fcr_spoiled', {keys}, 0, count(*), 0, 0 FROM report_facts f"
        " WHERE f.kind = 'resolved' AND f.first AND f.n = 1 AND EXISTS (SELECT 1"
        f" FROM report_facts r{by_conversation(dialect)}"
        " WHERE r.conversation_id = f.conversation_id"
        f" AND r.kind = 'reopened' AND r.at > f.at AND {within_week(dialect, 'r.at', 'f.at')})"
        f" GROUP BY {h}, {keys}"
    )


def count_rollups(dialect: str) -> list[str]:
    """The rollup-only kinds (``models.ROLLUP_KINDS``)."""
    h, keys, head = hour(dialect, "f.at"), _ROLLUP_KEYS, _ROLLUP
    return [
        f"{head} SELECT {h}, 'fcr_candidate', {keys}, 0, count(*), 0, 0 FROM report_facts f"
        f" WHERE f.kind = 'resolved' AND f.first AND f.n = 1 GROUP BY {h}, {keys}",
        spoiled_rollup(dialect),
        f"{head} SELECT {h}, 'escalated_created', {keys}, 0, count(*), 0, 0"
        " FROM report_facts f WHERE f.kind = 'created' AND EXISTS (SELECT 1 FROM report_facts e"
        " WHERE e.conversation_id = f.conversation_id AND e.kind = 'escalated')"
        f" GROUP BY {h}, {keys}",
    ]


def day_bins(dialect: str) -> list[str]:
    """The day bins of every binned fact, per measure and clock: per dimension set, and
    for all of them (``recording.ALL``: inbox 0, channel '', team 0); and the tables'
    first responses and responses per operator (inbox -1) and per team (inbox -2)."""
    d = day(dialect, "at")
    statements = []
    for measure, kind, extra in MEASURES:
        for clock, column in (("c", "seconds"), ("b", "business_seconds")):
            value = f"coalesce({column}, 0.0)"
            unit = bin_sql(value)
            for dims, grouped in (
                (
                    "inbox_id, channel, coalesce(team_id, 0)",
                    ", inbox_id, channel, coalesce(team_id, 0)",
                ),
                ("0, '', 0", ""),
            ):
                statements.append(
                    "INSERT INTO report_day_bins (day, measure, inbox_id, channel, team_key,"
                    f" bin, shard, n, total, low, high) SELECT {d}, '{measure}_{clock}', {dims},"
                    f" {unit}, 0, count(*), sum({value}), min({value}), max({value})"
                    f" FROM report_facts WHERE kind = '{kind}'{extra}"
                    f" GROUP BY {d}{grouped}, {unit}"
                )
    for kind in ("first_response", "response"):
        value = "coalesce(seconds, 0.0)"
        unit = bin_sql(value)
        for level, key in ((-1, "coalesce(agent_id, 0)"), (-2, "coalesce(team_id, 0)")):
            statements.append(
                "INSERT INTO report_day_bins (day, measure, inbox_id, channel, team_key,"
                f" bin, shard, n, total, low, high) SELECT {d}, '{kind}_c', {level}, '',"
                f" {key}, {unit}, 0, count(*), sum({value}), min({value}), max({value})"
                f" FROM report_facts WHERE kind = '{kind}' GROUP BY {d}, {key}, {unit}"
            )
    return statements


def operator_bins(dialect: str) -> list[str]:
    """ADR 0032: every overview measure per operator (inbox -3, the fact's operator in
    ``team_key``: the resolver for resolutions and cycles, the replier for first responses)."""
    d = day(dialect, "at")
    key = "coalesce(agent_id, 0)"
    statements = []
    for measure, kind, extra in MEASURES:
        for clock, column in (("c", "seconds"), ("b", "business_seconds")):
            value = f"coalesce({column}, 0.0)"
            unit = bin_sql(value)
            statements.append(
                "INSERT INTO report_day_bins (day, measure, inbox_id, channel, team_key,"
                f" bin, shard, n, total, low, high) SELECT {d}, '{measure}_{clock}', -3, '',"
                f" {key}, {unit}, 0, count(*), sum({value}), min({value}), max({value})"
                f" FROM report_facts WHERE kind = '{kind}'{extra} GROUP BY {d}, {key}, {unit}"
            )
    return statements


def _open_sum(kind: str, value: str) -> str:
    return (
        f"(SELECT {value} FROM report_facts x WHERE x.conversation_id ="
        f" report_conversations.conversation_id AND x.kind = '{kind}' AND NOT EXISTS"
        " (SELECT 1 FROM report_facts y WHERE y.conversation_id = x.conversation_id"
        " AND y.kind = 'resolved' AND y.at >= x.at))"
    )


def open_cycles() -> list[str]:
    """The running sums of the conversations not resolved now (their cycle's responses and
    handling since the last resolution)."""
    share = _share("x.n")
    dialog = f"sum(x.seconds / {share})"
    dialog_b = f"sum(x.business_seconds / {share})"
    sets = {
        "cycle_responses": _open_sum("response", "count(*)"),
        "cycle_response_c": _open_sum("response", "coalesce(sum(x.seconds), 0)"),
        "cycle_response_b": _open_sum("response", "coalesce(sum(x.business_seconds), 0)"),
        "cycle_handles": _open_sum("handle", "count(*)"),
        "cycle_handle_c": _open_sum("handle", "coalesce(sum(x.seconds), 0)"),
        "cycle_handle_b": _open_sum("handle", "coalesce(sum(x.business_seconds), 0)"),
        "cycle_handle_dc": _open_sum("handle", f"coalesce({dialog}, 0)"),
        "cycle_handle_db": _open_sum("handle", f"coalesce({dialog_b}, 0)"),
    }
    assignments = ", ".join(f"{column} = {value}" for column, value in sets.items())
    return [f"UPDATE report_conversations SET {assignments} WHERE status != 'resolved'"]


def statements(dialect: str) -> list[str]:
    """Everything, in order (the cycle facts before their rollups and bins)."""
    return [
        *cycle_facts(),
        *cycle_rollups(dialect),
        *count_rollups(dialect),
        *day_bins(dialect),
        *open_cycles(),
    ]
