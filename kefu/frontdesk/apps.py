from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class FrontdeskConfig(AppConfig):
    """The front desk (前台): lost and found (失物招领) — found items, owners' loss reports,
    matching, claims, custody and the hand-over to finance; and the shift (kefu.frontdesk
    .shift) — duty record, morning meeting, handover and sign-in."""

    name = "kefu.frontdesk"
    verbose_name = _("前台服务")

    def ready(self) -> None:
        from kefu.frontdesk import retention

        # The people of the lost and found are cleared after their period (kefu.core.retention).
        retention.register()
