from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SlaConfig(AppConfig):
    name = "kefu.sla"
    verbose_name = _("服务时限")

    def ready(self) -> None:
        # Imported at start-up, once the models are loaded (kefu.tickets.hooks).
        from kefu.core import refcache
        from kefu.sla import ticket_hooks
        from kefu.sla.models import Policy, Target

        ticket_hooks.register()
        refcache.watch(Policy, Target)  # kept per process (kefu.core.refcache)
