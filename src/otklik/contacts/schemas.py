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
    #: The first email address: where replies go. ``emails`` has it first, then the others.
    email: str | None
    other_emails: list[str] = Field(default_factory=list, exclude=True)
    #: E.164 (``+79123456789``).
    phones: list[str] = Field(default_factory=list)
    tags: list[str] = Field(default_factory=list)
    language: str | None = None
    timezone: str | None = None
    #: By purpose: ``{"marketing": {"granted": true, "at": "…"}}``.
    consent: dict[str, Any] = Field(default_factory=dict)
    company_id: int | None = None
    #: The contact's id in another system, set by an import (``contacts/importing.py``).
    external_id: str | None = None
    attributes: dict[str, Any]
    #: First seen: when the contact was made. Last seen: their latest visit, form or message.
    created_at: datetime
    last_seen_at: datetime | None = None
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

    @computed_field  # type: ignore[prop-decorator]
    @property
    def emails(self) -> list[str]:
        return ([self.email] if self.email else []) + self.other_emails

    @field_validator("visitor", mode="before")
    @classmethod
    def _nothing_is_none(cls, value: Any) -> Any:
        return value or None

    @field_validator("consent", mode="before")
    @classmethod
    def _no_consent_is_empty(cls, value: Any) -> Any:
        return value or {}

    @field_validator("other_emails", "phones", "tags", mode="before")
    @classmethod
    def _none_is_empty(cls, value: Any) -> Any:
        return value or []


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


#: Tags as the conversation tags are written: short, no spaces at the ends.
Tag = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=50)]
Email = Annotated[str, StringConstraints(strip_whitespace=True, min_length=3, max_length=320)]
Phone = Annotated[str, StringConstraints(strip_whitespace=True, min_length=3, max_length=40)]
Name = Annotated[str, StringConstraints(strip_whitespace=True, max_length=200)]
ZoneName = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=64)]
LanguageTag = Annotated[str, StringConstraints(max_length=35, pattern=LANGUAGE_TAG)]
ConsentPurpose = Annotated[str, StringConstraints(pattern=r"^[a-z][a-z0-9_]{0,39}$")]


class ContactFields(StrictModel):
    """What an operator may set on a contact; each field left out stays as it is. ``emails``
    and ``phones`` replace the lists (the first email is where replies go); attribute values
    go through ``PUT /contacts/{id}/attributes``."""

    name: Name | None = None
    emails: list[Email] | None = Field(default=None, max_length=20)
    phones: list[Phone] | None = Field(default=None, max_length=20)
    tags: list[Tag] | None = Field(default=None, max_length=50)
    language: LanguageTag | None = None
    timezone: ZoneName | None = None
    #: ``true``/``false`` per purpose; the time it was given is recorded with it.
    consent: dict[ConsentPurpose, bool] | None = Field(default=None, max_length=20)
    company_id: int | None = Field(default=None, ge=1)


class ContactIn(ContactFields):
    pass


class ContactUpdate(ContactFields):
    pass


class ContactListOut(BaseModel):
    items: list[ContactOut]
    #: Page on with ``before`` = this (the contacts are newest first); ``None``: the last page.
    next_before: int | None = None


class NoteIn(StrictModel):
    text: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=10000)]


class NoteOut(BaseModel):
    id: int
    contact_id: int
    author_id: int | None
    text: str
    created_at: datetime
    updated_at: datetime


class TagsIn(StrictModel):
    """Bulk tagging: these tags added to and removed from each of the contacts."""

    contact_ids: list[int] = Field(min_length=1, max_length=1000)
    add: list[Tag] = Field(default_factory=list, max_length=20)
    remove: list[Tag] = Field(default_factory=list, max_length=20)


class TaggedOut(BaseModel):
    updated: int


Domain = Annotated[
    str,
    StringConstraints(
        strip_whitespace=True,
        to_lower=True,
        max_length=253,
        pattern=r"^([A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?\.)+[A-Za-z]{2,63}$",
    ),
]
AttributeValue = str | int | float | bool | None


class CompanyFields(StrictModel):
    domains: list[Domain] | None = Field(default=None, max_length=50)
    #: Free-form values (text, number, yes/no); ``null`` removes one.
    attributes: dict[Annotated[str, StringConstraints(max_length=64)], AttributeValue] | None = (
        Field(default=None, max_length=100)
    )


class CompanyIn(CompanyFields):
    name: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]


class CompanyUpdate(CompanyFields):
    name: (
        Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]
        | None
    ) = None


class CompanyOut(BaseModel):
    id: int
    name: str
    #: Its id in another system (set by an import).
    external_id: str | None = None
    domains: list[str]
    attributes: dict[str, Any]
    #: How many contacts belong to it (of those the operator may see).
    contacts: int = 0
    created_at: datetime


class MergeIn(StrictModel):
    """Merge contact ``other_id`` into this one: this one stays (and keeps its values where
    both have one); ``other_id`` is deleted."""

    other_id: int = Field(ge=1)


class Duplicate(BaseModel):
    """A contact that is likely the same customer: it shares these emails or phones."""

    contact: ContactOut
    shared: list[str]


class SegmentFilters(StrictModel):
    """The contacts list's filters a segment keeps (``GET /contacts``' query)."""

    q: str | None = Field(default=None, max_length=200)
    tag: str | None = Field(default=None, max_length=50)
    company_id: int | None = Field(default=None, ge=1)
    verified: bool | None = None


class SegmentIn(StrictModel):
    name: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=100)]
    filters: SegmentFilters
    #: Seen by every operator (only its owner or an admin deletes it).
    shared: bool = False


class SegmentOut(BaseModel):
    id: int
    owner_id: int
    name: str
    filters: SegmentFilters
    shared: bool
    created_at: datetime


class RowError(BaseModel):
    """What is wrong with a row of an imported file (row 1 is the first after the header)."""

    row: int
    #: The file's column, when the error is about one.
    column: str | None = None
    message: str


class ImportOut(BaseModel):
    id: int
    #: ``queued``, ``running``, ``done`` or ``failed``.
    state: str
    #: ``contacts`` or ``companies``.
    kind: str = "contacts"
    dry_run: bool
    filename: str | None = None
    mapping: dict[str, str]
    #: Rows checked (and, unless a dry run, written) of ``total``.
    total: int
    done: int
    #: In a dry run: what the import would do.
    created: int
    updated: int
    unchanged: int
    failed: int
    #: The first errors (``failed`` counts them all).
    errors: list[RowError]
    created_at: datetime
    finished_at: datetime | None = None


class ImportColumnsOut(BaseModel):
    """The columns a file's header row names."""

    columns: list[str]
