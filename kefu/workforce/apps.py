from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class WorkforceConfig(AppConfig):
    """Rosters (排班): shift templates, rosters made by a solver from the seat plan, each
    agent's own schedule and wishes."""

    name = "kefu.workforce"
    verbose_name = _("排班")
