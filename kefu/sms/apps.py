from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SmsConfig(AppConfig):
    """Inbound SMS: the gateway's signed webhook, 退订 (unsubscribe)."""

    name = "kefu.sms"
    verbose_name = _("短信渠道")

    def ready(self) -> None:
        # An anonymised customer's copies here are cleared (kefu.core.retention).
        from kefu.sms import retention

        retention.register()
