"""The ``kefu`` command: ``kefu demo``, ``kefu serve``, ``kefu worker``, ``kefu token create``,
``kefu backup``, ``kefu restore``, and every manage.py command (migrate, createsuperuser,
shell, ...)."""

from __future__ import annotations

import os
import sys
from collections.abc import MutableMapping

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
    """The demo is a development set-up: debug on, known CTI and inbound-SMS secrets, and
    links in its SMS and mail (the portal's, a survey's) that open the demo itself — each
    unless the environment says otherwise."""
    environ.setdefault("KEFU_DEBUG", "1")
    environ.setdefault("KEFU_CTI_TOKEN", "demo-cti-secret")
    environ.setdefault("KEFU_SMS_INBOUND_SECRET", "demo-sms-secret")
    environ.setdefault("KEFU_SITE_URL", f"http://127.0.0.1:{_demo_port(argv)}")


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
