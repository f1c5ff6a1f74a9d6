"""The ``kefu`` command: ``kefu demo``, ``kefu serve``, ``kefu worker``, ``kefu token create``,
and every manage.py command (migrate, createsuperuser, shell, ...)."""

from __future__ import annotations

import os
import sys

from django.core.management import execute_from_command_line


def main(argv: list[str] | None = None) -> None:
    argv = list(sys.argv if argv is None else argv)
    command = argv[1] if len(argv) > 1 else "help"
    if command == "demo":
        # The demo is a development set-up: debug on, known CTI and inbound-SMS secrets,
        # unless told otherwise.
        os.environ.setdefault("KEFU_DEBUG", "1")
        os.environ.setdefault("KEFU_CTI_TOKEN", "demo-cti-secret")
        os.environ.setdefault("KEFU_SMS_INBOUND_SECRET", "demo-sms-secret")
    if command == "worker":
        argv[1] = "schedule" if "--list" in argv else "run_huey"
        if "--list" in argv:
            argv.remove("--list")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "kefu.settings")
    execute_from_command_line(argv)


if __name__ == "__main__":
    main()
