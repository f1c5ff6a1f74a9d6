"""``kefu simulate-calls``: a simulated telephone floor posting a PBX's CTI events (callers,
the queue, agents' states) to Kefu's CTI endpoint, for the demo and for benchmarks.

    kefu simulate-calls                       # 8 agents, 60 calls/h, 30 minutes in real time
    kefu simulate-calls --minutes 0           # on until Ctrl-C
    kefu simulate-calls --speed 0 --seed 1    # as fast as the server answers (a benchmark)

The agents are the active agents and team leads (first N by username) unless
``--agent-names`` names them. kefu.telephony.simulator says what is simulated and how.
"""

from __future__ import annotations

import datetime as dt
import logging
import random
import secrets
import shlex
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from kefu.accounts.models import Role, StaffProfile
from kefu.telephony.simulator import CallCenter, PlayReport, Scenario, play

PROGRESS_EVERY = 60.0  # real seconds between progress lines


def staff_agent_names(limit: int) -> list[str]:
    """Usernames of the active agents and team leads, the first ``limit`` by username."""
    return list(
        StaffProfile.objects.filter(user__is_active=True, role__in=[Role.AGENT, Role.TEAM_LEAD])
        .order_by("user__username")
        .values_list("user__username", flat=True)[:limit]
    )


def default_url() -> str:
    if not settings.CTI_TOKEN:
        raise CommandError(
            "no CTI token: set KEFU_CTI_TOKEN to the server's (the demo's is "
            "demo-cti-secret) or pass --url http://HOST/api/v1/cti/TOKEN"
        )
    return f"{settings.SITE_URL}/api/v1/cti/{settings.CTI_TOKEN}"


def masked(url: str) -> str:
    """The endpoint with its secret (the URL's last part) hidden."""
    head, _sep, _token = url.rstrip("/").rpartition("/")
    return f"{head}/***"


class Command(BaseCommand):
    help = (
        "Simulate a telephone floor: post a PBX's CTI events (calls, agents' states) to the "
        "CTI endpoint at a chosen speed, and print the POST latencies and the calls' figures."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--url", default="", help="CTI endpoint (default: SITE_URL's)")
        parser.add_argument("--agents", type=int, default=8, help="how many staff agents")
        parser.add_argument("--agent-names", default="", help="a,b,c: these agents instead")
        parser.add_argument("--calls-per-hour", type=float, default=60.0)
        parser.add_argument("--aht", type=float, default=180.0, help="mean handling, seconds")
        parser.add_argument("--wrapup", type=float, default=30.0, help="wrap-up, seconds")
        parser.add_argument(
            "--patience", type=float, default=90.0, help="callers' mean patience, seconds"
        )
        parser.add_argument(
            "--break-share", type=float, default=0.0, help="share of agents taking breaks"
        )
        parser.add_argument("--minutes", type=float, default=30.0, help="0: until Ctrl-C")
        parser.add_argument(
            "--speed", type=float, default=1.0, help="simulated seconds per second; 0: flat out"
        )
        parser.add_argument("--seed", type=int, default=None)
        parser.add_argument("--queue", default="hotline")

    def handle(self, *args: Any, **options: Any) -> None:
        for name in ("calls_per_hour", "wrapup", "patience", "minutes", "speed"):
            if options[name] < 0:
                raise CommandError(f"--{name.replace('_', '-')} must be >= 0")
        if options["aht"] <= 0:
            raise CommandError("--aht must be > 0")
        if not 0 <= options["break_share"] <= 1:
            raise CommandError("--break-share must be between 0 and 1")
        names = self._agents(options)
        url = options["url"] or default_url()
        seed = options["seed"] if options["seed"] is not None else random.randrange(1_000_000)
        minutes = options["minutes"]
        scenario = Scenario(
            agents=names,
            calls_per_hour=options["calls_per_hour"],
            aht_seconds=options["aht"],
            wrapup_seconds=options["wrapup"],
            patience_seconds=options["patience"],
            break_share=options["break_share"],
            duration_seconds=minutes * 60 or None,
            queue=options["queue"],
            service_seconds=getattr(settings, "TELEPHONY_SERVICE_SECONDS", 20),
        )
        # Unique per run: a run repeated with the same seed makes new calls, not the old ones.
        run_id = f"sim{timezone.localtime():%y%m%d%H%M%S}{secrets.token_hex(2)}"
        self.stdout.write(self._command_line(options, names, seed))
        self.stdout.write(
            f"endpoint {masked(url)}; run {run_id}; agents ({len(names)}): {', '.join(names)}"
        )
        if not minutes:
            self.stdout.write("running until Ctrl-C")
        self.stdout.flush()
        center = CallCenter(scenario, seed=seed, run_id=run_id)
        logging.getLogger("httpx").setLevel(logging.WARNING)  # a line per POST otherwise
        report = play(
            center.events(),
            url,
            speed=options["speed"],
            say=self.stderr.write,
            progress_every=PROGRESS_EVERY if options["speed"] else 0.0,
            on_progress=self._progress,
            service_seconds=scenario.service_seconds,
        )
        for line in report.lines():
            self.stdout.write(line)
        if report.interrupted:
            self.stdout.write("stopped: the open calls were hung up, the agents went offline")
            self.stdout.write(report.summary.line())
        else:
            self.stdout.write(center.summary.line())
        if report.errors and not report.sent:
            raise CommandError("the endpoint refused every event: check --url and the token")

    def _agents(self, options: dict[str, Any]) -> list[str]:
        if options["agent_names"]:
            names = [n.strip() for n in options["agent_names"].split(",") if n.strip()]
            if len(set(names)) != len(names):
                raise CommandError("--agent-names: each name once")
            if not names:
                raise CommandError("--agent-names: no name given")
            return names
        if options["agents"] < 1:
            raise CommandError("--agents must be >= 1")
        names = staff_agent_names(options["agents"])
        if not names:
            raise CommandError(
                "no active staff with the role agent or team lead: add some "
                "(or load the demo: kefu demo), or name them with --agent-names"
            )
        if len(names) < options["agents"]:
            self.stdout.write(
                f"only {len(names)} active agents and team leads, not {options['agents']}: "
                "simulating with them"
            )
        return names

    @staticmethod
    def _command_line(options: dict[str, Any], names: list[str], seed: int) -> str:
        """The command that plays this run again (the same events, under new callIds)."""
        parts = ["kefu", "simulate-calls"]
        if options["url"]:
            parts += ["--url", options["url"]]
        if options["agent_names"]:
            parts += ["--agent-names", ",".join(names)]
        else:
            parts += ["--agents", str(options["agents"])]
        for flag, key in (
            ("--calls-per-hour", "calls_per_hour"),
            ("--aht", "aht"),
            ("--wrapup", "wrapup"),
            ("--patience", "patience"),
            ("--break-share", "break_share"),
            ("--minutes", "minutes"),
            ("--speed", "speed"),
        ):
            parts += [flag, f"{options[key]:g}"]
        parts += ["--seed", str(seed), "--queue", options["queue"]]
        return shlex.join(parts)

    def _progress(self, report: PlayReport, at: float) -> None:
        s = report.summary
        self.stdout.write(
            f"[{dt.timedelta(seconds=int(at))} simulated] {report.sent + report.errors} "
            f"events, {report.errors} errors; calls offered {s.offered}, answered "
            f"{s.answered}, abandoned {s.abandoned}"
        )
        self.stdout.flush()
