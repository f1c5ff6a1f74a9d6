from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class ShiftTemplate(models.Model):
    """A shift (班次): when it starts and how long it is worked. Templates are retired
    (is_active off), never deleted: rosters keep pointing at them."""

    code = models.CharField(_("代码"), max_length=8, unique=True)
    name = models.CharField(_("名称"), max_length=40)
    start = models.TimeField(_("上班时间"))
    minutes = models.PositiveSmallIntegerField(_("时长(分钟)"))
    is_night = models.BooleanField(_("夜班"), default=False)
    is_active = models.BooleanField(_("启用"), default=True)

    class Meta:
        ordering = ["start", "code"]
        verbose_name = _("班次")
        verbose_name_plural = _("班次")

    def __str__(self) -> str:
        return f"{self.name} {self.start:%H:%M}"


class AgentWish(models.Model):
    """An agent's standing wishes for rosters: weekdays off (0 = Monday) and no night shift."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="roster_wish"
    )
    weekdays_off = models.JSONField(_("希望休息的星期"), default=list, blank=True)
    no_night = models.BooleanField(_("不上夜班"), default=False)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)

    class Meta:
        verbose_name = _("排班意愿")
        verbose_name_plural = _("排班意愿")


class Roster(models.Model):
    """A roster for the agents over 1–4 weeks. Made by the solver in the background (计算中),
    looked at as a draft (待发布), then published (已发布); a newer published roster for the
    same days supersedes it (已被替代); a draft may be discarded (已作废). Never deleted."""

    class Status(models.TextChoices):
        SOLVING = "solving", _("计算中")
        DRAFT = "draft", _("待发布")
        PUBLISHED = "published", _("已发布")
        SUPERSEDED = "superseded", _("已被替代")
        DISCARDED = "discarded", _("已作废")
        FAILED = "failed", _("计算失败")

    first_day = models.DateField(_("开始日期"))
    weeks = models.PositiveSmallIntegerField(_("周数"))
    status = models.CharField(
        _("状态"), max_length=10, choices=Status.choices, default=Status.SOLVING
    )
    members = models.ManyToManyField(
        settings.AUTH_USER_MODEL, related_name="+", verbose_name=_("排班人员")
    )
    templates = models.ManyToManyField(ShiftTemplate, related_name="+", verbose_name=_("班次"))
    reserve_percent = models.PositiveSmallIntegerField(_("备勤比例(%)"), default=10)
    festival_spare = models.PositiveSmallIntegerField(_("节日备用席位"), default=5)
    max_week_hours = models.PositiveSmallIntegerField(_("周均工时上限"), default=40)
    min_rest_hours = models.PositiveSmallIntegerField(_("班间休息(小时)"), default=12)
    days_off_per_week = models.PositiveSmallIntegerField(_("每周休息天数"), default=2)
    time_limit_seconds = models.PositiveSmallIntegerField(_("计算时限(秒)"), default=45)
    note = models.CharField(_("说明"), max_length=200, blank=True)
    # Per day, 48 half-hour slots: seats needed (Erlang C, after shrinkage) and reserve on top.
    need = models.JSONField(default=list, blank=True)
    reserve = models.JSONField(default=list, blank=True)
    covered = models.JSONField(default=list, blank=True)
    solver_status = models.CharField(_("求解结果"), max_length=10, blank=True)
    solve_seconds = models.FloatField(_("计算用时(秒)"), null=True, blank=True)
    wishes = models.PositiveIntegerField(_("意愿数"), default=0)
    wishes_honoured = models.PositiveIntegerField(_("满足意愿数"), default=0)
    error = models.CharField(_("错误"), max_length=300, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(_("创建时间"))
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    published_at = models.DateTimeField(_("发布时间"), null=True, blank=True)
    closed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    closed_at = models.DateTimeField(_("作废/替代时间"), null=True, blank=True)

    class Meta:
        ordering = ["-first_day", "-id"]
        verbose_name = _("排班表")
        verbose_name_plural = _("排班表")

    def __str__(self) -> str:
        return f"{self.first_day} +{self.weeks}w"

    @property
    def need_seat_hours(self) -> float:
        return sum(sum(day) for day in self.need) / 2

    @property
    def short_seat_hours(self) -> float:
        """Seat-hours needed and not rostered, over the stored days."""
        return (
            sum(
                max(0, n - c)
                for need, covered in zip(self.need, self.covered, strict=False)
                for n, c in zip(need, covered, strict=False)
            )
            / 2
        )


class RosterShift(models.Model):
    """One agent's shift on one day of a roster, with its start and end in time (a night shift
    ends the next day)."""

    roster = models.ForeignKey(Roster, on_delete=models.CASCADE, related_name="shifts")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    day = models.DateField(_("日期"))
    template = models.ForeignKey(ShiftTemplate, on_delete=models.PROTECT, related_name="+")
    starts_at = models.DateTimeField(_("上班"))
    ends_at = models.DateTimeField(_("下班"))

    class Meta:
        ordering = ["day", "starts_at", "user_id"]
        constraints = [
            models.UniqueConstraint(fields=["roster", "user", "day"], name="one_shift_a_day")
        ]
        indexes = [models.Index(fields=["user", "day"])]


class ShiftSwap(models.Model):
    """A swap (调班) an agent asks for: their shift to a colleague and, with ``their_shift``,
    the colleague's shift in return (换班); without it the colleague covers (替班). The
    colleague agrees (待审批) or declines; a planner approves, and the shifts change hands, or
    rejects; the agent may withdraw it until then. Never deleted."""

    class Status(models.TextChoices):
        ASKED = "asked", _("待同事确认")
        AGREED = "agreed", _("待审批")
        APPROVED = "approved", _("已批准")
        DECLINED = "declined", _("同事拒绝")
        REJECTED = "rejected", _("已驳回")
        WITHDRAWN = "withdrawn", _("已撤回")

    OPEN = (Status.ASKED, Status.AGREED)

    shift = models.ForeignKey(
        RosterShift, on_delete=models.PROTECT, related_name="+", verbose_name=_("本人班次")
    )
    their_shift = models.ForeignKey(
        RosterShift,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("对方班次"),
    )
    requester = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    colleague = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    reason = models.CharField(_("原因"), max_length=200)
    status = models.CharField(_("状态"), max_length=10, choices=Status.choices)
    asked_at = models.DateTimeField(_("申请时间"))
    answered_at = models.DateTimeField(_("同事答复时间"), null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    decided_at = models.DateTimeField(_("审批时间"), null=True, blank=True)
    decision_note = models.CharField(_("审批意见"), max_length=200, blank=True)

    class Meta:
        ordering = ["-asked_at", "-id"]
        verbose_name = _("调班申请")
        verbose_name_plural = _("调班申请")


class Leave(models.Model):
    """Days an agent is away (请假: annual, sick, personal leave, training): asked by the agent
    and approved by a planner, or recorded by a planner at once. Approved leave keeps the
    solver from rostering those days and shows as 请假 in attendance. Never deleted: withdrawn,
    rejected or cancelled with who and why."""

    class Kind(models.TextChoices):
        ANNUAL = "annual", _("年假")
        SICK = "sick", _("病假")
        PERSONAL = "personal", _("事假")
        TRAINING = "training", _("培训")
        OTHER = "other", _("其他")

    class Status(models.TextChoices):
        ASKED = "asked", _("待审批")
        APPROVED = "approved", _("已批准")
        REJECTED = "rejected", _("已驳回")
        WITHDRAWN = "withdrawn", _("已撤回")
        CANCELLED = "cancelled", _("已取消")

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("坐席")
    )
    kind = models.CharField(_("类别"), max_length=10, choices=Kind.choices)
    first_day = models.DateField(_("开始日期"))
    last_day = models.DateField(_("结束日期"))
    reason = models.CharField(_("事由"), max_length=200)
    status = models.CharField(_("状态"), max_length=10, choices=Status.choices)
    asked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    asked_at = models.DateTimeField(_("申请时间"))
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    decided_at = models.DateTimeField(_("审批时间"), null=True, blank=True)
    decision_note = models.CharField(_("审批意见"), max_length=200, blank=True)

    class Meta:
        ordering = ["-first_day", "-id"]
        verbose_name = _("请假")
        verbose_name_plural = _("请假")
        indexes = [models.Index(fields=["user", "status", "first_day"], name="leave_user_days")]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(first_day__lte=models.F("last_day")), name="leave_days_order"
            )
        ]

    def __str__(self) -> str:
        return f"{self.user_id} {self.first_day}–{self.last_day}"

    @property
    def days(self) -> int:
        return (self.last_day - self.first_day).days + 1
