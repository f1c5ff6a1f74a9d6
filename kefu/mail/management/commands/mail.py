"""``kefu mail``: take the mailboxes' new mail now, or stay connected and take it as it comes.

kefu mail poll [--mailbox ID]
kefu mail idle [--mailbox ID] [--seconds N]
"""

from __future__ import annotations

import threading
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import close_old_connections

from kefu.mail import services
from kefu.mail.models import Mailbox


class Command(BaseCommand):
    help = "Poll the mailboxes (poll) or wait for new mail with IMAP IDLE (idle)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("action", choices=["poll", "idle"])
        parser.add_argument("--mailbox", type=int, help="one mailbox's id (default: all active)")
        parser.add_argument(
            "--seconds", type=float, default=None, help="idle: stop after this long"
        )

    def handle(
        self, *args: Any, action: str, mailbox: int | None, seconds: float | None, **options: Any
    ) -> None:
        ids = [mailbox] if mailbox else services.active_mailboxes()
        if mailbox and not Mailbox.objects.filter(pk=mailbox).exists():
            raise CommandError(f"no mailbox {mailbox}")
        if not ids:
            self.stdout.write(
                "no active mailbox: add one in the admin (管理后台 → 邮箱) to take mail"
            )
            return
        if action == "poll":
            failed = False
            for pk in ids:
                result = services.poll_mailbox(pk)
                self.stdout.write(_line(result))
                failed = failed or bool(result.error)
            if failed:
                raise CommandError("some mailboxes could not be read")
            return
        threads = [
            threading.Thread(target=_idle, args=(pk, seconds, self.stdout), daemon=True)
            for pk in ids
        ]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()


def _idle(pk: int, seconds: float | None, out: Any) -> None:
    try:
        for result in services.idle_mailbox(pk, stop_after=seconds):
            out.write(_line(result))
    finally:
        close_old_connections()


def _line(result: services.PollResult) -> str:
    if result.busy:
        return f"mailbox {result.mailbox}: busy (another poller holds it)"
    if result.error:
        return f"mailbox {result.mailbox}: error {result.error}"
    return (
        f"mailbox {result.mailbox}: {result.fetched} mails, {result.created} new tickets, "
        f"{result.joined} joined, {result.duplicates} duplicates, "
        f"{result.quarantined} quarantined"
    )
