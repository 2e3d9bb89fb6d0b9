"""The default wording of each survey, in Russian and English (an inbox may replace it)."""

from __future__ import annotations

from typing import Any, Literal

Language = Literal["ru", "en"]
LANGUAGES: tuple[Language, ...] = ("ru", "en")

QUESTIONS: dict[str, dict[str, str]] = {
    "ru": {
        "csat": "Как вы оцениваете помощь, которую получили?",
        "nps": "Насколько вероятно, что вы порекомендуете нас друзьям или коллегам?",
        "ces": "Насколько легко было решить ваш вопрос?",
    },
    "en": {
        "csat": "How would you rate the help you received?",
        "nps": "How likely are you to recommend us to a friend or colleague?",
        "ces": "How easy was it to get your issue resolved?",
    },
}

#: The ends of each scale, shown under it.
LABELS: dict[str, dict[str, tuple[str, str]]] = {
    "ru": {
        "csat": ("Плохо", "Отлично"),
        "nps": ("Маловероятно", "Обязательно"),
        "ces": ("Очень трудно", "Очень легко"),
    },
    "en": {
        "csat": ("Poor", "Excellent"),
        "nps": ("Not likely", "Very likely"),
        "ces": ("Very hard", "Very easy"),
    },
}

#: Texts of the channels' messages and of the answer page.
PHRASES: dict[str, dict[str, str]] = {
    "ru": {
        "subject": "Оцените, пожалуйста, наш ответ",
        "intro": "Ваше обращение решено. Ответьте одним нажатием:",
        "thanks": "Спасибо за оценку!",
        "comment": "Хотите что-то добавить?",
        "send": "Отправить",
        "expired": "Срок этого опроса истёк.",
        "answered": "Вы уже ответили на этот опрос.",
        "your_score": "Ваша оценка",
    },
    "en": {
        "subject": "Please rate our answer",
        "intro": "Your request is resolved. Answer with one click:",
        "thanks": "Thank you for your rating!",
        "comment": "Anything you would like to add?",
        "send": "Send",
        "expired": "This survey has expired.",
        "answered": "You have already answered this survey.",
        "your_score": "Your score",
    },
}


def language_of(value: str | None) -> Language:
    """``ru`` for a Russian conversation, else English."""
    return "ru" if (value or "").lower().startswith("ru") else "en"


def guess_language(text: str) -> Language:
    """For a conversation whose language nobody set (Telegram, email): Russian when most of
    the customer's letters are Cyrillic."""
    letters = [c for c in text if c.isalpha()]
    cyrillic = sum(1 for c in letters if "\u0400" <= c <= "\u04ff")
    return "ru" if letters and cyrillic * 2 >= len(letters) else "en"


def question(texts: dict[str, Any], language: Language, kind: str) -> str:
    """The inbox's own wording if it has one, else the default."""
    own = texts.get(language, {})
    custom = own.get(kind) if isinstance(own, dict) else None
    return custom if isinstance(custom, str) and custom.strip() else QUESTIONS[language][kind]
