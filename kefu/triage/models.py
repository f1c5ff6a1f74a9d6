"""Automatic triage (智能分类): what a request is, guessed from its words, and what the agents
confirmed, which the next training learns from.

- ``Matter``: what a request is about (停水, 水费异常, 派送延误, 宽带中断 …), a general list
  every center starts with and edits; collective and repeat complaints are found by it.
- ``TicketLabel``: a ticket's triage — what was proposed at intake with its confidences, and
  the labels the agent confirmed (``confirmed`` names them). Confirmed labels are training data.
- ``TrainedModel``: each training's model and its figures; the newest one answers.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from kefu.tickets.models import Ticket


class Sentiment(models.TextChoices):
    CALM = "calm", _("平静")
    ANXIOUS = "anxious", _("焦急")
    ANGRY = "angry", _("愤怒")
    ABUSIVE = "abusive", _("辱骂")


class Matter(models.Model):
    code = models.SlugField(_("编码"), max_length=30, unique=True)
    name = models.CharField(_("名称"), max_length=30)
    name_en = models.CharField(_("英文名称"), max_length=40, blank=True)
    keywords = models.TextField(
        _("关键词"),
        blank=True,
        help_text=_("说明这一事项的词,空格分隔(如 停水 没水 断水):诉求中出现时优先判为此事项"),
    )
    order = models.PositiveSmallIntegerField(_("排序"), default=0)
    is_active = models.BooleanField(_("启用"), default=True)

    class Meta:
        ordering = ["order", "id"]
        verbose_name = _("诉求事项")
        verbose_name_plural = _("诉求事项")

    def __str__(self) -> str:
        return self.name


class TicketLabel(models.Model):
    ticket = models.OneToOneField(
        Ticket, on_delete=models.PROTECT, primary_key=True, related_name="triage"
    )
    matter = models.CharField(_("诉求事项"), max_length=30, blank=True, db_index=True)
    # Was the matter confirmed or confidently guessed? An unsure one is not matched on alone.
    matter_sure = models.BooleanField(default=False)
    sentiment = models.CharField(_("情绪"), max_length=10, choices=Sentiment.choices, blank=True)
    urgent = models.BooleanField(_("紧急"), default=False)
    complaint_class = models.CharField(_("投诉性质"), max_length=20, blank=True)
    # The labels the agent confirmed (type, urgent, sentiment, matter, complaint_class …).
    confirmed = models.JSONField(default=list, blank=True)
    # What triage proposed at intake: {label: {"value", "confidence"}}.
    predicted = models.JSONField(default=dict, blank=True)
    model = models.ForeignKey(
        "TrainedModel", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    confirmed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("工单分类")
        verbose_name_plural = _("工单分类")

    def __str__(self) -> str:
        return f"{self.ticket_id}: {self.matter}"


class TrainedModel(models.Model):
    created_at = models.DateTimeField(auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    seed = models.IntegerField(default=0)
    # How many examples each label learnt from, how many were the center's own tickets, and
    # the accuracy on the shipped test split (fractions).
    counts = models.JSONField(default=dict)
    tickets = models.PositiveIntegerField(default=0)
    accuracy = models.JSONField(default=dict)
    seconds = models.FloatField(default=0.0)
    fingerprint = models.CharField(max_length=64, blank=True)
    blob = models.BinaryField()

    class Meta:
        ordering = ["-id"]
        verbose_name = _("分类模型")
        verbose_name_plural = _("分类模型")

    def __str__(self) -> str:
        return f"#{self.pk} {self.created_at:%Y-%m-%d %H:%M}"
