"""API shapes for contacts."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from pydantic import BaseModel, Field, StringConstraints, computed_field, field_validator

from otklik.core.schemas import StrictModel

PAGES_KEPT = 20


class VisitedPage(BaseModel):
    url: str
    title: str | None = None
    #: When the visitor opened it (the widget's clock, checked against ours).
    at: datetime


class VisitorInfo(BaseModel):
    """What the site widget knows of a visitor (``contacts/visitor.py``)."""

    #: The page the visitor is on, and the ones before it (newest first).
    page: VisitedPage | None = None
    history: list[VisitedPage] = Field(default_factory=list)
    #: From the browser's User-Agent: "Chrome 120", "Windows 10", "iPhone".
    browser: str | None = None
    os: str | None = None
    device: str | None = None
    #: The browser's preferred language (``ru-RU``) and time zone (``Europe/Moscow``).
    language: str | None = None
    timezone: str | None = None
    #: By IP from a local GeoIP database, when one is installed (none by default).
    city: str | None = None
    #: As the site told the widget (``data-phone`` on its script tag); not verified.
    phone: str | None = None
    updated_at: datetime | None = None


class ContactOut(BaseModel):
    id: int
    name: str | None
    email: str | None
    attributes: dict[str, Any]
    created_at: datetime
    #: What the widget reported (``None``: nothing, e.g. a mail sender).
    visitor: VisitorInfo | None = None
    #: When the customer's site first vouched for this contact (a widget session signed with
    #: the inbox's identity secret, ADR 27); ``None``: not verified.
    verified_at: datetime | None = None

    @computed_field  # type: ignore[prop-decorator]
    @property
    def verified(self) -> bool:
        """The site signed this contact's user id: it is the site's user, not a claim."""
        return self.verified_at is not None

    @field_validator("visitor", mode="before")
    @classmethod
    def _nothing_is_none(cls, value: Any) -> Any:
        return value or None


#: A BCP 47 language tag as browsers give it (``ru-RU``, ``en``).
LANGUAGE_TAG = r"^[A-Za-z]{2,8}(-[A-Za-z0-9]{1,8})*$"
Url = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=2000)]


class PageIn(StrictModel):
    url: Url
    title: str | None = Field(default=None, max_length=300)
    #: Milliseconds since 1970 (the host page's ``Date.now()``).
    at: int = Field(ge=0)


class VisitIn(StrictModel):
    """The widget's report: the pages of this browsing session (oldest first) and the
    browser's settings. The User-Agent comes from the request's own header."""

    pages: list[PageIn] = Field(default_factory=list, max_length=PAGES_KEPT * 5)
    language: str | None = Field(
        default=None, max_length=35, pattern=r"^[A-Za-z]{2,8}(-[A-Za-z0-9]{1,8})*$"
    )
    timezone: str | None = Field(default=None, max_length=64)
    phone: str | None = Field(default=None, max_length=40, pattern=r"^\+?[0-9 ()\-.]{3,40}$")
