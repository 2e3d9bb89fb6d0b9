"""The pure parts of scripts: the template language, working hours, conditions."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from otklik.channels.schemas import WorkingHours
from otklik.scripts.conditions import Facts, evaluate, load_conditions, satisfied
from otklik.scripts.hours import NEVER, is_open, next_opening
from otklik.scripts.templates import Gap, TemplateError, check_template, render, render_with_gaps

VALUES = {
    "contact.name": "Иван",
    "contact.email": None,
    "agent.name": "",
    "contact.attributes.plan": "gold",
}


@pytest.mark.parametrize(
    ("template", "expected"),
    [
        ("Привет, {{contact.name}}!", "Привет, Иван!"),
        ("{{  contact.email  |  default :  'нет почты' }}", "нет почты"),
        ('{{agent.name | default: "оператор"}}', "оператор"),
        ("{{agent.name}}|", "|"),
        ("{{contact.attributes.plan}}/{{contact.attributes.city|default:'?'}}", "gold/?"),
        ("{ not a tag } {{ and unclosed", "{ not a tag } {{ and unclosed"),
        ("{{contact.email|default:'a \"quoted\" one'}}", 'a "quoted" one'),
        ('Hello {{contact.email | "there"}}!', "Hello there!"),
        ("Здравствуйте, {{ agent.name | 'коллега' }}!", "Здравствуйте, коллега!"),
        ('{{contact.name | "там"}}', "Иван"),
    ],
)
def test_render(template: str, expected: str) -> None:
    check_template(template)
    assert render(template, VALUES) == expected


@pytest.mark.parametrize(
    ("template", "words"),
    [
        ("{{contact.phone}}", "unknown variable 'contact.phone'"),
        ("{{ contact.name | upcase }}", "is not a variable"),
        ("{{ __class__.__mro__ }}", "unknown variable '__class__.__mro__'"),
        ("{{ contact.name | default: clientele }}", "is not a variable"),
        ("{{contact.attributes.Bad-Key}}", "is not a variable"),
        ("{{}}", "is not a variable"),
    ],
)
def test_bad_templates_are_refused_with_the_reason(template: str, words: str) -> None:
    with pytest.raises(TemplateError, match=words.replace("(", r"\(")):
        check_template(template)


def test_gaps_are_the_empty_variables_without_a_fallback() -> None:
    text, gaps = render_with_gaps(
        'Hello {{contact.email}}! 🙂 I\'m {{agent.name | "Анна"}}{{agent.name}}.',
        VALUES,
    )
    assert text == "Hello ! 🙂 I'm Анна."
    # offsets in UTF-16 code units, as the browser counts them (the emoji is two)
    assert gaps == [Gap("contact.email", 6), Gap("agent.name", 19)]
    assert render_with_gaps("{{contact.name}}", VALUES) == ("Иван", [])


HOURS = WorkingHours.model_validate(
    {
        "timezone": "Europe/Moscow",
        "days": {"mon": [["09:00", "18:00"]], "fri": [["22:00", "24:00"]]},
    }
)


def utc(day: int, hour: int, minute: int = 0) -> datetime:
    """June 2030: the 3rd is a Monday; Moscow is UTC+3."""
    return datetime(2030, 6, day, hour, minute, tzinfo=UTC)


def test_working_hours() -> None:
    assert is_open(HOURS, utc(3, 6)) is True  # Mon 09:00 MSK
    assert is_open(HOURS, utc(3, 5, 59)) is False
    assert is_open(HOURS, utc(3, 15)) is False  # Mon 18:00 MSK: closed (end is exclusive)
    assert is_open(HOURS, utc(7, 20, 59)) is True  # Fri 23:59 MSK
    assert is_open(None, utc(3, 3)) is True
    assert is_open(HOURS.model_copy(update={"enabled": False}), utc(3, 3)) is True
    assert next_opening(HOURS, utc(3, 15)) == utc(7, 19)  # Fri 22:00 MSK
    assert next_opening(HOURS, utc(7, 21)) == utc(10, 6)  # over the weekend to Monday
    assert next_opening(HOURS, utc(3, 5)) == utc(3, 6)
    assert next_opening(WorkingHours(days={}), utc(3, 5)) == NEVER


FACTS = Facts(
    inbox_id=1,
    channel="widget",
    status="open",
    priority="normal",
    language="ru",
    tags=["vip"],
    contact_attributes={"plan": "Gold", "seats": 5, "trial": False, "empty": ""},
    inside_hours=False,
    text="Хочу ВЕРНУТЬ заказ №123",
)


@pytest.mark.parametrize(
    ("condition", "holds"),
    [
        ({"field": "text", "op": "contains", "value": "вернуть"}, True),
        ({"field": "text", "op": "not_contains", "value": "вернуть"}, False),
        ({"field": "text", "op": "matches", "value": r"№\d+$"}, True),
        ({"field": "text", "op": "matches", "value": r"^\d+"}, False),
        ({"field": "inbox", "op": "not_in", "value": [2, 3]}, True),
        ({"field": "language", "value": ["en"]}, False),
        ({"field": "tag", "op": "has", "value": "VIP"}, True),
        ({"field": "contact_attribute", "key": "plan", "op": "equals", "value": "gold"}, True),
        ({"field": "contact_attribute", "key": "seats", "op": "equals", "value": 5}, True),
        ({"field": "contact_attribute", "key": "trial", "op": "equals", "value": 0}, False),
        ({"field": "contact_attribute", "key": "trial", "op": "equals", "value": False}, True),
        ({"field": "contact_attribute", "key": "empty", "op": "is_set"}, False),
        ({"field": "contact_attribute", "key": "nope", "op": "not_equals", "value": "x"}, True),
        ({"field": "contact_attribute", "key": "plan", "op": "contains", "value": "OL"}, True),
        ({"field": "business_hours", "op": "outside"}, True),
    ],
)
def test_conditions(condition: dict[str, object], holds: bool) -> None:
    assert evaluate(load_conditions([condition]), FACTS) == [holds]


def test_match_all_or_any() -> None:
    assert satisfied([], match="all") and satisfied([], match="any")
    assert not satisfied([True, False], match="all")
    assert satisfied([True, False], match="any")
