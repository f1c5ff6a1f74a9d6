from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class TelephonyConfig(AppConfig):
    """The telephone floor: CTI events from the PBX, the caller log."""

    name = "kefu.telephony"
    verbose_name = _("话务")
