"""A throwaway Dovecot IMAP server for the tests: its own config, directories and port.

Debian's ``dovecot-imapd`` must be installed (`make test` installs it when run as root); without
it the tests that need it fail with a message saying so — they never pass silently.
"""

from __future__ import annotations

import imaplib
import os
import pwd
import shutil
import socket
import subprocess
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import pytest

CONFIG = """
protocols = imap
listen = 127.0.0.1
base_dir = {root}/run
state_dir = {root}/state
instance_name = sustain-test-{port}
log_path = {root}/dovecot.log
ssl = no
disable_plaintext_auth = no
auth_mechanisms = plain login{mechanisms}
# A refused sign-in answers at once: the tests refuse on purpose, and are not attackers.
auth_failure_delay = 0
default_internal_user = {user}
default_login_user = {user}
first_valid_uid = {uid}
mail_location = maildir:{root}/mail/%u
passdb {{
  driver = passwd-file
  args = scheme=PLAIN username_format=%u {root}/passwd
}}
{oauth2_passdb}userdb {{
  driver = static
  args = uid={uid} gid={gid} home={root}/home/%u
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
service anvil {{
  chroot =
}}
service imap-login {{
  chroot =
}}
"""
# XOAUTH2 and OAUTHBEARER: Dovecot asks the provider's introspection endpoint (RFC 7662) about
# every token it is shown, as a server at Microsoft or Google checks the tokens it issued.
OAUTH2_PASSDB = """
passdb {{
  driver = oauth2
  mechanisms = xoauth2 oauthbearer
  args = {root}/oauth2.conf
}}
"""
OAUTH2_CONFIG = """
introspection_mode = post
introspection_url = {url}
username_attribute = username
active_attribute = active
active_value = true
"""


@dataclass(frozen=True)
class ImapServer:
    host: str
    port: int
    username: str
    password: str

    def connect(self) -> imaplib.IMAP4:
        conn = imaplib.IMAP4(self.host, self.port, timeout=10)
        conn.login(self.username, self.password)
        return conn

    def append(self, raw: bytes, folder: str = "INBOX") -> None:
        conn = self.connect()
        try:
            status, data = conn.append(folder, "", None, raw)
            assert status == "OK", data
        finally:
            conn.logout()

    def count(self, folder: str, criteria: str = "ALL") -> int:
        conn = self.connect()
        try:
            status, _ = conn.select(f'"{folder}"')
            if status != "OK":
                return 0
            _, data = conn.search(None, criteria)
            return len(data[0].split()) if data and data[0] else 0
        finally:
            conn.logout()


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def _service_user() -> pwd.struct_passwd:
    # Dovecot refuses to run mail processes as root; as root we borrow the package's user.
    if os.geteuid() == 0:
        return pwd.getpwnam("dovecot")
    return pwd.getpwuid(os.geteuid())


@contextmanager
def dovecot(root: Path, *, oauth2_introspection_url: str | None = None) -> Iterator[ImapServer]:
    binary = shutil.which("dovecot") or (
        "/usr/sbin/dovecot" if Path("/usr/sbin/dovecot").exists() else None
    )
    if binary is None:
        pytest.fail(
            "Dovecot is not installed: the IMAP tests need Debian's `dovecot-imapd` "
            "(`apt-get install dovecot-imapd`, which `make test` does as root).",
            pytrace=False,
        )
    user = _service_user()
    port = _free_port()
    for sub in ("run", "state", "mail", "home"):
        (root / sub).mkdir(parents=True, exist_ok=True)
    # Dovecot's mail processes run as the service user and must reach their directories.
    os.chmod(root, 0o755)  # noqa: S103  # a throwaway test directory holding no secrets
    if os.geteuid() == 0:
        for sub in ("mail", "home"):
            os.chown(root / sub, user.pw_uid, user.pw_gid)
    password = "imap-secret"
    (root / "passwd").write_text(f"support@sustain.test:{{PLAIN}}{password}\n")
    oauth2 = {"mechanisms": "", "oauth2_passdb": ""}
    if oauth2_introspection_url:
        (root / "oauth2.conf").write_text(OAUTH2_CONFIG.format(url=oauth2_introspection_url))
        oauth2 = {
            "mechanisms": " xoauth2 oauthbearer",
            "oauth2_passdb": OAUTH2_PASSDB.format(root=root),
        }
    config = root / "dovecot.conf"
    config.write_text(
        CONFIG.format(
            root=root, port=port, user=user.pw_name, uid=user.pw_uid, gid=user.pw_gid, **oauth2
        )
    )
    process = subprocess.Popen(
        [binary, "-F", "-c", str(config)], stdout=subprocess.PIPE, stderr=subprocess.STDOUT
    )
    try:
        _wait_for(port, process, root)
        yield ImapServer("127.0.0.1", port, "support@sustain.test", password)
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()


def _wait_for(port: int, process: subprocess.Popen[bytes], root: Path) -> None:
    deadline = time.monotonic() + 15
    while time.monotonic() < deadline:
        if process.poll() is not None:
            output = process.stdout.read().decode(errors="replace") if process.stdout else ""
            log = (root / "dovecot.log").read_text() if (root / "dovecot.log").exists() else ""
            pytest.fail(f"Dovecot did not start:\n{output}\n{log}", pytrace=False)
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
            return
        except OSError:
            time.sleep(0.1)
    pytest.fail("Dovecot did not open its IMAP port within 15 s", pytrace=False)
