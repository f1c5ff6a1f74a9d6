"""``kefu rebuild_member_months``: the members' monthly rollup again from all the purchases.

    kefu rebuild_member_months

For a database whose purchases were loaded around the import (a bulk load, a restore of an
older dump); the import and the worker's sweep keep it right otherwise
(kefu.customers.member_months).
"""

from __future__ import annotations

import time
from typing import Any

from django.core.management.base import BaseCommand

from kefu.customers.member_months import rebuild_member_months


class Command(BaseCommand):
    help = "Rebuild the members' monthly purchase rollup (MemberMonth) from the purchases."

    def handle(self, *args: Any, **options: Any) -> None:
        began = time.perf_counter()
        rows = rebuild_member_months()
        self.stdout.write(f"{rows} member months in {time.perf_counter() - began:.1f} s")
