"""``kefu serve``: the web server (HTTP + websockets) with the background worker in-process."""

from __future__ import annotations

import logging
import threading
from typing import Any

import uvicorn
from django.conf import settings
from django.core.management.base import BaseCommand, CommandParser
from django.utils.module_loading import autodiscover_modules
from huey.contrib.djhuey import HUEY

from kefu.tickets.search import tokenize_for_index
from kefu.triage import services as triage

logger = logging.getLogger(__name__)


class Command(BaseCommand):
    help = "Run the Kefu server (uvicorn, ASGI) and, unless --no-worker, its huey worker."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--host", default="127.0.0.1")
        parser.add_argument("--port", type=int, default=8000)
        parser.add_argument(
            "--no-worker",
            action="store_true",
            help="run the worker separately (kefu worker), e.g. with Redis",
        )
        parser.add_argument("--access-log", action="store_true")

    def handle(
        self,
        *args: Any,
        host: str,
        port: int,
        no_worker: bool,
        access_log: bool,
        **options: Any,
    ) -> None:
        tokenize_for_index("预热分词词典")  # load jieba's dictionary before the first request
        # The triage model (the starter one is fitted: seconds) loads beside the server.
        threading.Thread(target=triage.warm_up, name="triage-warm-up", daemon=True).start()
        consumer = None
        if not no_worker and not settings.HUEY.get("immediate"):
            autodiscover_modules("tasks")  # register every app's tasks, as run_huey does
            options = {"workers": 2, "worker_type": "thread"} | settings.HUEY.get("consumer", {})
            consumer = HUEY.create_consumer(**options, periodic=True)
            consumer.start()
        self.stdout.write(f"Kefu is serving on http://{host}:{port}/", ending="\n")
        self.stdout.flush()
        try:
            uvicorn.run(
                "kefu.asgi:application",
                host=host,
                port=port,
                log_level="info",
                access_log=access_log,
                lifespan="off",
                ws="auto",
            )
        finally:
            if consumer is not None:
                consumer.stop(graceful=True)
