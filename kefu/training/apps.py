from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class TrainingConfig(AppConfig):
    """Training (培训考核): the question bank, exams drawn from it and their results, and the
    operating procedures (作业指导书) staff read and confirm (立标、学标、执标)."""

    name = "kefu.training"
    verbose_name = _("培训考核")
