from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class FollowupsConfig(AppConfig):
    name = "kefu.followups"
    verbose_name = _("回访与满意度")

    def ready(self) -> None:
        # Imported at start-up, once the models are loaded (kefu.tickets.hooks).
        from kefu.followups import retention, ticket_hooks

        ticket_hooks.register()
        # An anonymised customer's copies here are cleared (kefu.core.retention).
        retention.register()
