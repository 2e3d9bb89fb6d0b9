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
from otklik.channels import base as channel_plugins
from otklik.channels import outbound as _outbound  # noqa: F401  (registers the delivery job)
from otklik.channels.widget import proof_mail as _proof_mail  # noqa: F401  (registers its job)
from otklik.contacts import searching as contact_search
from otklik.contacts import service as contacts
from otklik.contacts import visibility as contact_visibility
from otklik.conversations import counts, mentions
from otklik.conversations import jobs as _conversations_jobs  # noqa: F401  (snooze, auto-resolve)
from otklik.conversations import queries as conversation_queries
from otklik.conversations import searching as message_search
from otklik.conversations.changes import AUTOMATION
from otklik.conversations.events import ConversationCreated, ConversationUpdated, MessageCreated
from otklik.core.events import bus
from otklik.jobs import housekeeping as _housekeeping  # noqa: F401  (maintenance.prune)
from otklik.kb import searching as article_search
from otklik.realtime import jobs as _realtime_jobs  # noqa: F401  (event log housekeeping)
from otklik.realtime import log
from otklik.routing import events as routing_events
from otklik.routing import jobs as _routing_jobs  # noqa: F401  (routing.drain)
from otklik.routing import service as routing
from otklik.scripts import engine as automation
from otklik.scripts import searching as canned_search
from otklik.scripts import sla_triggers
from otklik.scripts import timers as _timers  # noqa: F401  (registers the timer job)
from otklik.search import service as search
from otklik.sla import jobs as _sla_jobs  # noqa: F401  (sla.sweep)
from otklik.sla import subscribers as sla
from otklik.sla.events import SlaBreached, SlaWarning
from otklik.webhooks import service as webhooks


def install() -> None:
    counts.install()
    automation.install()
    webhooks.install()
    bus.clear()
    bus.write_feeds_with(log.write_feed, log.write_feed_sync)
    # Who hears of a contact: those who may see one of its conversations.
    contacts.reach_contacts_with(conversation_queries.reaches_of_contact)

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

    routed = frozenset({routing_events.CAUSE})
    bus.subscribe(
        ConversationCreated,
        routing.on_conversation_changed,
        ignore_caused_by=routed,
        quiet=routing.quiet_for,
    )
    bus.subscribe(ConversationUpdated, routing.on_conversation_changed, ignore_caused_by=routed)
    bus.subscribe(AgentStatusChanged, routing.on_agent_status_changed, ignore_caused_by=routed)

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
    bus.subscribe(SlaBreached, sla_triggers.on_sla_alert)
    bus.subscribe(SlaWarning, sla_triggers.on_sla_alert)

    for hooked in (
        ConversationCreated,
        ConversationUpdated,
        MessageCreated,
        routing_events.ConversationEscalated,
    ):
        bus.subscribe(hooked, webhooks.on_domain_event, quiet=webhooks.quiet_for)

    channel_plugins.load_entry_points()
