"""The ``kefu`` command: ``kefu demo``, ``kefu serve``, ``kefu worker``, ``kefu token create``,
``kefu backup``, ``kefu restore``, and every manage.py command (migrate, createsuperuser,
shell, ...)."""

from __future__ import annotations

import os
import secrets
import sys
from collections.abc import MutableMapping
from pathlib import Path

from django.core.management import execute_from_command_line


def _demo_port(argv: list[str]) -> str:
    """The port ``kefu demo --port N`` (or ``--port=N``) will answer on; 8000 by default."""
    for index, arg in enumerate(argv):
        if arg == "--port" and index + 1 < len(argv) and argv[index + 1].isdigit():
            return argv[index + 1]
        if arg.startswith("--port=") and arg[7:].isdigit():
            return arg[7:]
    return "8000"


def demo_environment(argv: list[str], environ: MutableMapping[str, str]) -> None:
    """The demo runs as a center would, without debug (no tracebacks in the browser), but
    over plain HTTP on this machine, with a secret key of its own kept in its data folder,
    known CTI and inbound-SMS secrets, and links in its SMS and mail (the portal's, a
    survey's) that open the demo itself — each unless the environment says otherwise."""
    environ.setdefault("KEFU_HTTPS", "0")
    environ.setdefault("KEFU_CTI_TOKEN", "demo-cti-secret")
    environ.setdefault("KEFU_SMS_INBOUND_SECRET", "demo-sms-secret")
    environ.setdefault("KEFU_SITE_URL", f"http://127.0.0.1:{_demo_port(argv)}")
    if not environ.get("KEFU_SECRET_KEY"):
        environ["KEFU_SECRET_KEY"] = _demo_secret_key(
            Path(environ.get("KEFU_DATA_DIR") or Path.cwd() / "var")
        )


def _demo_secret_key(data_dir: Path) -> str:
    """The demo's secret key, made on its first run and kept in ``data_dir`` (readable by
    its owner only), so sessions outlive a restart."""
    path = data_dir / "demo-secret-key"
    if not path.exists():
        data_dir.mkdir(parents=True, exist_ok=True)
        descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(descriptor, "w") as out:
            out.write(secrets.token_urlsafe(50))
    return path.read_text().strip()


def main(argv: list[str] | None = None) -> None:
    argv = list(sys.argv if argv is None else argv)
    command = argv[1] if len(argv) > 1 else "help"
    if command == "demo":
        demo_environment(argv, os.environ)
    if command == "worker":
        argv[1] = "schedule" if "--list" in argv else "run_huey"
        if "--list" in argv:
            argv.remove("--list")
    if command == "simulate-calls":
        argv[1] = "simulate_calls"
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "kefu.settings")
    execute_from_command_line(argv)


if __name__ == "__main__":
    main()
