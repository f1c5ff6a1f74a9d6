"""Real servers for the e-mail channel: Debian's dovecot (IMAP) started for the session with a
configuration of our own in a temporary folder, and aiosmtpd (tests/notify) for what goes out."""

from __future__ import annotations

import grp
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
import time
import uuid
from dataclasses import dataclass
from pathlib import Path

import pytest
from imap_tools import MailBoxUnencrypted

from kefu.mail.models import Mailbox
from tests.notify.conftest import free_port, smtp_server  # noqa: F401

DOVECOT = "/usr/sbin/dovecot"
EML = Path(__file__).parent / "eml"


@dataclass
class Imap:
    host: str
    port: int
    user: str
    password: str
    log: Path

    def client(self) -> MailBoxUnencrypted:
        return MailBoxUnencrypted(self.host, self.port).login(self.user, self.password)

    def new_folder(self) -> str:
        name = f"t{uuid.uuid4().hex[:10]}"
        with self.client() as client:
            client.folder.create(name)
        return name

    def append(self, folder: str, *mails: bytes) -> None:
        with self.client() as client:
            for raw in mails:
                client.append(raw, folder)


def dovecot_config(root: Path, port: int) -> str:
    """A dovecot of our own: no SSL, plain logins from a passwd file, maildir in ``root``.
    As root its login processes run as Debian's dovenull user and mail as the dovecot user;
    otherwise everything runs as the current user."""
    if os.getuid() == 0:
        login_user, internal = "dovenull", "dovecot"
        mail = pwd.getpwnam("dovecot")
    else:
        login_user = internal = pwd.getpwuid(os.getuid()).pw_name
        mail = pwd.getpwuid(os.getuid())
    for sub in ("run", "state", "mail", "home"):
        (root / sub).mkdir(parents=True, exist_ok=True)
    if os.getuid() == 0:
        for sub in ("mail", "home"):
            os.chown(root / sub, mail.pw_uid, mail.pw_gid)
    (root / "passwd").write_text("kefu:{PLAIN}imap-secret\n")
    return f"""
base_dir = {root}/run
state_dir = {root}/state
instance_name = kefu-test-{port}
protocols = imap
listen = 127.0.0.1
ssl = no
disable_plaintext_auth = no
auth_mechanisms = plain login
default_internal_user = {internal}
default_internal_group = {grp.getgrgid(pwd.getpwnam(internal).pw_gid).gr_name}
default_login_user = {login_user}
log_path = {root}/dovecot.log
info_log_path = {root}/dovecot.log
mail_location = maildir:{root}/mail/%u
first_valid_uid = 1
mail_privileged_group =
service imap-login {{
  chroot =
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
passdb {{
  driver = passwd-file
  args = scheme=PLAIN username_format=%u {root}/passwd
}}
userdb {{
  driver = static
  args = uid={mail.pw_uid} gid={mail.pw_gid} home={root}/home/%u
}}
"""


@pytest.fixture(scope="session")
def dovecot():
    """Debian's dovecot on a free 127.0.0.1 port for the whole session."""
    if not os.access(DOVECOT, os.X_OK):
        pytest.fail("dovecot is not installed (apt-get install dovecot-imapd; see scripts/test)")
    # Not under pytest's own temporary folder (mode 700): dovecot's users must reach it.
    root = Path(tempfile.mkdtemp(prefix="kefu-dovecot-"))
    os.chmod(root, 0o755)
    port = free_port()
    conf = root / "dovecot.conf"
    conf.write_text(dovecot_config(root, port))
    process = subprocess.Popen(
        [DOVECOT, "-F", "-c", str(conf)], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE
    )
    deadline = time.monotonic() + 15
    while True:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            break
        except OSError:
            if process.poll() is not None or time.monotonic() > deadline:
                process.kill()
                log = (root / "dovecot.log").read_text() if (root / "dovecot.log").exists() else ""
                raise RuntimeError(f"dovecot did not start: {process.stderr.read()!r} {log}")
            time.sleep(0.05)
    yield Imap("127.0.0.1", port, "kefu", "imap-secret", root / "dovecot.log")
    process.terminate()
    try:
        process.wait(timeout=10)
    except subprocess.TimeoutExpired:
        process.kill()
    shutil.rmtree(root, ignore_errors=True)


@pytest.fixture
def imap(dovecot):
    return dovecot


@pytest.fixture
def mailbox(org, dovecot):
    """The center's service mailbox on its own IMAP folder (one per test)."""
    return Mailbox.objects.create(
        name="客服邮箱",
        address="service@water.example.com",
        imap_host=dovecot.host,
        imap_port=dovecot.port,
        use_ssl=False,
        username=dovecot.user,
        password=dovecot.password,
        folder=dovecot.new_folder(),
    )


def eml(name: str, **replace: str) -> bytes:
    raw = (EML / name).read_bytes()
    for key, value in replace.items():
        raw = raw.replace(key.encode(), value.encode())
    return raw
