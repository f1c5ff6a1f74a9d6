from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class TelephonyConfig(AppConfig):
    """The telephone floor: CTI events from the PBX, the caller log, the blacklist and the
    missed-call worklist."""

    name = "kefu.telephony"
    verbose_name = _("话务")

    def ready(self) -> None:
        # Imported at start-up, once the models are loaded (kefu.tickets.hooks).
        from kefu.telephony import retention, ticket_hooks

        ticket_hooks.register()
        # Call records' numbers and recording links expire (kefu.core.retention).
        retention.register()
