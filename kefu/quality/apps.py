from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class QualityConfig(AppConfig):
    """Quality (质检): scorecards, the period's sample of each agent's work, inspections with
    their scores, send-backs for a fix (业务稽查 整改), appeals, and the agent's evaluation."""

    name = "kefu.quality"
    verbose_name = _("质检")
