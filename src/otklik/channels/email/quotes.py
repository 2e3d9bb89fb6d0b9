"""The new part of a reply, in English and Russian: without the quoted original and the signature.

A view: the whole text is always stored next to it. Maintained libraries were measured on our
fixtures (``tests/fixtures/email``; see ADR 0024): ``mail-parser-reply`` keeps Gmail's Russian
attribution and Outlook's Russian header blocks, ``quotequail`` marks only English headers, and
neither keeps an answer written below the quote. So these are our own rules:

* an attribution line ("On … wrote:", "… пишет:", "… написал(а):", Gmail's Russian
  "<date>, <name> <address>:", The Bat!'s "Вы писали <date>:", possibly wrapped over up to
  three lines) followed by ``>``
  lines: the quote goes, text written below it stays (bottom posting and inline answers);
* an attribution, a "-----Original Message-----" / "Исходное сообщение" line, or an Outlook
  header block (From:/Sent:/To:/Subject:, От:/Отправлено:/Кому:/Тема:) followed by an
  unmarked original: everything from there on is the original;
* a signature: "-- ", "Sent from my …"/"Отправлено с …", or a closing ("Best regards,",
  "С уважением,") followed by a few short lines at the end.

Forwarded text ("Forwarded message", "Пересылаемое сообщение") is what the customer wants us to
read: it is kept.
"""

from __future__ import annotations

import re

_WROTE = re.compile(
    r"(wrote|writes|пишет|написал|написала|написал\(а\)|написали|schrieb|a écrit)\s*:\s*$",
    re.I,
)
#: The Bat!: "Вы писали 24 ноября 2026 г., 10:15:", "You wrote on 24.11.2026 10:15:".
_YOU_WROTE = re.compile(r"^\s*(Вы писали|Ты писал|You wrote)\b.{0,80}:\s*$", re.I)
_ON = re.compile(r"^\s*(On|Le|Am)\s.{4,}", re.I)
_DATEISH = re.compile(
    r"(\d{1,2}[./-]\d{1,2}[./-]\d{2,4}|\d{4}-\d{2}-\d{2}|\d{1,2}:\d{2}|"
    r"\b\d{1,2}\s+[а-яa-z]{3,}\.?\s+\d{4}|\b(19|20)\d{2}\b)",
    re.I,
)
_ADDRESS = re.compile(r"<?[\w.+-]+@[\w-]+(\.[\w-]+)+>?")
_TIME = re.compile(r"\b\d{1,2}:\d{2}\b")
_ANGLED = re.compile(r"<[\w.+-]+@[\w-]+(\.[\w-]+)+>")
_SEPARATOR = re.compile(
    r"^\s*[-_=*]{2,}\s*(Original Message|Исходное сообщение|Ursprüngliche Nachricht|"
    r"Message d'origine|Reply message|Ответное сообщение)\s*[-_=*]{2,}\s*$",
    re.I,
)
_FORWARD = re.compile(
    r"^\s*[-_=*]{2,}\s*(Forwarded message|Begin forwarded message|Пересылаемое сообщение|"
    r"Пересланное сообщение|Начало переадресованного сообщения)\s*:?\s*[-_=*]*\s*$",
    re.I,
)
_RULE = re.compile(r"^\s*_{20,}\s*$")
_FIELD = re.compile(
    r"^\s*\*?(From|Sent|Date|To|Cc|Subject|От|Отправлено|Дата|Кому|Копия|Тема|Von|Gesendet|An|"
    r"Betreff|De|Envoyé|À|Objet)\s*:\*?\s*(.*)$",
    re.I,
)
_FROM = frozenset({"from", "от", "von", "de"})
_SIGNATURES = re.compile(
    r"^\s*(-- ?|Sent from my\b.*|Sent from (Mail|Outlook|Yahoo|Gmail)\b.*|Get Outlook for\b.*|"
    r"Отправлено (с|из|через) (iPhone|iPad|Android|моего|мобильн|приложени|Яндекс|Почты|"
    r"Mail\.ru|Outlook|помощью)\S*\b.*|Скачайте Outlook\b.*)\s*$",
    re.I,
)
_CLOSING = re.compile(
    r"^\s*(Best regards|Kind regards|Warm regards|Regards|Best wishes|Cheers|Sincerely|"
    r"Yours sincerely|Thanks and regards|С уважением|С наилучшими пожеланиями|"
    r"Всего доброго|Всего хорошего|С уважением и наилучшими пожеланиями)\b[\s,.!]*$",
    re.I,
)
_CLOSING_LINES = 6


def _is_quoted(line: str) -> bool:
    return line.lstrip().startswith(">")


def _attribution(lines: list[str], index: int) -> tuple[int, bool]:
    """How many lines (1–3) from ``index`` make an attribution line (0 if none), and whether it
    is certain enough to cut an unmarked original after it (not only a ``>`` quote)."""
    for span in (1, 2, 3):
        chunk = lines[index : index + span]
        if len(chunk) < span or any(_is_quoted(line) or not line.strip() for line in chunk):
            return 0, False
        # A client wraps a long attribution anywhere, even inside "<address>".
        joined = re.sub(r"<\s+", "<", " ".join(line.strip() for line in chunk))
        if len(joined) > 400:
            return 0, False
        dated = _DATEISH.search(joined) is not None
        addressed = _ADDRESS.search(joined) is not None
        if span == 1 and dated and _YOU_WROTE.match(joined):
            return span, True
        if _WROTE.search(joined) and (_ON.match(joined) or dated or addressed):
            return span, bool(_ON.match(joined)) or (dated and addressed)
        # Gmail in Russian, Yandex, Mail.ru: "пн, 23 нояб. 2026 г. в 10:15, Ольга <o@x.ru>:"
        if (
            joined.endswith(":")
            and _DATEISH.search(joined[:40])
            and _TIME.search(joined)
            and _ANGLED.search(joined)
        ):
            return span, True
        if not _ON.match(joined) and not _DATEISH.search(lines[index]):
            return 0, False
    return 0, False


def _header_block(lines: list[str], index: int) -> bool:
    """An Outlook-style header block (From: then Sent:/To:/Subject: within a few lines)."""
    match = _FIELD.match(lines[index])
    if match is None or match[1].lower() not in _FROM:
        return False
    names = set()
    for line in lines[index + 1 : index + 7]:
        field = _FIELD.match(line)
        if field is not None:
            names.add(field[1].lower())
    return len(names) >= 2


def _cut_signature(lines: list[str]) -> list[str]:
    for index, line in enumerate(lines):
        if _SIGNATURES.match(line):
            return lines[:index]
    # A closing with a few short lines (a name, a title, a phone) at the very end.
    content = [i for i, line in enumerate(lines) if line.strip()]
    for index in content[-_CLOSING_LINES - 1 :]:
        if _CLOSING.match(lines[index]):
            after = [line for line in lines[index + 1 :] if line.strip()]
            if len(after) <= _CLOSING_LINES and all(len(line) <= 60 for line in after):
                return lines[:index]
            break
    return lines


def strip_quotes(text: str) -> str:
    """The new part of a reply (the whole text when nothing new is left)."""
    lines = text.replace("\r\n", "\n").split("\n")
    kept: list[str] = []
    index = 0
    while index < len(lines):
        line = lines[index]
        if _SIGNATURES.match(line):
            break
        if _FORWARD.match(line):
            kept.extend(lines[index:])  # what the customer forwards is for us to read
            break
        if _SEPARATOR.match(line) or _header_block(lines, index):
            break
        if _RULE.match(line) and index + 1 < len(lines) and _header_block(lines, index + 1):
            break
        span, certain = _attribution(lines, index)
        if span:
            after = index + span
            while after < len(lines) and not lines[after].strip():
                after += 1
            if after < len(lines) and _is_quoted(lines[after]):
                index = after  # the quote follows: drop it, keep what is written below
                continue
            if certain:
                break  # an unmarked original follows the attribution
        if _is_quoted(line):
            index += 1
            continue
        kept.append(line)
        index += 1
    result = "\n".join(_cut_signature(kept))
    result = re.sub(r"\n{3,}", "\n\n", result).strip()
    return result or text.strip()
