"""Work orders (派工单) for departments and field staff, their dispatch messages, the phone
calls made when an SMS could not go out, their tracking record (跟踪记录), and the data a center
configures: crews, each branch's dispatch desk, message templates and deadline rules.

Nothing here is ever deleted: an order is cancelled or closed, a re-dispatch adds to its
history, a tracking record is only ever appended.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import TYPE_CHECKING

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from kefu.accounts.models import Branch, Department, ServiceArea
from kefu.core.models import transitions_of
from kefu.customers.models import Customer

if TYPE_CHECKING:
    from django_stubs_ext import StrPromise


class WorkOrderKind(models.TextChoices):
    REPAIR = "repair", _("维修")
    PICKUP = "pickup", _("上门取件")
    DELIVERY = "delivery", _("送货")
    INSTALL = "install", _("安装")
    SURVEY = "survey", _("现场查勘")
    OTHER = "other", _("其他")


Kind = WorkOrderKind  # the name the code uses; WorkOrderKind names it in the API schema


# The freight kinds (DOMAIN §3, the logistics seed) and the fields only they carry: a repair
# has no 重量, 体积 or 收货人.
FREIGHT_KINDS = (Kind.PICKUP, Kind.DELIVERY)
FREIGHT_FIELDS = (
    "quantity",
    "weight",
    "volume",
    "destination",
    "consignee",
    "consignee_phone",
    "payment",
    "charges",
)


class WorkOrderSource(models.TextChoices):
    """How the order reached the center: a web order must be verified by phone first."""

    PHONE = "phone", _("电话")
    WEB = "web", _("网上下单")
    TICKET = "ticket", _("工单转派")
    API = "api", _("接口")


Source = WorkOrderSource  # WorkOrderSource names it in the API schema


class WorkOrderStatus(models.TextChoices):
    PENDING = "pending", _("待派工")
    DISPATCHED = "dispatched", _("已派工")
    ACCEPTED = "accepted", _("已接单")
    EN_ROUTE = "en_route", _("出发中")
    ON_SITE = "on_site", _("已到场")
    COMPLETED = "completed", _("已完工")
    RETURNED = "returned", _("已退单")
    CLOSED = "closed", _("已销账")
    CANCELLED = "cancelled", _("已撤销")


Status = WorkOrderStatus  # WorkOrderStatus names it in the API schema


# The order is out with the field: the ticket it came from cannot be resolved yet.
OPEN_STATUSES = (
    Status.PENDING,
    Status.DISPATCHED,
    Status.ACCEPTED,
    Status.EN_ROUTE,
    Status.ON_SITE,
    Status.COMPLETED,
    Status.RETURNED,
)
# Still to be done in the field: deadlines and chasing apply.
FIELD_STATUSES = (Status.DISPATCHED, Status.ACCEPTED, Status.EN_ROUTE, Status.ON_SITE)
FINAL_STATUSES = (Status.CLOSED, Status.CANCELLED)


class Crew(models.Model):
    """A field crew (班组) of a department; an order sent to a crew goes to its leader's phone."""

    department = models.ForeignKey(
        Department, on_delete=models.PROTECT, related_name="crews", verbose_name=_("部门")
    )
    name = models.CharField(_("名称"), max_length=60)
    leader = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="led_crews",
        verbose_name=_("班组长"),
    )
    members = models.ManyToManyField(
        settings.AUTH_USER_MODEL, blank=True, related_name="crews", verbose_name=_("成员")
    )
    is_active = models.BooleanField(_("启用"), default=True)

    class Meta:
        ordering = ["department__code", "name"]
        verbose_name = _("班组")
        verbose_name_plural = _("班组")
        constraints = [
            models.UniqueConstraint(fields=["department", "name"], name="dispatch_crew_name")
        ]

    def __str__(self) -> str:
        return f"{self.name}({self.department.name})"


# A time of day as a center writes it: 9:30, 09:30, 15:00.
CLOCK = re.compile(r"(?:[01]?\d|2[0-3]):[0-5]\d")


class DispatchDesk(models.Model):
    """A branch's dispatch desk: who gets the copy of each order, who is told when chasing
    does not help, and when the desk checks and chases."""

    branch = models.OneToOneField(
        Branch, on_delete=models.PROTECT, related_name="dispatch_desk", verbose_name=_("分支机构")
    )
    dispatcher = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("调度员"),
        help_text=_("每张派工单抄送此人;派工时可另选"),
    )
    manager = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("分公司经理"),
        help_text=_("催办仍未处理时通知此人"),
    )
    check_after_minutes = models.PositiveSmallIntegerField(_("派工后检查(分钟)"), default=60)
    chase_times = models.CharField(
        _("催办时间"),
        max_length=60,
        default="10:00,15:00",
        help_text=_("每天催办超期派工单的时间,用逗号分隔,如 10:00,15:00"),
    )

    class Meta:
        verbose_name = _("调度台")
        verbose_name_plural = _("调度台")

    def __str__(self) -> str:
        return str(self.branch)

    def clean(self) -> None:
        """Refuse chase times the sweep could not read: ``HH:MM`` entries, at least one.
        Stored normalized (ASCII commas, no spaces, in order, each once)."""
        if not self.chase_times:
            return  # the field's own check already says it is required
        parts = [p.strip() for p in (self.chase_times or "").replace(",", ",").split(",")]
        times = set()
        for part in filter(None, parts):
            if not CLOCK.fullmatch(part):
                raise ValidationError(
                    {
                        "chase_times": ValidationError(
                            _("催办时间应为 时:分,如 10:00,15:00(“%(part)s”无效)"),
                            params={"part": part[:10]},
                        )
                    }
                )
            times.add(dt.time.fromisoformat(part.zfill(5)))
        if not times:
            raise ValidationError({"chase_times": _("请至少填写一个催办时间,如 10:00")})
        self.chase_times = ",".join(t.strftime("%H:%M") for t in sorted(times))

    def chase_clock(self) -> list[dt.time]:
        """The chase times as times of day; a malformed entry is skipped (the admin form
        refuses them, this keeps a hand-edited row from stopping the sweep)."""
        times = []
        for part in self.chase_times.replace(",", ",").split(","):
            try:
                times.append(dt.time.fromisoformat(part.strip()))
            except ValueError:
                continue
        return sorted(times)


class MessageTemplate(models.Model):
    """The dispatch SMS of one kind of order: placeholders in braces, at most 70 characters
    once filled in (see kefu.dispatch.message for the shortening rule)."""

    kind = models.CharField(_("派工类型"), max_length=12, choices=Kind.choices, unique=True)
    text = models.CharField(_("模板"), max_length=300)
    is_active = models.BooleanField(_("启用"), default=True)

    class Meta:
        ordering = ["kind"]
        verbose_name = _("派工短信模板")
        verbose_name_plural = _("派工短信模板")

    def __str__(self) -> str:
        return self.get_kind_display()


class DeadlineRule(models.Model):
    """How an order's due time is set. The first active rule that matches the order's kind
    and source (blank matches all), in ``order``, decides. Times are on the working calendar.

    - ``cutoff`` (the logistics pickup rule): ordered before ``cutoff_early`` → by
      ``due_early`` the same working day; before ``cutoff_late`` → by closing time the same
      day; later, or on a day off → by ``due_morning`` the next working day.
    - ``business``: ``minutes`` of business time (opening–closing of working days).
    - ``calendar``: ``minutes`` of clock time, nights and holidays included.
    - ``verify`` (web orders, before dispatch): placed between opening and closing of a
      working day → within ``minutes``; else → ``minutes`` after the next working opening.
    """

    class Method(models.TextChoices):
        CUTOFF = "cutoff", _("截单时间规则")
        BUSINESS = "business", _("工作时间时长")
        CALENDAR = "calendar", _("自然时长")
        VERIFY = "verify", _("网上订单核实")

    name = models.CharField(_("名称"), max_length=60)
    kind = models.CharField(_("派工类型"), max_length=12, choices=Kind.choices, blank=True)
    source = models.CharField(_("来源"), max_length=10, choices=Source.choices, blank=True)
    method = models.CharField(_("计算方式"), max_length=10, choices=Method.choices)
    minutes = models.PositiveIntegerField(_("时长(分钟)"), default=0)
    opening = models.TimeField(_("上班时间"), default=dt.time(8, 30))
    closing = models.TimeField(_("下班时间"), default=dt.time(17, 30))
    cutoff_early = models.TimeField(_("上午截单"), default=dt.time(11, 0))
    due_early = models.TimeField(_("上午截单的完成时间"), default=dt.time(15, 0))
    cutoff_late = models.TimeField(_("下午截单"), default=dt.time(16, 0))
    due_morning = models.TimeField(_("次日上午完成时间"), default=dt.time(12, 0))
    order = models.PositiveSmallIntegerField(_("排序"), default=0)
    is_active = models.BooleanField(_("启用"), default=True)

    class Meta:
        ordering = ["order", "id"]
        verbose_name = _("派工时限规则")
        verbose_name_plural = _("派工时限规则")

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        """Refuse times that contradict each other (the admin shows the messages by field)."""
        errors: dict[str, str | StrPromise] = {}
        if None not in (self.opening, self.closing) and not self.opening < self.closing:
            errors["closing"] = _("下班时间应晚于上班时间")
        if self.method == self.Method.CUTOFF:
            times = (self.cutoff_early, self.cutoff_late, self.due_early)
            if None not in times:
                if not self.cutoff_early < self.cutoff_late:
                    errors["cutoff_late"] = _("下午截单应晚于上午截单")
                if not self.cutoff_early < self.due_early:
                    errors["due_early"] = _("上午截单的完成时间应晚于上午截单")
        elif self.method and not self.minutes:
            errors["minutes"] = _("请填写时长,应大于 0")
        if errors:
            raise ValidationError(errors)


class WorkOrder(models.Model):
    # action → (statuses it may start from, status it leads to). ``dispatch`` from a field
    # status or from returned is a re-dispatch: a new assignee, the history kept.
    ACTIONS: dict[str, tuple[frozenset[str], str]] = {
        "dispatch": (
            frozenset(
                {
                    Status.PENDING,
                    Status.DISPATCHED,
                    Status.ACCEPTED,
                    Status.EN_ROUTE,
                    Status.ON_SITE,
                    Status.RETURNED,
                }
            ),
            Status.DISPATCHED,
        ),
        "accept": (frozenset({Status.DISPATCHED}), Status.ACCEPTED),
        "depart": (frozenset({Status.ACCEPTED}), Status.EN_ROUTE),
        "arrive": (frozenset({Status.ACCEPTED, Status.EN_ROUTE}), Status.ON_SITE),
        "complete": (frozenset({Status.ON_SITE}), Status.COMPLETED),
        "return": (
            frozenset({Status.DISPATCHED, Status.ACCEPTED, Status.EN_ROUTE, Status.ON_SITE}),
            Status.RETURNED,
        ),
        # The center checks the result: 销账, or back to the field when it is not right.
        "close": (frozenset({Status.COMPLETED}), Status.CLOSED),
        "reject": (frozenset({Status.COMPLETED}), Status.DISPATCHED),
        "cancel": (
            frozenset(
                {
                    Status.PENDING,
                    Status.DISPATCHED,
                    Status.ACCEPTED,
                    Status.EN_ROUTE,
                    Status.ON_SITE,
                    Status.RETURNED,
                }
            ),
            Status.CANCELLED,
        ),
    }
    ALLOWED_TRANSITIONS = transitions_of(ACTIONS)

    class Confirmation(models.TextChoices):
        NONE = "", _("未确认")
        SIGNATURE = "signature", _("客户签名")
        CODE = "code", _("确认码")

    serial = models.CharField(_("派工单号"), max_length=20, unique=True)
    ticket = models.ForeignKey(
        "tickets.Ticket",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="work_orders",
        verbose_name=_("来源工单"),
    )
    kind = models.CharField(_("派工类型"), max_length=12, choices=Kind.choices)
    source = models.CharField(_("来源"), max_length=10, choices=Source.choices)
    status = models.CharField(
        _("状态"), max_length=12, choices=Status.choices, default=Status.PENDING
    )

    branch = models.ForeignKey(Branch, on_delete=models.PROTECT, verbose_name=_("分支机构"))
    department = models.ForeignKey(
        Department, on_delete=models.PROTECT, related_name="work_orders", verbose_name=_("部门")
    )
    crew = models.ForeignKey(
        Crew, null=True, blank=True, on_delete=models.PROTECT, verbose_name=_("班组")
    )
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="work_orders",
        verbose_name=_("外勤人员"),
    )
    dispatcher = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="copied_work_orders",
        verbose_name=_("抄送调度员"),
    )

    customer = models.ForeignKey(
        Customer,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="work_orders",
        verbose_name=_("客户"),
    )
    customer_name = models.CharField(_("客户/发货人"), max_length=40, blank=True)
    customer_phone = models.CharField(_("客户电话"), max_length=24)
    area = models.ForeignKey(
        ServiceArea, null=True, blank=True, on_delete=models.PROTECT, verbose_name=_("片区")
    )
    address = models.CharField(_("地址"), max_length=200)
    # What the dispatch message carries (the seed's order, DOMAIN §3).
    goods = models.CharField(_("货物/故障"), max_length=200)
    quantity = models.CharField(_("件数"), max_length=20, blank=True)
    weight = models.CharField(_("重量"), max_length=20, blank=True)
    volume = models.CharField(_("体积"), max_length=20, blank=True)
    destination = models.CharField(_("目的地"), max_length=60, blank=True)
    consignee = models.CharField(_("收货人"), max_length=40, blank=True)
    consignee_phone = models.CharField(_("收货人电话"), max_length=24, blank=True)
    payment = models.CharField(_("付款方式"), max_length=20, blank=True)
    charges = models.CharField(_("附加费用"), max_length=40, blank=True)
    hint = models.CharField(_("提示"), max_length=100, blank=True)

    window_start = models.DateTimeField(_("预约开始"), null=True, blank=True)
    window_end = models.DateTimeField(_("预约结束"), null=True, blank=True)
    ordered_at = models.DateTimeField(_("下单时间"))
    verify_due_at = models.DateTimeField(_("核实期限"), null=True, blank=True)
    verified_at = models.DateTimeField(_("核实时间"), null=True, blank=True)
    due_at = models.DateTimeField(_("完成期限"), null=True, blank=True)
    due_rule = models.CharField(_("时限规则"), max_length=60, blank=True)

    dispatched_at = models.DateTimeField(_("派工时间"), null=True, blank=True)
    dispatched_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("派工人"),
    )
    accepted_at = models.DateTimeField(_("接单时间"), null=True, blank=True)
    departed_at = models.DateTimeField(_("出发时间"), null=True, blank=True)
    arrived_at = models.DateTimeField(_("到场时间"), null=True, blank=True)
    completed_at = models.DateTimeField(_("完工时间"), null=True, blank=True)
    closed_at = models.DateTimeField(_("销账时间"), null=True, blank=True)

    result = models.TextField(_("处理结果"), blank=True)
    materials = models.TextField(_("用料"), blank=True)
    confirmation = models.CharField(
        _("客户确认"), max_length=10, choices=Confirmation.choices, blank=True, default=""
    )
    confirmation_code = models.CharField(_("确认码"), max_length=8, blank=True)
    signature = models.FileField(_("客户签名"), upload_to="signatures/", blank=True)
    # Set when the retention job destroyed the signature's file (kefu.core.retention).
    signature_purged_at = models.DateTimeField(_("签名销毁时间"), null=True, blank=True)
    return_reason = models.TextField(_("退单原因"), blank=True)

    # Follow-up: the check an hour after dispatch, the chases of an overdue order.
    check_at = models.DateTimeField(_("检查时间"), null=True, blank=True)
    next_chase_at = models.DateTimeField(_("下次催办"), null=True, blank=True)
    chase_count = models.PositiveSmallIntegerField(_("催办次数"), default=0)

    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("受理人"),
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-ordered_at", "-id"]
        verbose_name = _("派工单")
        verbose_name_plural = _("派工单")
        indexes = [
            models.Index(fields=["status", "-ordered_at"], name="wo_status_recent"),
            models.Index(fields=["ordered_at"], name="wo_ordered"),  # the reports' period
            models.Index(fields=["department", "status"], name="wo_dept_status"),
            models.Index(fields=["assignee", "status"], name="wo_assignee_status"),
            # The sweeps walk only the orders still out in the field.
            models.Index(
                fields=["check_at"],
                condition=models.Q(check_at__isnull=False),
                name="wo_check_due",
            ),
            models.Index(
                fields=["next_chase_at"],
                condition=models.Q(next_chase_at__isnull=False),
                name="wo_chase_due",
            ),
        ]

    def __str__(self) -> str:
        return self.serial

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_STATUSES

    @property
    def is_overdue(self) -> bool:
        return (
            self.due_at is not None
            and self.status in (Status.PENDING, *FIELD_STATUSES, Status.RETURNED)
            and self.due_at < timezone.now()
        )

    def allowed_actions(self) -> list[str]:
        return [a for a, (sources, _t) in self.ACTIONS.items() if self.status in sources]


# The words for the actions on an order and the lines of its tracking record (desk and phone).
ACTION_LABELS = {
    "dispatch": _("派工"),
    "redispatch": _("改派"),
    "accept": _("接单"),
    "depart": _("出发"),
    "arrive": _("到场"),
    "complete": _("完工"),
    "return": _("退单"),
    "close": _("销账"),
    "reject": _("退回重做"),
    "cancel": _("撤销"),
    "verify": _("电话核实"),
    "create": _("新建"),
    "edit": _("修改"),
    "sent": _("已发送"),
    "resent": _("补发成功"),
    "failed": _("发送失败"),
    "void": _("作废"),
    "resend": _("手动补发"),
    "reached": _("已接通"),
    "unreachable": _("未接通"),
    "check": _("检查"),
    "chase": _("催办"),
    "escalate": _("上报"),
}


class TrackingRecord(models.Model):
    """One line of an order's tracking record (跟踪记录): a state change, a dispatch message, a
    phone call, a check, a chase, or a note. Written by the services only, never changed."""

    class Kind(models.TextChoices):
        CREATED = "created", _("登记")
        STATUS = "status", _("状态变更")
        MESSAGE = "message", _("派工短信")
        CALL = "call", _("电话通知")
        CHECK = "check", _("派工检查")
        CHASE = "chase", _("催办")
        NOTE = "note", _("跟踪备注")
        PHOTO = "photo", _("照片")

    order = models.ForeignKey(WorkOrder, on_delete=models.PROTECT, related_name="tracking")
    at = models.DateTimeField(_("时间"))
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    kind = models.CharField(_("类别"), max_length=10, choices=Kind.choices)
    action = models.CharField(max_length=20, blank=True)
    from_status = models.CharField(max_length=12, blank=True)
    to_status = models.CharField(max_length=12, blank=True)
    note = models.TextField(_("内容"), blank=True)
    data = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["at", "id"]
        verbose_name = _("跟踪记录")
        verbose_name_plural = _("跟踪记录")
        indexes = [models.Index(fields=["order", "at"], name="wo_tracking_order")]


class DispatchMessage(models.Model):
    """The dispatch SMS to one recipient (the field staff member, the crew leader, or the
    dispatcher's copy) for one dispatch of an order; a re-dispatch writes new ones."""

    class Role(models.TextChoices):
        ASSIGNEE = "assignee", _("外勤人员")
        COPY = "copy", _("调度员抄送")

    class State(models.TextChoices):
        QUEUED = "queued", _("待发送")
        SENT = "sent", _("已发送")
        FAILED = "failed", _("发送失败")
        VOID = "void", _("已作废")

    order = models.ForeignKey(WorkOrder, on_delete=models.PROTECT, related_name="messages")
    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+"
    )
    role = models.CharField(_("接收角色"), max_length=10, choices=Role.choices)
    phone = models.CharField(_("手机"), max_length=24)
    text = models.CharField(_("短信内容"), max_length=300)
    delivery = models.ForeignKey(
        "notify.Delivery", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    state = models.CharField(_("状态"), max_length=8, choices=State.choices, default=State.QUEUED)
    confirmed_at = models.DateTimeField(_("派工确认时间"))
    sent_at = models.DateTimeField(_("发出时间"), null=True, blank=True)
    first_failed_at = models.DateTimeField(_("首次失败时间"), null=True, blank=True)
    last_error = models.TextField(_("失败原因"), blank=True)
    resent_at = models.DateTimeField(_("补发时间"), null=True, blank=True)

    class Meta:
        ordering = ["confirmed_at", "id"]
        verbose_name = _("派工短信")
        verbose_name_plural = _("派工短信")
        indexes = [
            models.Index(
                fields=["state"],
                condition=models.Q(state__in=["queued", "failed"]),
                name="wo_message_unsent",
            )
        ]

    @property
    def latency(self) -> dt.timedelta | None:
        """From confirming the order to the SMS leaving the gateway."""
        return self.sent_at - self.confirmed_at if self.sent_at else None


class CallTask(models.Model):
    """A phone call the agent owes because a dispatch SMS could not go out (DOMAIN §3)."""

    class State(models.TextChoices):
        OPEN = "open", _("待电话通知")
        DONE = "done", _("已电话通知")
        UNREACHABLE = "unreachable", _("未接通")
        VOID = "void", _("已作废")  # the order was re-dispatched: no call needed

    order = models.ForeignKey(WorkOrder, on_delete=models.PROTECT, related_name="call_tasks")
    message = models.OneToOneField(
        DispatchMessage, on_delete=models.PROTECT, related_name="call_task"
    )
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("负责坐席"),
    )
    callee = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("被叫人"),
    )
    phone = models.CharField(_("电话"), max_length=24)
    reason = models.TextField(_("原因"))
    state = models.CharField(_("状态"), max_length=12, choices=State.choices, default=State.OPEN)
    created_at = models.DateTimeField(_("创建时间"))
    called_at = models.DateTimeField(_("通话时间"), null=True, blank=True)
    called_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("通知人"),
    )
    note = models.TextField(_("通话记录"), blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("电话通知任务")
        verbose_name_plural = _("电话通知任务")
        indexes = [
            models.Index(
                fields=["created_at"],
                condition=models.Q(state="open"),
                name="wo_call_open",
            )
        ]


def photo_path(instance: Photo, filename: str) -> str:
    return f"workorders/{instance.order.serial}/{filename}"


class Photo(models.Model):
    """A photo the field staff took on site."""

    order = models.ForeignKey(WorkOrder, on_delete=models.PROTECT, related_name="photos")
    file = models.FileField(upload_to=photo_path, max_length=255)
    name = models.CharField(max_length=200)
    size = models.PositiveBigIntegerField()
    content_type = models.CharField(max_length=100, blank=True)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+"
    )
    uploaded_at = models.DateTimeField(auto_now_add=True)
    # Set when the retention job destroyed the file (kefu.core.retention): the row stays.
    purged_at = models.DateTimeField(_("销毁时间"), null=True, blank=True)

    class Meta:
        ordering = ["uploaded_at", "id"]
        verbose_name = _("现场照片")
        verbose_name_plural = _("现场照片")
