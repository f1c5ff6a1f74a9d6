from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from kefu.customers.models import Customer


class CallRecord(models.Model):
    """One telephone call as the PBX reported it through the CTI endpoint (caller log)."""

    class Direction(models.TextChoices):
        IN = "in", _("呼入")
        OUT = "out", _("呼出")

    class State(models.TextChoices):
        RINGING = "ringing", _("振铃")
        ANSWERED = "answered", _("通话中")
        ENDED = "ended", _("已结束")

    call_id = models.CharField(max_length=100, unique=True)
    direction = models.CharField(_("方向"), max_length=3, choices=Direction.choices)
    from_number = models.CharField(_("主叫"), max_length=40)
    to_number = models.CharField(_("被叫"), max_length=40)
    # The customer's side of the call, normalized: the caller inbound, the callee outbound.
    customer_number = models.CharField(max_length=24, db_index=True, blank=True)
    queue = models.CharField(_("队列"), max_length=60, blank=True)
    users = models.JSONField(default=list, blank=True)
    state = models.CharField(_("状态"), max_length=10, choices=State.choices)
    cause = models.CharField(_("挂断原因"), max_length=30, blank=True)
    answering_number = models.CharField(max_length=60, blank=True)
    customer = models.ForeignKey(Customer, null=True, blank=True, on_delete=models.SET_NULL)
    agent = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL
    )
    started_at = models.DateTimeField(_("开始"), db_index=True)
    answered_at = models.DateTimeField(_("接听"), null=True, blank=True)
    ended_at = models.DateTimeField(_("结束"), null=True, blank=True)
    # Where the PBX keeps the call's recording (``recordingUrl`` on hangup), when it does.
    recording_url = models.URLField(_("录音"), max_length=500, blank=True)
    # The tickets taken on this call (usually one; a caller may report two matters).
    tickets = models.ManyToManyField(
        "tickets.Ticket", blank=True, related_name="calls", verbose_name=_("工单")
    )

    class Meta:
        ordering = ["-started_at"]
        verbose_name = _("通话记录")
        verbose_name_plural = _("通话记录")

    def __str__(self) -> str:
        return f"{self.call_id} {self.from_number}→{self.to_number}"

    @property
    def missed(self) -> bool:
        return self.state == self.State.ENDED and self.answered_at is None

    @property
    def duration_seconds(self) -> int | None:
        if self.answered_at and self.ended_at:
            return int((self.ended_at - self.answered_at).total_seconds())
        return None
