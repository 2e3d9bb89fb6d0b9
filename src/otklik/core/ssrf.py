"""Every outgoing connection to an address an admin typed in, made safe: one policy.

Webhooks, the API channel's reply callbacks, the Telegram Bot API (an inbox's ``api_base``)
and mail servers (IMAP, SMTP) all connect through here. A URL or a host is only a name:
``hooks.example.com`` may resolve to ``127.0.0.1`` or to the cloud's metadata service. So
every connection is checked *after* DNS resolution, goes to the very address that was
checked (no second lookup an attacker's DNS could answer differently), and redirects are
followed by hand — at most :data:`MAX_REDIRECTS`, each checked the same way — or not at all.
Loopback, private, link-local (metadata included), multicast, reserved and other non-global
addresses are refused unless ``OTKLIK_WEBHOOK_ALLOW_HOSTS`` names the host or its network
(the setting is named after the first user of the policy; it is the allow-list of all).

HTTP goes through :func:`post` (webhooks, the API channel) or a :func:`guarded_client`
(the Bot API); mail servers through :func:`open_socket`.
"""

from __future__ import annotations

import asyncio
import ipaddress
import socket
import time
from dataclasses import dataclass
from typing import Any

import httpx

from otklik.config import Settings

MAX_REDIRECTS = 3
SNIPPET_BYTES = 2048
IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
Network = ipaddress.IPv4Network | ipaddress.IPv6Network
#: Cloud metadata services, refused by name even where they would otherwise look global.
METADATA = frozenset(
    {ipaddress.ip_address("169.254.169.254"), ipaddress.ip_address("fd00:ec2::254")}
)


class Refused(Exception):
    """The target (or a redirect) points where Otklik must not connect."""


class RefusedRequest(httpx.ConnectError):
    """A :class:`GuardedTransport` refused the request's host (not worth a retry)."""


class ResolveError(OSError):
    """The name did not resolve (maybe for now: DNS failures are worth a retry)."""


@dataclass(frozen=True, slots=True)
class Policy:
    """What the admin allowed beyond the public internet."""

    hosts: frozenset[str] = frozenset()
    networks: tuple[Network, ...] = ()

    @classmethod
    def from_settings(cls, settings: Settings) -> Policy:
        hosts: set[str] = set()
        networks: list[Network] = []
        for entry in settings.webhook_allow_hosts:
            entry = entry.strip().lower().strip("[]")
            try:
                networks.append(ipaddress.ip_network(entry, strict=False))
            except ValueError:
                hosts.add(entry.rstrip("."))
        return cls(hosts=frozenset(hosts), networks=tuple(networks))

    def allows(self, host: str, address: IPAddress) -> bool:
        if host.lower().rstrip(".") in self.hosts:
            return True
        return any(address in network for network in self.networks)


def forbidden_address(address: IPAddress) -> bool:
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        return forbidden_address(address.ipv4_mapped)
    return (
        address in METADATA
        or address.is_loopback
        or address.is_private
        or address.is_link_local
        or address.is_multicast
        or address.is_reserved
        or address.is_unspecified
        or not address.is_global
    )


async def resolve(host: str, port: int) -> list[IPAddress]:
    try:
        return [ipaddress.ip_address(host)]
    except ValueError:
        pass
    loop = asyncio.get_running_loop()
    try:
        infos = await loop.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except socket.gaierror as exc:
        raise ResolveError(f"cannot resolve {host!r}: {exc.strerror or exc}") from exc
    found: list[IPAddress] = []
    for info in infos:
        address = ipaddress.ip_address(str(info[4][0]).split("%", 1)[0])
        if address not in found:
            found.append(address)
    if not found:
        raise ResolveError(f"cannot resolve {host!r}")
    return found


async def checked_host(host: str, port: int, policy: Policy) -> IPAddress:
    """The address to connect to for ``host``; :class:`Refused` if any address it resolves
    to is off limits (so no choice of address can reach inside)."""
    host = host.strip().strip("[]")
    if not host:
        raise Refused("no host given")
    addresses = await resolve(host, port)
    for address in addresses:
        if forbidden_address(address) and not policy.allows(host, address):
            raise Refused(
                f"{host} resolves to {address}, a non-public address "
                "(allow it with OTKLIK_WEBHOOK_ALLOW_HOSTS)"
            )
    # IPv4 first: a host with an AAAA record but no IPv6 route would otherwise never connect.
    return min(addresses, key=lambda address: address.version)


def refuse_literal(host: str, policy: Policy) -> None:
    """:class:`Refused` at once for a forbidden IP literal (names are checked after
    resolution, when connecting: no DNS lookups while a request holds a transaction)."""
    try:
        address = ipaddress.ip_address(host.strip().strip("[]"))
    except ValueError:
        return
    if forbidden_address(address) and not policy.allows(host, address):
        raise Refused(
            f"{address} is not a public address (an admin can allow it with "
            "OTKLIK_WEBHOOK_ALLOW_HOSTS)"
        )


def check_url(value: str) -> str:
    """``value`` when it is an absolute http(s) URL with a host, else ``ValueError`` (for
    validators: an unparseable URL is the caller's mistake, a 422, not a crash later)."""
    if any(char.isspace() or not char.isprintable() for char in value):
        raise ValueError("a URL has no spaces or control characters (percent-encode them)")
    try:
        url = httpx.URL(value)
    except (httpx.InvalidURL, ValueError, TypeError) as exc:
        raise ValueError(f"not a valid URL ({exc})") from None
    if url.scheme not in ("http", "https"):
        raise ValueError("must be an http:// or https:// URL")
    if not url.host:
        raise ValueError("the URL has no host")
    if url.port is not None and not 0 < url.port < 65536:
        raise ValueError(f"port {url.port} is out of range")
    return value


async def checked_address(url: httpx.URL, policy: Policy) -> IPAddress:
    """The address to connect to for ``url``; :class:`Refused` if it is off limits."""
    if url.scheme not in ("http", "https"):
        raise Refused(f"only http and https URLs are allowed, not {url.scheme!r}")
    if not url.host:
        raise Refused("the URL has no host")
    return await checked_host(url.host, url.port or (443 if url.scheme == "https" else 80), policy)


@dataclass(frozen=True, slots=True)
class Outcome:
    """What the last hop answered."""

    status_code: int
    headers: httpx.Headers
    snippet: str
    duration_ms: int
    url: str


async def post(
    url: str,
    *,
    content: bytes,
    headers: dict[str, str],
    policy: Policy,
    timeout_seconds: float = 10.0,
    transport: httpx.AsyncBaseTransport | None = None,
) -> Outcome:
    """POST ``content`` to ``url`` with the checks above. 307/308 repeat the POST; 301, 302
    and 303 continue with a GET, as browsers do. Network errors (httpx's) and
    :class:`ResolveError` propagate."""
    started = time.monotonic()
    target = httpx.URL(url)
    method = "POST"
    body: bytes | None = content
    # trust_env=False: a proxy from the environment would make its own connection elsewhere.
    async with httpx.AsyncClient(
        timeout=timeout_seconds, follow_redirects=False, trust_env=False, transport=transport
    ) as client:
        for hop in range(MAX_REDIRECTS + 1):
            address = await checked_address(target, policy)
            pinned = target.copy_with(host=str(address))
            hop_headers = {**headers, "Host": _host_header(target)}
            extensions: dict[str, Any] = {}
            if target.scheme == "https":
                extensions["sni_hostname"] = target.host
            request = client.build_request(
                method, pinned, content=body, headers=hop_headers, extensions=extensions
            )
            response = await client.send(request, stream=True)
            try:
                location = response.headers.get("location")
                if response.status_code in (301, 302, 303, 307, 308) and location:
                    if hop == MAX_REDIRECTS:
                        raise Refused(f"more than {MAX_REDIRECTS} redirects")
                    target = target.join(location)
                    if response.status_code in (301, 302, 303):
                        method, body = "GET", None
                        headers = {k: v for k, v in headers.items() if k.lower() != "content-type"}
                    continue
                snippet = await _read_snippet(response)
            finally:
                await response.aclose()
            return Outcome(
                status_code=response.status_code,
                headers=response.headers,
                snippet=snippet,
                duration_ms=int((time.monotonic() - started) * 1000),
                url=str(target),
            )
    raise AssertionError("unreachable")  # pragma: no cover


def _host_header(url: httpx.URL) -> str:
    host = url.host if ":" not in url.host else f"[{url.host}]"
    default = 443 if url.scheme == "https" else 80
    return host if url.port in (None, default) else f"{host}:{url.port}"


async def _read_snippet(response: httpx.Response) -> str:
    data = b""
    async for chunk in response.aiter_bytes():
        data += chunk
        if len(data) >= SNIPPET_BYTES:
            break
    return data[:SNIPPET_BYTES].decode("utf-8", errors="replace")


def _pinned(request: httpx.Request, address: IPAddress) -> httpx.Request:
    """``request`` sent to ``address`` itself, still naming its host (Host header, TLS SNI
    and certificate check), so no second DNS lookup can send it elsewhere."""
    url = request.url
    request.headers["Host"] = _host_header(url)
    if url.scheme == "https":
        request.extensions = {**request.extensions, "sni_hostname": url.host}
    request.url = url.copy_with(host=str(address))
    return request


class GuardedTransport(httpx.AsyncBaseTransport):
    """An httpx transport that checks every request's host against the policy and connects
    to the checked address. Redirects are not followed by the clients that use it."""

    def __init__(self, policy: Policy, inner: httpx.AsyncBaseTransport | None = None) -> None:
        self.policy = policy
        self._inner = inner or httpx.AsyncHTTPTransport()

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        try:
            address = await checked_address(request.url, self.policy)
        except Refused as exc:
            raise RefusedRequest(f"refused: {exc}", request=request) from exc
        return await self._inner.handle_async_request(_pinned(request, address))

    async def aclose(self) -> None:
        await self._inner.aclose()


def guarded_client(policy: Policy, *, timeout: httpx.Timeout | float) -> httpx.AsyncClient:
    """An HTTP client for an admin-typed base URL: policy-checked, no redirects, no proxies
    from the environment (a proxy would make its own connection elsewhere)."""
    return httpx.AsyncClient(
        transport=GuardedTransport(policy),
        timeout=timeout,
        follow_redirects=False,
        trust_env=False,
    )


async def open_socket(
    host: str, port: int, policy: Policy, *, connect_seconds: float
) -> socket.socket:
    """A TCP connection to ``host:port`` (a mail server), made to the checked address.

    The caller hands the connected socket to its protocol library and names ``host`` for
    TLS, so certificates are still checked against the name the admin typed."""
    address = await checked_host(host, port, policy)
    family = socket.AF_INET6 if address.version == 6 else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setblocking(False)
    try:
        async with asyncio.timeout(connect_seconds):
            await asyncio.get_running_loop().sock_connect(sock, (str(address), port))
    except BaseException:
        sock.close()
        raise
    return sock
