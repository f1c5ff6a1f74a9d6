"""``kefu demo``: migrate the embedded database, load the demo center, print logins, serve."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandParser

from kefu.demo import PHONE_AGENTS, answer_on, living_floor, logins, seed_demo


class Command(BaseCommand):
    help = "Set up and run the demo center on http://127.0.0.1:8000/"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--no-serve", action="store_true", help="load data and stop")
        parser.add_argument("--port", type=int, default=8000)
        parser.add_argument("--customers", type=int, default=300)
        parser.add_argument("--tickets", type=int, default=400)
        parser.add_argument(
            "--no-calls",
            action="store_true",
            help="no simulated calls on the floor (they ring at the phone2x agents)",
        )

    def handle(
        self,
        *args: Any,
        no_serve: bool,
        port: int,
        customers: int,
        tickets: int,
        no_calls: bool,
        **options: Any,
    ) -> None:
        call_command("migrate", interactive=False, verbosity=0)
        answer_on(port)
        self.stdout.write("Loading the demo center (first run takes a minute)…")
        counts = seed_demo(customers=customers, tickets=tickets)
        self.stdout.write(
            f"Demo center: {counts['customers']} customers, {counts['tickets']} tickets."
        )
        self.stdout.write("")
        self.stdout.write("Logins (username / password — role):")
        for username, password, role in logins():
            self.stdout.write(f"  {username:<12} / {password}  — {role}")
        self.stdout.write("")
        self.stdout.write(
            f"API docs: http://127.0.0.1:{port}/api/v1/docs   an API token, from another "
            "terminal here: KEFU_DEBUG=1 .venv/bin/kefu token create --user agent"
        )
        self.stdout.write(
            f"CTI endpoint for the PBX: http://127.0.0.1:{port}/api/v1/cti/{settings.CTI_TOKEN}"
        )
        self.stdout.write(
            f"Customer portal (no login): http://127.0.0.1:{port}/portal/ — the demo's SMS "
            f"(verification codes, replies) are written to {settings.DATA_DIR}/sms.log"
        )
        if settings.SMS_INBOUND_SECRET:
            self.stdout.write(
                f"Inbound SMS webhook: http://127.0.0.1:{port}/api/v1/sms/inbound signed with "
                f"{settings.SMS_INBOUND_SECRET!r} (README, Inbound SMS, shows a signed call)"
            )
        if not no_serve and not no_calls and settings.CTI_TOKEN:
            living_floor(port, settings.CTI_TOKEN)
            self.stdout.write(
                f"Simulated calls ring at the phone agents {PHONE_AGENTS[0][0]}…"
                f"{PHONE_AGENTS[-1][0]}: watch them on http://127.0.0.1:{port}/calls/floor/ "
                "(lead or supervisor) and the wall; --no-calls turns them off"
            )
        self.stdout.write(f"Open http://127.0.0.1:{port}/ and log in.")
        if not no_serve:
            call_command("serve", port=port)
