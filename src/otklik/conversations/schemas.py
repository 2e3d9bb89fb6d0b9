"""API shapes for conversations and messages."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal

from pydantic import BaseModel, Field, StringConstraints, field_validator, model_validator

from otklik.attachments.schemas import AttachmentOut
from otklik.core.schemas import StrictModel

Status = Literal["open", "pending", "snoozed", "resolved"]
Priority = Literal["low", "normal", "high", "urgent"]
AuthorType = Literal["contact", "agent", "bot", "system"]
#: ``team``: one team's queue (with ``team_id``).
View = Literal["mine", "unassigned", "team", "all"]
#: ``waiting``: the customer who has waited longest for an answer first (then those not
#: waiting, oldest first); ``newest``: latest activity first; ``priority``: urgent first,
#: then by waiting.
Sort = Literal["waiting", "newest", "priority", "due"]


class ContactBrief(BaseModel):
    id: int
    name: str | None
    email: str | None


class LastMessage(BaseModel):
    id: int
    text: str
    author_type: AuthorType
    private: bool
    created_at: datetime


class ConversationOut(BaseModel):
    id: int
    inbox_id: int
    channel: str
    contact: ContactBrief
    status: Status
    snooze_until: datetime | None
    assignee_id: int | None
    team_id: int | None
    priority: Priority
    unread_count: int
    waiting_since: datetime | None
    last_activity_at: datetime
    created_at: datetime
    last_message: LastMessage | None
    tags: list[str]
    language: str | None
    attributes: dict[str, Any]
    queued_at: datetime | None
    #: Set when this conversation was merged into another (it is then resolved).
    merged_into_id: int | None = None
    #: An email conversation's subject, its title (``None`` for other channels).
    subject: str | None = None


class VisitorConversation(BaseModel):
    id: int
    status: Status


class ForwardedMail(BaseModel):
    """A mail forwarded as an attachment (``message/rfc822``), shown inline."""

    sender: str
    subject: str
    date: str | None = None
    text: str


class AutomaticMail(BaseModel):
    """An automatic mail kept as a private note: what the workspace says about it in the
    operator's language (the note's text is the mail's own words)."""

    #: ``bounce``: a reply of ours came back undelivered; ``automatic``: an auto-reply or
    #: other machine mail, not answered.
    kind: Literal["bounce", "automatic"]
    sender: str
    #: The delivery report's reason (a bounce) or what gave the mail away (``auto-submitted``…).
    reason: str = ""
    subject: str = ""


class MailView(BaseModel):
    """What an operator may open on a mail beyond the text shown (email channel only)."""

    #: The whole text when quotes/signature were hidden from ``text`` ("show the original").
    original: str | None = None
    forwarded: list[ForwardedMail] = Field(default_factory=list)
    #: ``signed``, ``encrypted`` (neither verified nor decrypted), ``over_limit`` (kept as a
    #: file, not read), ``truncated`` (the text read up to a limit, the mail kept as a file).
    notes: list[str] = Field(default_factory=list)
    #: A reply of ours the recipient's server returned: its reason.
    not_delivered: str | None = None
    #: A system note about an automatic mail (shown with a localized heading).
    automatic: AutomaticMail | None = None


class MessageOut(BaseModel):
    id: int
    conversation_id: int
    author_type: AuthorType
    author_id: int | None
    author_name: str | None
    private: bool
    text: str
    client_msg_id: str | None
    created_at: datetime
    #: Replies through email/Telegram/…: "pending", "sent" or "failed" (null in the widget).
    delivery_status: Literal["pending", "sent", "failed"] | None = None
    delivery_error: str | None = None
    #: Files on the message (safe images have ``inline: true``: show a preview).
    attachments: list[AttachmentOut] = Field(default_factory=list)
    #: Mail only: the full original, forwarded mails, notes (never sent to the widget).
    mail: MailView | None = None


class TeamCount(BaseModel):
    team_id: int
    n: int


class MentionOut(BaseModel):
    """A note that names the operator, and whether they have read it."""

    id: int
    agent_id: int
    conversation_id: int
    message: MessageOut
    created_at: datetime
    read_at: datetime | None


class MentionPage(BaseModel):
    items: list[MentionOut]
    #: Pass as ``before`` for older ones; ``None``: no more.
    next_before: int | None
    #: The operator's unread mentions (of conversations they may see), for the badge.
    unread: int


class MentionsUnread(BaseModel):
    unread: int


class MentionsReadIn(StrictModel):
    #: These mentions; ``None``: every mention of the operator.
    ids: list[Annotated[int, Field(ge=1)]] | None = Field(default=None, max_length=500)


class ViewCounts(BaseModel):
    mine: int
    unassigned: int
    all: int
    #: The operator's teams' queues, and the team asked for (``view=team``), by team id.
    teams: list[TeamCount] = Field(default_factory=list)


class ConversationPage(BaseModel):
    items: list[ConversationOut]
    next_cursor: str | None
    counts: ViewCounts


class MessagePage(BaseModel):
    items: list[MessageOut]
    has_more: bool


#: Ids of uploads (``POST …/attachments``) to send on the message; at most 10.
AttachmentIds = Annotated[list[int], Field(max_length=10)]


class _WithText(StrictModel):
    client_msg_id: str = Field(min_length=1, max_length=64)
    # The length limit is checked by the service so that it answers 413, not 422.
    text: str = ""
    attachment_ids: AttachmentIds = Field(default_factory=list)

    @model_validator(mode="after")
    def _something_to_send(self) -> _WithText:
        if not self.text.strip() and not self.attachment_ids:
            raise ValueError("text: the text is empty (and there is no attachment)")
        return self


class MessageIn(_WithText):
    private: bool = False
    #: An email reply's subject (default "Re: <the conversation's subject>"); the
    #: conversation's subject becomes it. Only for replies in email conversations.
    subject: str | None = Field(default=None, min_length=1, max_length=300, pattern=r"^[^\r\n]*$")


class VisitorMessageIn(_WithText):
    pass


class AssignIn(StrictModel):
    agent_id: int | None = None
    team_id: int | None = None


class StatusIn(StrictModel):
    status: Status
    snooze_until: datetime | None = None

    @field_validator("snooze_until")
    @classmethod
    def _aware(cls, value: datetime | None) -> datetime | None:
        if value is not None and value.tzinfo is None:
            raise ValueError("snooze_until needs a time zone offset (e.g. Z)")
        return value


Tag = Annotated[
    str, StringConstraints(strip_whitespace=True, to_lower=True, min_length=1, max_length=50)
]


class TagsIn(StrictModel):
    add: list[Tag] = Field(default_factory=list, max_length=50)
    remove: list[Tag] = Field(default_factory=list, max_length=50)


class PriorityIn(StrictModel):
    priority: Priority


class MergeIn(StrictModel):
    other_id: int


BulkAction = Literal["assign", "tag", "status", "priority"]


class BulkIn(StrictModel):
    ids: list[int] = Field(min_length=1, max_length=100)
    action: BulkAction
    agent_id: int | None = None
    team_id: int | None = None
    add_tags: list[Tag] = Field(default_factory=list, max_length=50)
    remove_tags: list[Tag] = Field(default_factory=list, max_length=50)
    status: Literal["open", "pending", "resolved"] | None = None
    priority: Priority | None = None


class BulkOut(BaseModel):
    items: list[ConversationOut]
