from __future__ import annotations

import datetime as dt

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

    class Screening(models.TextChoices):
        NONE = "", _("无")
        REJECTED = "rejected", _("已拒接")
        FLAGGED = "flagged", _("已标记")

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
    # The blacklist's word on an inbound call when it rang: rejected (the PBX was told to
    # refuse it, nobody was popped) or flagged (popped with a warning). Kept as it was then:
    # lifting the entry later does not change what happened to the call.
    screening = models.CharField(
        _("黑名单处理"), max_length=8, choices=Screening.choices, blank=True, default=""
    )
    blacklist_entry = models.ForeignKey(
        "telephony.BlacklistEntry",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="calls",
        verbose_name=_("黑名单"),
    )
    # Where the PBX keeps the call's recording (``recordingUrl`` on hangup), when it does.
    recording_url = models.URLField(_("录音"), max_length=500, blank=True)
    # Set by the retention job (kefu.core.retention): the recording's link cleared after its
    # period (the pages say so); the numbers masked after the call records' period or when
    # the customer was anonymised. The row stays: the statistics count it.
    recording_purged_at = models.DateTimeField(_("录音销毁时间"), null=True, blank=True)
    anonymised_at = models.DateTimeField(_("号码匿名化时间"), null=True, blank=True)
    # The tickets taken on this call (usually one; a caller may report two matters).
    tickets = models.ManyToManyField(
        "tickets.Ticket", blank=True, related_name="calls", verbose_name=_("工单")
    )

    class Meta:
        ordering = ["-started_at"]
        verbose_name = _("通话记录")
        verbose_name_plural = _("通话记录")
        indexes = [
            # The retention job walks only the calls it has not anonymised yet.
            models.Index(
                fields=["started_at"],
                condition=models.Q(anonymised_at__isnull=True),
                name="call_not_anonymised",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.call_id} {self.from_number}→{self.to_number}"

    @property
    def missed(self) -> bool:
        return (
            self.state == self.State.ENDED
            and self.answered_at is None
            and self.screening != self.Screening.REJECTED
        )

    @property
    def rejected(self) -> bool:
        return self.screening == self.Screening.REJECTED

    @property
    def duration_seconds(self) -> int | None:
        if self.answered_at and self.ended_at:
            return int((self.ended_at - self.answered_at).total_seconds())
        return None


class BlacklistEntry(models.Model):
    """A number on the blacklist (黑名单): ``block`` — the PBX is told to reject its calls;
    ``flag`` — its calls are answered, the pop warns the agent (abuse, fraud).

    Never deleted: lifting (解除) keeps the row with who, when and why; every change is in the
    audit log. An entry applies while it is active and ``until`` (blank: no end) has not
    passed — an expired entry stops applying by itself, no job needed. At most one active
    entry per number.
    """

    class Kind(models.TextChoices):
        BLOCK = "block", _("拒接")
        FLAG = "flag", _("标记")

    number = models.CharField(_("号码"), max_length=24, db_index=True)
    kind = models.CharField(_("类型"), max_length=5, choices=Kind.choices)
    reason = models.CharField(_("原因"), max_length=200)
    until = models.DateTimeField(_("截止"), null=True, blank=True)
    is_active = models.BooleanField(_("有效"), default=True)
    added_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("添加人"),
    )
    added_at = models.DateTimeField(_("添加时间"))
    lifted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("解除人"),
    )
    lifted_at = models.DateTimeField(_("解除时间"), null=True, blank=True)
    lift_reason = models.CharField(_("解除原因"), max_length=200, blank=True)

    class Meta:
        ordering = ["-added_at", "-id"]
        verbose_name = _("黑名单")
        verbose_name_plural = _("黑名单")
        constraints = [
            models.UniqueConstraint(
                fields=["number"],
                condition=models.Q(is_active=True),
                name="telephony_one_active_blacklist_entry",
            )
        ]

    def __str__(self) -> str:
        return f"{self.number} ({self.get_kind_display()})"

    def applies_at(self, moment: dt.datetime) -> bool:
        return self.is_active and (self.until is None or self.until > moment)


class MissedCallback(models.Model):
    """未接来电回拨: the missed and abandoned inbound calls of one number on one day (local
    date), to be called back before ``due_at``. Closed by an answered call back, a ticket
    taken from the number, or by hand with a reason; a new missed call the same day reopens it.
    """

    class Status(models.TextChoices):
        OPEN = "open", _("待回拨")
        CLOSED = "closed", _("已关闭")

    class Closing(models.TextChoices):
        CALLED_BACK = "called_back", _("已回拨")
        TICKET = "ticket", _("已受理")
        NOT_NEEDED = "not_needed", _("无需回拨")

    number = models.CharField(_("号码"), max_length=24)
    day = models.DateField(_("日期"))
    customer = models.ForeignKey(Customer, null=True, blank=True, on_delete=models.SET_NULL)
    attempts = models.PositiveIntegerField(_("来电次数"), default=0)
    first_at = models.DateTimeField(_("首次来电"))
    last_at = models.DateTimeField(_("最近来电"))
    due_at = models.DateTimeField(_("回拨时限"))
    status = models.CharField(_("状态"), max_length=8, choices=Status.choices, default=Status.OPEN)
    calls = models.ManyToManyField(
        CallRecord, blank=True, related_name="missed_callbacks", verbose_name=_("通话")
    )
    closed_at = models.DateTimeField(_("关闭时间"), null=True, blank=True)
    closed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("关闭人"),
    )
    closing = models.CharField(_("关闭方式"), max_length=12, choices=Closing.choices, blank=True)
    closing_note = models.CharField(_("说明"), max_length=200, blank=True)
    closing_call = models.ForeignKey(
        CallRecord, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    closing_ticket = models.ForeignKey(
        "tickets.Ticket", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["-last_at"]
        verbose_name = _("未接来电回拨")
        verbose_name_plural = _("未接来电回拨")
        constraints = [
            models.UniqueConstraint(fields=["number", "day"], name="telephony_callback_per_day")
        ]
        indexes = [models.Index(fields=["status", "due_at"], name="telephony_callback_due")]

    def __str__(self) -> str:
        return f"{self.number} {self.day}"

    def overdue_at(self, moment: dt.datetime) -> bool:
        return self.status == self.Status.OPEN and self.due_at < moment


class AgentState(models.Model):
    """A phone agent's state now (示闲/示忙): one row per agent, changed by the PBX's agent
    events, by calls (answering makes the agent 通话中, the end of an answered call 话后处理)
    and by the agent's own state button. Each change closes the agent's open AgentSpan and
    opens the next, so the day's occupancy and wrap-up time are counted from the spans."""

    class State(models.TextChoices):
        OFFLINE = "offline", _("离线")
        READY = "ready", _("就绪")
        ONCALL = "oncall", _("通话中")
        WRAPUP = "wrapup", _("话后处理")
        BREAK = "break", _("小休")

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        primary_key=True,
        related_name="phone_state",
        verbose_name=_("坐席"),
    )
    state = models.CharField(_("状态"), max_length=8, choices=State.choices)
    since = models.DateTimeField(_("开始时间"))
    # Who set it: the PBX (pbx), a call event (call) or the agent's button (agent).
    source = models.CharField(max_length=8, blank=True)
    call = models.ForeignKey(
        CallRecord, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        verbose_name = _("坐席状态")
        verbose_name_plural = _("坐席状态")

    def __str__(self) -> str:
        return f"{self.user_id} {self.state}"


class AgentSpan(models.Model):
    """One stretch of an agent in one state: the history the floor counts occupancy, wrap-up
    time and breaks from. ``ended_at`` is blank while it lasts."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    state = models.CharField(max_length=8, choices=AgentState.State.choices)
    started_at = models.DateTimeField()
    ended_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["started_at", "id"]
        indexes = [
            models.Index(fields=["started_at"], name="telephony_span_started"),
            models.Index(fields=["user", "started_at"], name="telephony_span_user"),
        ]

    def __str__(self) -> str:
        return f"{self.user_id} {self.state} {self.started_at:%H:%M:%S}"


class QueueReport(models.Model):
    """What the PBX last reported of one queue (``event=queue``: calls waiting, longest wait).
    While fresh it is the floor's figure for that queue; otherwise the floor counts the
    queue's ringing inbound calls itself."""

    queue = models.CharField(_("队列"), max_length=60, unique=True)
    waiting = models.PositiveIntegerField(_("排队数"))
    longest_wait_seconds = models.PositiveIntegerField(_("最长等待(秒)"))
    reported_at = models.DateTimeField(_("上报时间"))

    class Meta:
        verbose_name = _("队列状态")
        verbose_name_plural = _("队列状态")

    def __str__(self) -> str:
        return f"{self.queue or '-'}: {self.waiting}"


class LadderTier(models.Model):
    """Who is brought to the phones at one step of the emergency-staffing ladder (应急增援):
    the floating experts, outbound agents, quality staff, back-office staff. ``size`` is how
    many the step asks for (0: all of them)."""

    class Tier(models.TextChoices):
        EXPERTS = "experts", _("浮动专家")
        OUTBOUND = "outbound", _("外呼坐席")
        QUALITY = "quality", _("质检人员")
        BACK_OFFICE = "back_office", _("后台人员")

    tier = models.CharField(_("梯队"), max_length=12, choices=Tier.choices, unique=True)
    members = models.ManyToManyField(
        settings.AUTH_USER_MODEL, blank=True, related_name="+", verbose_name=_("成员")
    )
    size = models.PositiveSmallIntegerField(_("每次调用人数"), default=3)

    class Meta:
        verbose_name = _("应急增援梯队")
        verbose_name_plural = _("应急增援梯队")

    def __str__(self) -> str:
        return str(self.get_tier_display())


class LadderWatch(models.Model):
    """The ladder's watch on the queue (one row): since when more than 5 (and more than 10)
    callers have been waiting without a break, and since when no more than 5."""

    busy_since = models.DateTimeField(null=True, blank=True)
    surge_since = models.DateTimeField(null=True, blank=True)
    calm_since = models.DateTimeField(null=True, blank=True)
    waiting = models.PositiveIntegerField(default=0)
    checked_at = models.DateTimeField(null=True, blank=True)


class LadderStep(models.Model):
    """One step of the emergency-staffing ladder raised on the floor: when, on what queue,
    whom it asks for, who answered it (已安排) and when its people were signed out (撤回).
    Never deleted: the record of the day's emergencies."""

    class Step(models.TextChoices):
        EXPERTS = "experts", _("调用浮动专家")
        OUTBOUND = "outbound", _("调用外呼坐席")
        QUALITY = "quality", _("调用质检人员")
        BACK_OFFICE = "back_office", _("调用后台人员")
        LONGER_SHIFTS = "longer_shifts", _("延长班次")
        OVERTIME = "overtime", _("安排加班")
        NIGHT_ALL = "night_all", _("夜间全员上线")

    step = models.CharField(_("步骤"), max_length=14, choices=Step.choices)
    raised_at = models.DateTimeField(_("提示时间"), db_index=True)
    waiting = models.PositiveIntegerField(_("排队数"))
    longest_wait_seconds = models.PositiveIntegerField(_("最长等待(秒)"), default=0)
    # Whom the step suggests: [{"id": user id, "name": display name}, ...].
    people = models.JSONField(_("建议人员"), default=list, blank=True)
    # For overtime: seats the Erlang C estimate needs beyond the agents on the phones.
    seats_short = models.PositiveIntegerField(_("缺少席位"), null=True, blank=True)
    answered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("响应人"),
    )
    answered_at = models.DateTimeField(_("响应时间"), null=True, blank=True)
    answer_note = models.CharField(_("响应说明"), max_length=200, blank=True)
    sign_out_advised_at = models.DateTimeField(_("提示撤回时间"), null=True, blank=True)
    signed_out_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("撤回确认人"),
    )
    signed_out_at = models.DateTimeField(_("撤回时间"), null=True, blank=True)
    sign_out_note = models.CharField(_("撤回说明"), max_length=200, blank=True)

    class Meta:
        ordering = ["-raised_at", "-id"]
        verbose_name = _("应急增援记录")
        verbose_name_plural = _("应急增援记录")

    def __str__(self) -> str:
        return f"{self.get_step_display()} {self.raised_at:%m-%d %H:%M}"

    @property
    def active(self) -> bool:
        return self.signed_out_at is None


class ForecastEvent(models.Model):
    """A known event that moves the call volume (已知事件): an outage notice, a campaign, a
    billing run. The forecast multiplies its days — or only its ``slots``, the "HH:MM" starts
    of 30-minute slots, empty for the whole day — by (1 + uplift_percent / 100). Never
    deleted: switched off with ``is_active``, so past forecasts can be explained."""

    name = models.CharField(_("名称"), max_length=100)
    starts_on = models.DateField(_("开始日期"))
    ends_on = models.DateField(_("结束日期"))
    uplift_percent = models.IntegerField(_("话务增减(%)"))
    slots = models.JSONField(_("时段"), default=list, blank=True)
    is_active = models.BooleanField(_("有效"), default=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("创建人"),
    )
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)

    class Meta:
        ordering = ["-starts_on", "-id"]
        verbose_name = _("已知事件")
        verbose_name_plural = _("已知事件")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(uplift_percent__gte=-90, uplift_percent__lte=500),
                name="telephony_event_uplift_range",
                violation_error_message=_("话务增减须在 -90% 到 500% 之间"),
            ),
            models.CheckConstraint(
                condition=models.Q(ends_on__gte=models.F("starts_on")),
                name="telephony_event_dates",
                violation_error_message=_("结束日期不能早于开始日期"),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name} {self.starts_on}–{self.ends_on} {self.uplift_percent:+d}%"

    def slot_indexes(self) -> frozenset[int]:
        """The 30-minute slots (0–47) the event applies to; empty: the whole day. Entries that
        are not an "HH:MM" slot start are left out."""
        found = set()
        for text in self.slots or []:
            hours, _sep, minutes = str(text).partition(":")
            if hours.isdigit() and minutes in ("00", "30") and int(hours) < 24:
                found.add(int(hours) * 2 + (minutes == "30"))
        return frozenset(found)
