from django.apps import AppConfig
from django.utils.module_loading import autodiscover_modules
from django.utils.translation import gettext_lazy as _


class ReportsConfig(AppConfig):
    name = "kefu.reports"
    verbose_name = _("统计报表")

    def ready(self) -> None:
        # Each app's measures.py declares what it is counted by (kefu.core.measures).
        autodiscover_modules("measures")
