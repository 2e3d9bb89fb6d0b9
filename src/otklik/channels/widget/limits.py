"""How much an anonymous visitor, and one network address, may ask of the widget endpoints.

Every widget endpoint is public: anybody may start sessions, send messages and upload
files. These limits keep one client from flooding an inbox (issue 11, defect 6). They are
kept per process, in memory (``core/ratelimit.py``): the message endpoint is the live path
and may not spend a database statement on counting. The storage quota of visitor uploads,
which must hold across processes, is counted in the database (``attachments.service``).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from starlette.requests import HTTPConnection

from otklik.config import Settings
from otklik.core.ratelimit import RateLimit

MINUTE = 60.0
HOUR = 3600.0


@dataclass(frozen=True, slots=True)
class WidgetLimits:
    """The process's limits, on ``app.state.widget_limits``."""

    sessions_per_ip: RateLimit
    sessions_per_visitor: RateLimit
    messages_per_visitor: RateLimit
    messages_per_ip: RateLimit
    uploads_per_visitor: RateLimit
    uploads_per_ip: RateLimit
    #: Email proofs (mails asked for and codes typed): fixed, not settings — a person needs
    #: a few, and each asked-for proof may send a mail.
    proofs_per_visitor: RateLimit = field(default_factory=lambda: RateLimit(10, HOUR))
    proofs_per_ip: RateLimit = field(default_factory=lambda: RateLimit(60, HOUR))

    @classmethod
    def from_settings(cls, settings: Settings) -> WidgetLimits:
        return cls(
            sessions_per_ip=RateLimit(settings.widget_sessions_per_minute_per_ip, MINUTE),
            sessions_per_visitor=RateLimit(settings.widget_sessions_per_minute, MINUTE),
            messages_per_visitor=RateLimit(settings.widget_messages_per_minute, MINUTE),
            messages_per_ip=RateLimit(settings.widget_messages_per_minute_per_ip, MINUTE),
            uploads_per_visitor=RateLimit(settings.widget_uploads_per_hour, HOUR),
            uploads_per_ip=RateLimit(settings.widget_uploads_per_hour_per_ip, HOUR),
        )

    def session(self, ip: str, contact_id: int | None) -> None:
        """A new or resumed session, or an offline form (each may make a contact)."""
        self.sessions_per_ip.check(ip, "Too many chat sessions from your network.")
        if contact_id is not None:
            self.sessions_per_visitor.check(contact_id, "Too many chat sessions.")

    def message(self, ip: str, contact_id: int) -> None:
        self.messages_per_visitor.check(contact_id, "You are sending messages too fast.")
        self.messages_per_ip.check(ip, "Too many messages from your network.")

    def upload(self, ip: str, contact_id: int) -> None:
        self.uploads_per_visitor.check(contact_id, "Too many files.")
        self.uploads_per_ip.check(ip, "Too many files from your network.")


    def proof(self, ip: str, contact_id: int) -> None:
        self.proofs_per_visitor.check(contact_id, "Too many codes asked for or tried.")
        self.proofs_per_ip.check(ip, "Too many codes from your network.")


def limits_of(conn: HTTPConnection) -> WidgetLimits:
    limits: WidgetLimits = conn.app.state.widget_limits
    return limits


def client_ip(conn: HTTPConnection) -> str:
    """The address uvicorn reports (behind a proxy: from ``X-Forwarded-For`` when the proxy
    is in ``--forwarded-allow-ips``; ``otklik run`` trusts 127.0.0.1)."""
    client = conn.scope.get("client")
    return str(client[0]) if client else "unknown"
