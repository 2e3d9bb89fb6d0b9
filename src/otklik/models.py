"""Imports every table so metadata (Alembic, tests) sees the whole schema."""

from otklik.accounts.models import (
    Agent,
    ApiToken,
    AuthSession,
    LoginThrottle,
    RecoveryCode,
    Team,
    TeamMember,
    WorkspaceSetting,
)
from otklik.attachments.models import Attachment
from otklik.attributes.models import AttributeDefinition
from otklik.audit.models import AuditEntry
from otklik.channels.models import Inbox
from otklik.channels.widget.models import VisitorEmailProof
from otklik.contacts.models import Contact, ContactIdentity
from otklik.conversations.models import Conversation, ConversationTag, Message
from otklik.core.config_signal import ConfigVersion
from otklik.core.db import Base
from otklik.jobs.models import Job
from otklik.kb.models import KbArticle, KbCategory, KbDeflection, KbRevision
from otklik.privacy.models import PrivacyExport, PrivacySetting
from otklik.realtime.models import Event
from otklik.reports.models import ReportConversation, ReportFact, ReportHourly, ReportSchedule
from otklik.routing.models import Escalation
from otklik.scripts.models import AutomationRule, CannedAnswer, Macro, ScriptFiring
from otklik.sla.models import SlaCalendar, SlaCalendarLink, SlaClock, SlaPolicy
from otklik.surveys.models import SurveyRequest, SurveySettings
from otklik.webhooks.models import WebhookDelivery, WebhookEndpoint
from otklik.workforce.models import (
    HandlingInterval,
    PatternAssignment,
    RotationPattern,
    ScheduleRequest,
    ShiftOverride,
    ShiftTemplate,
    StaffingSimulation,
    StatusInterval,
)

__all__ = [
    "HandlingInterval",
    "StatusInterval",
    "StaffingSimulation",
    "ShiftTemplate",
    "RotationPattern",
    "PatternAssignment",
    "ShiftOverride",
    "ScheduleRequest",
    "Agent",
    "SlaCalendar",
    "SlaCalendarLink",
    "SlaClock",
    "SlaPolicy",
    "SurveyRequest",
    "SurveySettings",
    "Attachment",
    "AttributeDefinition",
    "ConversationTag",
    "Escalation",
    "ReportConversation",
    "ReportFact",
    "ReportHourly",
    "ReportSchedule",
    "AuditEntry",
    "AuthSession",
    "AutomationRule",
    "CannedAnswer",
    "ConfigVersion",
    "Base",
    "Contact",
    "ContactIdentity",
    "Conversation",
    "Event",
    "Inbox",
    "Job",
    "KbArticle",
    "KbCategory",
    "KbDeflection",
    "KbRevision",
    "LoginThrottle",
    "RecoveryCode",
    "ApiToken",
    "Macro",
    "PrivacyExport",
    "PrivacySetting",
    "Message",
    "ScriptFiring",
    "Team",
    "VisitorEmailProof",
    "WorkspaceSetting",
    "TeamMember",
    "WebhookDelivery",
    "WebhookEndpoint",
]
