from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class TriageConfig(AppConfig):
    name = "kefu.triage"
    verbose_name = _("智能分类")

    def ready(self) -> None:
        from kefu.core import refcache  # noqa: PLC0415 - models load first
        from kefu.triage import ticket_hooks  # noqa: PLC0415
        from kefu.triage.models import Matter, TrainedModel  # noqa: PLC0415

        refcache.watch(Matter, TrainedModel)  # kept per process (kefu.core.refcache)
        ticket_hooks.register()
