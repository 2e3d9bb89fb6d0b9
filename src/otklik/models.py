"""Imports every table so metadata (Alembic, tests) sees the whole schema."""

from otklik.accounts.models import Agent, AuthSession, LoginAttempt, Team, TeamMember
from otklik.audit.models import AuditEntry
from otklik.channels.models import Inbox
from otklik.contacts.models import Contact
from otklik.attributes.models import AttributeDefinition
from otklik.conversations.models import Conversation, ConversationTag, Message
from otklik.core.db import Base
from otklik.jobs.models import Job
from otklik.realtime.models import Event
from otklik.routing.models import Escalation

__all__ = [
    "Agent",
    "AttributeDefinition",
    "ConversationTag",
    "Escalation",
    "AuditEntry",
    "AuthSession",
    "Base",
    "Contact",
    "Conversation",
    "Event",
    "Inbox",
    "Job",
    "LoginAttempt",
    "Message",
    "Team",
    "TeamMember",
]
