"""The words of a scheduled report's mail, in Russian and English (``mailing.py``)."""

from __future__ import annotations

from datetime import date

TEXTS: dict[str, dict[str, str]] = {
    "en": {
        "subject_daily": "Daily report “{name}”: {period}",
        "subject_weekly": "Weekly report “{name}”: {period}",
        "title": "{name}",
        "period": "Period: {period} ({timezone}). The previous period beside it for comparison.",
        "metric": "Metric",
        "this_period": "This period",
        "previous_period": "Previous period",
        "operators": "Operators",
        "operator": "Operator",
        "resolved": "Resolved",
        "replies": "Replies",
        "frt_median": "First response, median",
        "footer": "Sent by Otklik on a schedule. The attachment holds every metric; "
        "docs/metrics.md defines each one.",
        "none": "—",
        "seconds": "{n} s",
        "minutes": "{m} min {s} s",
        "hours": "{h} h {m} min",
        "days": "{d} d {h} h",
        "answered": "{value} ({answered} of {sent} answered)",
        "nobody": "Nobody",
    },
    "ru": {
        "subject_daily": "Ежедневный отчёт «{name}»: {period}",
        "subject_weekly": "Еженедельный отчёт «{name}»: {period}",
        "title": "{name}",
        "period": "Период: {period} ({timezone}). Рядом — предыдущий период для сравнения.",
        "metric": "Показатель",
        "this_period": "Этот период",
        "previous_period": "Предыдущий период",
        "operators": "Операторы",
        "operator": "Оператор",
        "resolved": "Решено",
        "replies": "Ответов",
        "frt_median": "Первый ответ, медиана",
        "footer": "Отчёт отправлен Откликом по расписанию. Во вложении — все показатели; "
        "их определения — в docs/metrics.md.",
        "none": "—",
        "seconds": "{n} с",
        "minutes": "{m} мин {s} с",
        "hours": "{h} ч {m} мин",
        "days": "{d} дн {h} ч",
        "answered": "{value} (ответили {answered} из {sent})",
        "nobody": "Никто",
    },
}

#: The summary's lines, by the key of :class:`Figures` they read.
LABELS: dict[str, dict[str, str]] = {
    "en": {
        "created": "Created",
        "resolved": "Resolved",
        "reopened": "Reopened",
        "escalated": "Escalated",
        "first_response": "First response time, median",
        "response": "Response time, median",
        "resolution_first": "Resolution time (first), median",
        "handle": "Handle time, median",
        "fcr": "First-contact resolution",
        "reopen_rate": "Reopen rate",
        "escalation_rate": "Escalation rate",
        "csat": "CSAT",
        "nps": "NPS",
        "ces": "CES (effort)",
    },
    "ru": {
        "created": "Создано",
        "resolved": "Решено",
        "reopened": "Переоткрыто",
        "escalated": "Эскалировано",
        "first_response": "Время первого ответа, медиана",
        "response": "Время ответа, медиана",
        "resolution_first": "Время решения (первое), медиана",
        "handle": "Время обработки, медиана",
        "fcr": "Решено с первого обращения",
        "reopen_rate": "Доля переоткрытых",
        "escalation_rate": "Доля эскалаций",
        "csat": "CSAT",
        "nps": "NPS",
        "ces": "CES (усилие)",
    },
}


def day(value: date, language: str) -> str:
    return value.strftime("%d.%m.%Y") if language == "ru" else value.isoformat()


def duration(seconds: float | None, language: str) -> str:
    words = TEXTS[language]
    if seconds is None:
        return words["none"]
    total = round(seconds)
    if total < 60:
        return words["seconds"].format(n=total)
    if total < 3600:
        return words["minutes"].format(m=total // 60, s=total % 60)
    if total < 86400:
        return words["hours"].format(h=total // 3600, m=total % 3600 // 60)
    return words["days"].format(d=total // 86400, h=total % 86400 // 3600)
