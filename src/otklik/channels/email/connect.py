"""Mail-server connections made by the SSRF policy (``core/ssrf.py``), as every outgoing one.

An IMAP or SMTP host is typed by an admin and gets the mailbox password: it is resolved and
checked like a webhook URL, and the client talks over a socket connected to the checked
address, naming the host only for TLS (SNI and the certificate check).
"""

from __future__ import annotations

import asyncio
import socket
import ssl
from typing import Any

from aioimaplib import IMAP4, IMAP4ClientProtocol

from otklik.core import ssrf


class GuardedImap(IMAP4):  # type: ignore[misc]  # aioimaplib has no type hints
    """aioimaplib's client over an already connected socket (TLS on it when ``ssl_context``).

    aioimaplib connects in ``create_client``, which its own ``IMAP4_SSL`` overrides the same
    way; here the connection is made from ``sock`` instead of from a host name."""

    def __init__(
        self,
        *,
        sock: socket.socket,
        host: str,
        port: int,
        timeout: float,
        ssl_context: ssl.SSLContext | None,
    ) -> None:
        self._sock = sock
        super().__init__(host=host, port=port, timeout=timeout, ssl_context=ssl_context)

    def create_client(
        self,
        host: str,
        port: int,
        loop: asyncio.AbstractEventLoop | None,
        conn_lost_cb: Any = None,
        ssl_context: ssl.SSLContext | None = None,
    ) -> None:
        local_loop = loop if loop is not None else asyncio.get_running_loop()
        self.protocol = IMAP4ClientProtocol(local_loop, conn_lost_cb)
        self._client_task = local_loop.create_task(
            local_loop.create_connection(
                lambda: self.protocol,
                sock=self._sock,
                ssl=ssl_context,
                server_hostname=host if ssl_context is not None else None,
            )
        )


async def imap_client(
    *, host: str, port: int, use_ssl: bool, io_seconds: float, policy: ssrf.Policy
) -> GuardedImap:
    """A connected (not yet greeted) IMAP client; :class:`ssrf.Refused` for a host the
    policy refuses."""
    sock = await ssrf.open_socket(host, port, policy, connect_seconds=io_seconds)
    return GuardedImap(
        sock=sock,
        host=host,
        port=port,
        timeout=io_seconds,
        ssl_context=ssl.create_default_context() if use_ssl else None,
    )
