"""Connect the domains' in-transaction reactions and job handlers, once per process.

The web app and ``otklik worker`` both call :func:`install`: a worker that lacked, say, the
routing listener would make changes nobody reacts to."""

from __future__ import annotations

from otklik.channels import base as channel_plugins
from otklik.channels import outbound as _outbound  # noqa: F401  (registers the delivery job)
from otklik.conversations import counts
from otklik.jobs import handlers as _handlers  # noqa: F401  (registers the core jobs)
from otklik.routing import service as routing
from otklik.scripts import engine as scripts
from otklik.scripts import timers as _timers  # noqa: F401  (registers the timer job)
from otklik.webhooks import service as webhooks


def install() -> None:
    counts.install()
    routing.install()
    scripts.install()
    webhooks.install()
    channel_plugins.load_entry_points()
