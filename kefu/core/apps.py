from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "kefu.core"
    verbose_name = "基础"

    def ready(self) -> None:
        from kefu.core import refcache, retention
        from kefu.core.models import (
            CalendarDay,
            CalendarYear,
            CenterProfile,
            ForbiddenPhrase,
            WordingSettings,
        )

        # Every deadline reads the working calendar (kept per process: kefu.core.refcache).
        refcache.watch(CalendarDay, CalendarYear)
        # Every text to a customer is checked for forbidden phrases (kefu.core.wording).
        refcache.watch(ForbiddenPhrase, WordingSettings)
        # Every SMS starts with the center's signature; the scripts say its name and hotline.
        refcache.watch(CenterProfile)
        # The audit log's retention period (kefu.core.retention).
        retention.register_core()
        # Each periodic job once per period, however many workers (kefu.core.periodic).
        from huey.contrib.djhuey import HUEY

        from kefu.core import periodic

        periodic.install(HUEY)
