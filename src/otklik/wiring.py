"""How the domains react to each other's events, and their job handlers, once per process.

Every cross-domain reaction is one line below: which event, which subscriber, and whether it
acts inside the emitting transaction or after commit. The web app and ``otklik worker`` both
call :func:`install`: a worker that lacked, say, routing would make changes nobody reacts to.

Inside the transaction (they commit or roll back with the change):
- the realtime log writes each event's feed first (``core.events`` does it before any
  subscriber), so live clients hear exactly what committed;
- routing queues and assigns new or reopened conversations and refills freed capacity;
- automation runs greetings, away replies and rules (its rule data comes from a cache);
- a private note's @mentions are recorded (``conversations/mentions.py``);
- SLA clocks start, pause, resume and stop with the conversation (``sla/subscribers.py``);
- a resolved conversation sends its inbox's surveys (``surveys/subscribers.py``);
- workforce records status intervals and who handles which conversation when
  (``workforce/subscribers.py``);
- report facts and their hourly rollups are appended (``reports/subscribers.py``);
- outgoing webhooks write their outbox rows (delivery + job), sent by the job runner after
  commit — an event no endpoint wants costs nothing (endpoints are cached).

Jobs: each domain registers its own handlers (``@job``, ``@io_job``, housekeeping's
``prune_step``) in its own module; importing those modules below is what installs them, so
``otklik.jobs`` knows no domain.
"""

from __future__ import annotations

from otklik.accounts import jobs as _accounts_jobs  # noqa: F401  (housekeeping)
from otklik.accounts.events import AgentStatusChanged
from otklik.attachments import jobs as _attachments_jobs  # noqa: F401  (housekeeping)
from otklik.attachments.personal_data import ATTACHMENTS
from otklik.audit.personal_data import AUDIT
from otklik.channels import base as channel_plugins
from otklik.channels import outbound as _outbound  # noqa: F401  (registers the delivery job)
from otklik.channels.events import ButtonPressed
from otklik.channels.widget import proof_mail as _proof_mail  # noqa: F401  (registers its job)
from otklik.channels.widget.personal_data import EMAIL_PROOFS
from otklik.contacts import import_jobs as _contact_import_jobs  # noqa: F401  (contacts.import)
from otklik.contacts import searching as contact_search
from otklik.contacts import service as contacts
from otklik.contacts import visibility as contact_visibility
from otklik.contacts.personal_data import CONTACTS
from otklik.conversations import counts, mentions
from otklik.conversations import jobs as _conversations_jobs  # noqa: F401  (snooze, auto-resolve)
from otklik.conversations import queries as conversation_queries
from otklik.conversations import searching as message_search
from otklik.conversations.changes import AUTOMATION
from otklik.conversations.events import ConversationCreated, ConversationUpdated, MessageCreated
from otklik.conversations.personal_data import CONVERSATIONS
from otklik.core.events import bus
from otklik.jobs import housekeeping as _housekeeping  # noqa: F401  (maintenance.prune)
from otklik.kb import searching as article_search
from otklik.privacy import jobs as _privacy_jobs  # noqa: F401  (export, retention, pruning)
from otklik.privacy import personal_data
from otklik.privacy.exports import EXPORTS
from otklik.privacy.job_payloads import JOB_PAYLOADS
from otklik.realtime import jobs as _realtime_jobs  # noqa: F401  (event log housekeeping)
from otklik.realtime import log
from otklik.realtime.personal_data import EVENTS
from otklik.reports import jobs as _reports_jobs  # noqa: F401  (scheduled email reports)
from otklik.reports import subscribers as reports
from otklik.routing import events as routing_events
from otklik.routing import jobs as _routing_jobs  # noqa: F401  (routing.drain)
from otklik.routing import service as routing
from otklik.routing.personal_data import ESCALATIONS
from otklik.scripts import engine as automation
from otklik.scripts import searching as canned_search
from otklik.scripts import sla_triggers, survey_triggers
from otklik.scripts import timers as _timers  # noqa: F401  (registers the timer job)
from otklik.search import service as search
from otklik.sla import jobs as _sla_jobs  # noqa: F401  (sla.sweep)
from otklik.sla import subscribers as sla
from otklik.sla.events import SlaBreached, SlaWarning
from otklik.surveys import subscribers as surveys
from otklik.surveys.events import SurveyResponded
from otklik.webhooks import service as webhooks
from otklik.webhooks.personal_data import WEBHOOK_DELIVERIES
from otklik.workforce import schedule_status as _schedule_status  # noqa: F401  (its job)
from otklik.workforce import staffing as _staffing  # noqa: F401  (workforce.simulate)
from otklik.workforce import subscribers as workforce
from otklik.workforce.events import ScheduleChanged


def install() -> None:
    counts.install()
    automation.install()
    webhooks.install()
    surveys.install()
    bus.clear()
    bus.write_feeds_with(log.write_feed, log.write_feed_sync)
    # Who hears of a contact: those who may see one of its conversations.
    contacts.reach_contacts_with(conversation_queries.reaches_of_contacts)

    # What the search box finds (ADR 23): each kind's domain owns its SQL; a new kind (the
    # knowledge base's articles) is one more line. Contacts: those with a visible conversation.
    for kind in (
        message_search.MESSAGES,
        contact_search.CONTACTS,
        canned_search.CANNED,
        article_search.ARTICLES,
    ):
        search.register(kind)
    contact_visibility.visible_contacts_with(conversation_queries.visible_contact_ids)

    # Personal data (ADR 30): what each domain keeps about a contact, how it is exported and
    # erased. A new table about contacts is one more part here (``privacy/personal_data.py``).
    for part in (
        CONVERSATIONS,
        ATTACHMENTS,
        EMAIL_PROOFS,
        ESCALATIONS,
        EVENTS,
        WEBHOOK_DELIVERIES,
        JOB_PAYLOADS,
        EXPORTS,
        AUDIT,
        CONTACTS,
    ):
        personal_data.register(part)

    routed = frozenset({routing_events.CAUSE})
    bus.subscribe(
        ConversationCreated,
        routing.on_conversation_changed,
        ignore_caused_by=routed,
        quiet=routing.quiet_for,
    )
    bus.subscribe(ConversationUpdated, routing.on_conversation_changed, ignore_caused_by=routed)
    bus.subscribe(AgentStatusChanged, routing.on_agent_status_changed, ignore_caused_by=routed)

    # Workforce: status intervals and handling intervals, in the change's transaction.
    bus.subscribe(AgentStatusChanged, workforce.on_status_changed)
    bus.subscribe(ConversationCreated, workforce.on_conversation_changed, quiet=workforce.quiet_for)
    bus.subscribe(ConversationUpdated, workforce.on_conversation_changed)

    # A private note that names operators records their mentions and tells them.
    bus.subscribe(MessageCreated, mentions.on_message_created, quiet=mentions.quiet_for)

    automated = frozenset({AUTOMATION})
    react = automation.on_conversation_event
    bus.subscribe(
        ConversationCreated, react, ignore_caused_by=automated, quiet=automation.quiet_for
    )
    bus.subscribe(ConversationUpdated, react, ignore_caused_by=automated)
    bus.subscribe(MessageCreated, react, ignore_caused_by=automated, quiet=automation.quiet_for)

    # SLA clocks: kept in the change's transaction; on the visitor's path by the predicate.
    bus.subscribe(ConversationCreated, sla.on_created, quiet=sla.quiet_for)
    bus.subscribe(MessageCreated, sla.on_message, quiet=sla.quiet_for)
    bus.subscribe(ConversationUpdated, sla.on_updated)
    bus.subscribe(routing_events.ConversationEscalated, sla.on_escalated)
    bus.subscribe(routing_events.ConversationHandedBack, sla.on_handed_back)
    bus.subscribe(ScheduleChanged, sla.on_schedule_changed)
    bus.subscribe(SlaBreached, sla_triggers.on_sla_alert)

    # Report facts (``reports/tracking.py``): appended in the change's transaction; a
    # customer's message is one UPDATE, done by the predicate on the visitor's path.
    bus.subscribe(ConversationCreated, reports.on_created, quiet=reports.quiet_for)
    bus.subscribe(MessageCreated, reports.on_message, quiet=reports.quiet_for)
    bus.subscribe(ConversationUpdated, reports.on_updated)
    bus.subscribe(routing_events.ConversationEscalated, reports.on_escalated)
    bus.subscribe(routing_events.ConversationHandedBack, reports.on_handed_back)
    bus.subscribe(SlaWarning, sla_triggers.on_sla_alert)

    # Surveys: sent when a conversation is resolved, in the resolving transaction.
    bus.subscribe(ConversationUpdated, surveys.on_conversation_updated)
    bus.subscribe(ButtonPressed, surveys.on_button_pressed)
    bus.subscribe(SurveyResponded, survey_triggers.on_survey_responded)

    for hooked in (
        ConversationCreated,
        ConversationUpdated,
        MessageCreated,
        routing_events.ConversationEscalated,
    ):
        bus.subscribe(hooked, webhooks.on_domain_event, quiet=webhooks.quiet_for)

    channel_plugins.load_entry_points()
