"""Real mail servers for the email channel tests, on 127.0.0.1 and free ports.

* :class:`Dovecot`: Debian's Dovecot started from a generated config in a temp dir
  (passwd-file auth, maildir, no root-owned paths); mail is put in with IMAP APPEND.
* :class:`SmtpSink`: an ``aiosmtpd`` server in the test's event loop that keeps what it
  receives, refuses recipients named ``blocked…`` with a permanent 550 and ``busy…`` with a
  temporary 451.
"""

from __future__ import annotations

import asyncio
import imaplib
import os
import pwd
import shutil
import subprocess
import tempfile
import time
from dataclasses import dataclass, field
from email import message_from_bytes, policy
from email.message import EmailMessage
from pathlib import Path

from aiosmtpd.smtp import SMTP, Envelope, Session

from tests.support import WAIT, free_socket

MAILBOX_USER = "support@example.com"
MAILBOX_PASSWORD = "mailbox-secret"

_CONFIG = """\
base_dir = {root}/run
state_dir = {root}/state
log_path = {root}/dovecot.log
protocols = imap
listen = 127.0.0.1
ssl = no
disable_plaintext_auth = no
auth_mechanisms = plain login
default_internal_user = {internal_user}
default_internal_group = {internal_group}
default_login_user = {login_user}
first_valid_uid = 1
mail_location = maildir:{root}/mail/%u
passdb {{
  driver = passwd-file
  args = scheme=PLAIN username_format=%u {root}/passwd
}}
userdb {{
  driver = static
  args = uid={uid} gid={gid} home={root}/mail/%u
}}
service imap-login {{
  inet_listener imap {{
    address = 127.0.0.1
    port = {port}
  }}
  inet_listener imaps {{
    port = 0
  }}
}}
service stats {{
  unix_listener stats-reader {{
    mode = 0666
  }}
  unix_listener stats-writer {{
    mode = 0666
  }}
}}
"""


def dovecot_binary() -> str:
    found = shutil.which("dovecot") or (
        "/usr/sbin/dovecot" if os.path.exists("/usr/sbin/dovecot") else None
    )
    if found is None:
        raise RuntimeError("Dovecot is not installed: run scripts/ensure-test-services.sh")
    return found


class Dovecot:
    def __init__(self) -> None:
        # A short path: Dovecot's unix sockets live under base_dir (108 bytes at most).
        self.root = Path(tempfile.mkdtemp(prefix="otk-dovecot-"))
        self.port = 0
        self._process: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        for sub in ("run", "state", "mail"):
            (self.root / sub).mkdir()
        if os.geteuid() == 0:
            # Dovecot refuses to run mail processes as root: the mail belongs to "nobody".
            nobody = pwd.getpwnam("nobody")
            uid, gid = nobody.pw_uid, nobody.pw_gid
            internal_user, internal_group, login_user = "dovecot", "dovecot", "dovenull"
            os.chmod(self.root, 0o755)
            os.chown(self.root / "mail", uid, gid)
        else:
            uid, gid = os.getuid(), os.getgid()
            user = pwd.getpwuid(uid).pw_name
            internal_user, login_user = user, user
            internal_group = user
        (self.root / "passwd").write_text(f"{MAILBOX_USER}:{{PLAIN}}{MAILBOX_PASSWORD}\n")
        os.chmod(self.root / "passwd", 0o644)
        sock = free_socket()
        self.port = sock.getsockname()[1]
        sock.close()
        config = self.root / "dovecot.conf"
        config.write_text(
            _CONFIG.format(
                root=self.root,
                port=self.port,
                uid=uid,
                gid=gid,
                internal_user=internal_user,
                internal_group=internal_group,
                login_user=login_user,
            )
        )
        self._process = subprocess.Popen(
            [dovecot_binary(), "-F", "-c", str(config)],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
        )
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            if self._process.poll() is not None:
                raise RuntimeError(f"dovecot exited: {self.log()}")
            try:
                with imaplib.IMAP4("127.0.0.1", self.port, timeout=1) as probe:
                    probe.logout()
                return
            except OSError:
                time.sleep(0.05)
        raise RuntimeError(f"dovecot did not start: {self.log()}")

    def log(self) -> str:
        path = self.root / "dovecot.log"
        return path.read_text() if path.exists() else ""

    def stop(self) -> None:
        if self._process is not None:
            self._process.terminate()
            try:
                self._process.wait(10)
            except subprocess.TimeoutExpired:
                self._process.kill()
                self._process.wait()
            if self._process.stderr is not None:
                self._process.stderr.close()
        shutil.rmtree(self.root, ignore_errors=True)

    def _append(self, raw: bytes, folder: str) -> None:
        with imaplib.IMAP4("127.0.0.1", self.port, timeout=10) as client:
            client.login(MAILBOX_USER, MAILBOX_PASSWORD)
            status, detail = client.append(folder, "", imaplib.Time2Internaldate(time.time()), raw)
            assert status == "OK", detail
            client.logout()

    async def append(self, mail: EmailMessage | bytes, folder: str = "INBOX") -> None:
        raw = mail if isinstance(mail, bytes) else mail.as_bytes()
        await asyncio.to_thread(self._append, raw, folder)


@dataclass
class SmtpSink:
    """Receives our outgoing mail."""

    received: list[EmailMessage] = field(default_factory=list)
    envelopes: list[tuple[str, list[str]]] = field(default_factory=list)
    port: int = 0
    _server: asyncio.Server | None = None
    arrived: asyncio.Event = field(default_factory=asyncio.Event)

    async def handle_RCPT(
        self, server: SMTP, session: Session, envelope: Envelope, address: str, options: list[str]
    ) -> str:
        if address.lower().startswith("blocked"):
            return "550 5.1.1 No such user here"
        if address.lower().startswith("busy"):
            return "451 4.3.0 Mailbox busy, try again later"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:
        raw = envelope.original_content or b""
        mail = message_from_bytes(raw, policy=policy.default)
        assert isinstance(mail, EmailMessage)
        self.received.append(mail)
        self.envelopes.append((str(envelope.mail_from), list(envelope.rcpt_tos)))
        self.arrived.set()
        return "250 2.0.0 Queued"

    async def start(self) -> None:
        sock = free_socket()
        self.port = sock.getsockname()[1]
        sock.listen()
        loop = asyncio.get_running_loop()
        self._server = await loop.create_server(lambda: SMTP(self, hostname="sink"), sock=sock)

    async def stop(self) -> None:
        if self._server is not None:
            self._server.close()
            await self._server.wait_closed()

    async def wait_for(self, count: int, within: float = WAIT) -> list[EmailMessage]:
        deadline = asyncio.get_running_loop().time() + within
        while len(self.received) < count:
            if asyncio.get_running_loop().time() > deadline:
                raise AssertionError(f"{len(self.received)} mails arrived, expected {count}")
            await asyncio.sleep(0.05)
        return self.received
