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

#: A resolution's cycle: the facts of its conversation after the previous resolution and
#: up to it (the handling segment the resolution ends is written at the same moment).
_RESOLUTIONS = (
    "SELECT id, conversation_id, at, inbox_id, channel, team_id, agent_id,"
    " LAG(at) OVER (PARTITION BY conversation_id ORDER BY at, id) AS prev"
    " FROM report_facts WHERE kind = 'resolved'"
)
_FACT_COLUMNS = (
    "conversation_id, kind, at, inbox_id, channel, team_id, agent_id, seconds,"
    " business_seconds, n, first"
)
_SHARE = "(CASE WHEN x.n IS NULL OR x.n < 1 THEN 1 ELSE x.n END)"
#: kind, the facts of the cycle it sums, the calendar and business values.
_CYCLE = (
    ("conv_response", "response", "avg(x.seconds)", "avg(x.business_seconds)"),
    ("conv_handle", "handle", "sum(x.seconds)", "sum(x.business_seconds)"),
    (
        "conv_handle_dialog",
        "handle",
        f"sum(x.seconds / {_SHARE})",
        f"sum(x.business_seconds / {_SHARE})",
    ),
)
#: The day-bin measure, the fact kind and the extra condition.
_MEASURES = (
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


def _bin(value: str) -> str:
    """``stats.bin_of`` as SQL text."""
    return f"CAST(floor(ln(1.0 + {value}) * {SCALE!r}) AS INTEGER)"


def cycle_facts() -> list[str]:
    """The ``conv_*`` facts of every resolution, from the cycle's responses and handling."""
    statements = []
    for kind, source, calendar, business in _CYCLE:
        statements.append(
            f"INSERT INTO report_facts ({_FACT_COLUMNS})"
            f" SELECT r.conversation_id, '{kind}', r.at, r.inbox_id, r.channel, r.team_id,"
            f" r.agent_id, {calendar}, {business}, count(*), false"
            f" FROM ({_RESOLUTIONS}) r JOIN report_facts x"
            f" ON x.conversation_id = r.conversation_id AND x.kind = '{source}'"
            " AND x.at <= r.at AND (r.prev IS NULL OR x.at > r.prev)"
            " GROUP BY r.id, r.conversation_id, r.at, r.inbox_id, r.channel, r.team_id,"
            " r.agent_id"
        )
    return statements


def rollups(dialect: str) -> list[str]:
    """The hourly rollups of the ``conv_*`` facts and the rollup-only kinds."""
    h = hour(dialect, "f.at")
    keys = "f.inbox_id, f.channel, coalesce(f.team_id, 0), coalesce(f.agent_id, 0)"
    head = (
        "INSERT INTO report_hourly (hour, kind, inbox_id, channel, team_key, agent_key, shard,"
        " n, seconds, business_seconds)"
    )
    return [
        f"{head} SELECT {h}, f.kind, {keys}, 0, count(*), sum(coalesce(f.seconds, 0)),"
        " sum(coalesce(f.business_seconds, 0)) FROM report_facts f"
        " WHERE f.kind IN ('conv_response', 'conv_handle', 'conv_handle_dialog')"
        f" GROUP BY {h}, f.kind, {keys}",
        f"{head} SELECT {h}, 'fcr_candidate', {keys}, 0, count(*), 0, 0 FROM report_facts f"
        f" WHERE f.kind = 'resolved' AND f.first AND f.n = 1 GROUP BY {h}, {keys}",
        f"{head} SELECT {h}, 'escalated_created', {keys}, 0, count(*), 0, 0"
        " FROM report_facts f WHERE f.kind = 'created' AND EXISTS (SELECT 1 FROM report_facts e"
        " WHERE e.conversation_id = f.conversation_id AND e.kind = 'escalated')"
        f" GROUP BY {h}, {keys}",
    ]


def day_bins(dialect: str) -> list[str]:
    """The day bins of every binned fact, per measure and clock."""
    d = day(dialect, "at")
    statements = []
    for measure, kind, extra in _MEASURES:
        for clock, column in (("c", "seconds"), ("b", "business_seconds")):
            value = f"coalesce({column}, 0.0)"
            unit = _bin(value)
            keys = f"{d}, inbox_id, channel, coalesce(team_id, 0), {unit}"
            statements.append(
                "INSERT INTO report_day_bins (day, measure, inbox_id, channel, team_key, bin,"
                f" shard, n, total, low, high) SELECT {d}, '{measure}_{clock}', inbox_id,"
                f" channel, coalesce(team_id, 0), {unit}, 0, count(*), sum({value}),"
                f" min({value}), max({value}) FROM report_facts WHERE kind = '{kind}'{extra}"
                f" GROUP BY {keys}"
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
    dialog = f"sum(x.seconds / {_SHARE})"
    dialog_b = f"sum(x.business_seconds / {_SHARE})"
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
    return [*cycle_facts(), *rollups(dialect), *day_bins(dialect), *open_cycles()]
