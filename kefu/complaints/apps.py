from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ComplaintsConfig(AppConfig):
    name = "kefu.complaints"
    verbose_name = _("投诉处理")

    def ready(self) -> None:
        # Imported at start-up, once the models are loaded (kefu.tickets.hooks).
        from kefu.complaints import retention, ticket_hooks
        from kefu.complaints.models import Settings
        from kefu.core import refcache

        ticket_hooks.register()
        refcache.watch(Settings)  # kept per process (kefu.core.refcache)
        # An anonymised customer's copies here are cleared (kefu.core.retention).
        retention.register()
