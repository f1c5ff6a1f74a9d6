from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class NotifyConfig(AppConfig):
    name = "kefu.notify"
    verbose_name = _("通知")

    def ready(self) -> None:
        # Imported at start-up, once the models are loaded (kefu.tickets.hooks).
        from kefu.core import refcache
        from kefu.notify import retention, ticket_hooks
        from kefu.notify.models import EventRule, Template, WebhookEndpoint

        ticket_hooks.register()
        refcache.watch(
            WebhookEndpoint, EventRule, Template
        )  # kept per process (kefu.core.refcache)
        # An anonymised customer's copies here are cleared (kefu.core.retention).
        retention.register()
