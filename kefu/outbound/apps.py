from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class OutboundConfig(AppConfig):
    """Outbound lists (外呼): numbers to call for a campaign, worked through by agents with
    the campaign's script, each outcome recorded, retried by rule."""

    name = "kefu.outbound"
    verbose_name = _("外呼")

    def ready(self) -> None:
        # An anonymised customer's copies here are cleared (kefu.core.retention).
        from kefu.outbound import retention, shift_sources, win_back

        retention.register()
        # A front-desk handover collects the appointments due (kefu.frontdesk.providers).
        shift_sources.register()
        # The member analyses show what came of calling churned members (kefu.customers).
        win_back.register()
