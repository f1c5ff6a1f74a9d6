from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PortalConfig(AppConfig):
    """The customer portal (/portal/): submit and track requests without an account."""

    name = "kefu.portal"
    verbose_name = _("客户自助")

    def ready(self) -> None:
        # An anonymised customer's copies here are cleared (kefu.core.retention).
        from kefu.portal import retention

        retention.register()
