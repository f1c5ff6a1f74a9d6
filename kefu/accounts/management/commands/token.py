"""``kefu token create --user NAME [--name PURPOSE]``: a new API token, printed as the last line.
``kefu token revoke --prefix kefu_XXXXXXX`` revokes one."""

from __future__ import annotations

from typing import Any

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError, CommandParser

from kefu.accounts.services import create_api_token, revoke_api_tokens
from kefu.core.errors import ServiceError


class Command(BaseCommand):
    help = "Create or revoke API tokens for integrators."

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        create = sub.add_parser("create")
        create.add_argument("--user", required=True)
        create.add_argument("--name", default="")
        revoke = sub.add_parser("revoke")
        revoke.add_argument("--prefix", required=True)

    def handle(self, *args: Any, action: str, **options: Any) -> None:
        if action == "create":
            user = get_user_model().objects.filter(username=options["user"]).first()
            if user is None:
                raise CommandError(f"no user named {options['user']!r}")
            try:
                token, _record = create_api_token(user=user, name=options["name"])
            except ServiceError as exc:
                raise CommandError(exc.detail)
            self.stderr.write(f"API token for {user.username} (shown once, keep it safe):")
            self.stdout.write(token)
        else:
            count = revoke_api_tokens(prefix=options["prefix"])
            self.stdout.write(f"revoked {count} token(s)")
