from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DashboardConfig(AppConfig):
    name = "kefu.dashboard"
    verbose_name = _("大屏")
