"""A scheduled report as a mail: an HTML summary (this period beside the previous one, and
the operators' table) with a plain-text twin, and the export attached (XLSX: one workbook
with the overview and the operators' sheets; CSV: one file each).

The figures are computed as the schedule's owner would see them now (their scope bound to
the session): a supervisor's report holds their teams' and inboxes' conversations only.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from email.message import EmailMessage
from email.utils import formataddr, formatdate, make_msgid
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import jinja2
from sqlalchemy.ext.asyncio import AsyncSession

from otklik.accounts import access
from otklik.accounts import service as accounts
from otklik.reports import breakdowns, exports, metrics
from otklik.reports.filters import Filters
from otklik.reports.mail_texts import LABELS, TEXTS, day, duration
from otklik.reports.models import ReportSchedule
from otklik.reports.schemas import Figures, TableRow

_templates = jinja2.Environment(
    loader=jinja2.FileSystemLoader(Path(__file__).resolve().parent / "templates"),
    autoescape=True,
    undefined=jinja2.StrictUndefined,
)
XLSX = ("application", "vnd.openxmlformats-officedocument.spreadsheetml.sheet")


class NotSendable(Exception):
    """The schedule cannot be sent as it stands (its owner lost the right, no recipient)."""


@dataclass(frozen=True, slots=True)
class Report:
    """What one mail says; computed in a read session, mailed outside of it."""

    name: str
    frequency: str
    language: str
    format: str
    timezone: str
    since: datetime
    until: datetime
    current: Figures
    previous: Figures
    operators: list[TableRow]
    names: dict[int, str]
    recipients: list[str]


async def gather(
    session: AsyncSession, *, schedule: ReportSchedule, since: datetime, until: datetime
) -> Report:
    """The figures of ``[since, until)`` in the owner's view, and the recipients' addresses."""
    directory = {agent.id: agent for agent in await accounts.list_agents(session)}
    owner = directory.get(schedule.owner_id)
    if owner is None or not owner.active or owner.role not in ("admin", "supervisor"):
        raise NotSendable("The schedule's owner may no longer see reports.")
    scope = (await access.fresh_scopes(session, [owner.id]))[owner.id]
    access.bind(session, scope)
    recipients = [
        directory[i].email
        for i in schedule.recipient_agent_ids
        if i in directory and directory[i].active
    ]
    recipients += [e for e in schedule.recipient_emails if e not in recipients]
    if not recipients:
        raise NotSendable("No recipient is left (operators deactivated).")
    f = schedule.filters
    filters = Filters(
        since=since,
        until=until,
        inbox_ids=tuple(f.get("inbox_ids", ())),
        team_ids=tuple(f.get("team_ids", ())),
        agent_ids=tuple(f.get("agent_ids", ())),
        channels=tuple(f.get("channels", ())),
        tags=tuple(f.get("tags", ())),
    )
    current, previous = await metrics.with_previous(session, filters)
    return Report(
        name=schedule.name,
        frequency=schedule.frequency,
        language=schedule.language if schedule.language in TEXTS else "en",
        format=schedule.format,
        timezone=schedule.timezone,
        since=since,
        until=until,
        current=current,
        previous=previous,
        operators=await breakdowns.table(session, filters, "agent"),
        names={agent.id: agent.name for agent in directory.values()},
        recipients=recipients,
    )


def _period(report: Report) -> str:
    zone = ZoneInfo(report.timezone)
    first = report.since.astimezone(zone).date()
    last = (report.until.astimezone(zone) - timedelta(seconds=1)).date()
    if first == last:
        return day(first, report.language)
    return f"{day(first, report.language)} – {day(last, report.language)}"


def _percent(value: float | None, language: str) -> str:
    return TEXTS[language]["none"] if value is None else f"{value:.1f} %"


def _values(figures: Figures, language: str) -> dict[str, str]:
    words = TEXTS[language]
    out = {k: str(getattr(figures, k)) for k in ("created", "resolved", "reopened", "escalated")}
    for name in ("first_response", "response", "resolution_first", "handle"):
        out[name] = duration(getattr(figures, name).calendar.median, language)
    for name in ("fcr", "reopen_rate", "escalation_rate"):
        out[name] = _percent(getattr(figures, name).percent, language)
    csat, nps, ces = figures.csat, figures.nps, figures.ces
    scores = {
        "csat": _percent(csat.score, language),
        "nps": words["none"] if nps.score is None else f"{nps.score:+.0f}",
        "ces": words["none"] if ces.score is None else f"{ces.score:.1f}",
    }
    for name, survey in (("csat", csat), ("nps", nps), ("ces", ces)):
        out[name] = words["answered"].format(
            value=scores[name], answered=survey.answered, sent=survey.sent
        )
    return out


def _lines(report: Report) -> list[dict[str, str]]:
    now = _values(report.current, report.language)
    before = _values(report.previous, report.language)
    labels = LABELS[report.language]
    return [
        {"key": key, "label": label, "value": now[key], "previous": before[key]}
        for key, label in labels.items()
    ]


def _operators(report: Report) -> list[dict[str, Any]]:
    nobody = TEXTS[report.language]["nobody"]
    return [
        {
            "name": nobody if row.key is None else report.names.get(row.key, f"#{row.key}"),
            "resolved": row.resolved,
            "replies": row.responses,
            "frt": duration(row.first_response_median, report.language),
        }
        for row in report.operators
    ]


def _text(title: str, period: str, lines: list[dict[str, str]], words: dict[str, str]) -> str:
    body = [title, period, ""]
    body += [f"{line['label']}: {line['value']} ({line['previous']})" for line in lines]
    return "\n".join([*body, "", words["footer"], ""])


def _attachments(report: Report) -> list[tuple[str, tuple[str, str], bytes]]:
    stem = f"report-{report.since.astimezone(ZoneInfo(report.timezone)).date().isoformat()}"
    overview = exports.figures_sheet(report.current)
    by_agent = exports.table_sheet(report.operators, "agent")
    if report.format == "csv":
        return [
            (f"{stem}-overview.csv", ("text", "csv"), exports.to_csv(overview).encode()),
            (f"{stem}-operators.csv", ("text", "csv"), exports.to_csv(by_agent).encode()),
        ]
    return [(f"{stem}.xlsx", XLSX, exports.to_workbook([overview, by_agent]))]


def build(report: Report, *, sender: str, sender_name: str) -> EmailMessage:
    words = TEXTS[report.language]
    period = _period(report)
    kind = "subject_weekly" if report.frequency == "weekly" else "subject_daily"
    subject = words[kind].format(name=report.name, period=period)
    title = words["title"].format(name=report.name)
    lines = _lines(report)
    period_line = words["period"].format(period=period, timezone=report.timezone)
    html = _templates.get_template("report_mail.html").render(
        language=report.language,
        subject=subject,
        title=title,
        period=period_line,
        lines=lines,
        operators=_operators(report),
        t=words,
    )
    mail = EmailMessage()
    mail["From"] = formataddr((sender_name, sender))
    mail["To"] = ", ".join(report.recipients)
    mail["Subject"] = subject
    mail["Date"] = formatdate(usegmt=True)
    mail["Message-ID"] = make_msgid(domain=sender.rsplit("@", 1)[1])
    mail["Auto-Submitted"] = "auto-generated"
    mail.set_content(_text(title, period_line, lines, words))
    mail.add_alternative(html, subtype="html")
    for filename, (maintype, subtype), data in _attachments(report):
        mail.add_attachment(data, maintype=maintype, subtype=subtype, filename=filename)
    return mail
