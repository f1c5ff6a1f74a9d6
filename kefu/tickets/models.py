from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import models
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from kefu.accounts.models import Branch, Department, ServiceArea
from kefu.core.models import Tag, transitions_of
from kefu.customers.models import Customer


class TicketType(models.Model):
    """A request type (报修, 咨询, 投诉, ...). The code is the API value; labels are renameable."""

    code = models.SlugField(_("编码"), max_length=30, unique=True)
    label = models.CharField(_("名称"), max_length=30)
    label_en = models.CharField(_("英文名称"), max_length=40, blank=True)
    order = models.PositiveSmallIntegerField(_("排序"), default=0)
    is_active = models.BooleanField(_("启用"), default=True)
    # Which kind of work order a ticket of this type is dispatched as; blank: it is not. The
    # kinds are kefu.dispatch's (its admin offers them): the kernel only keeps the code.
    work_order_kind = models.CharField(
        _("派工类型"),
        max_length=12,
        blank=True,
        help_text=_("此类工单可新建派工单,默认的派工类型;留空表示不派工"),
    )
    # Offered to customers on the portal (/portal/, kefu.portal) and its API.
    is_public = models.BooleanField(
        _("客户自助可提交"), default=False, help_text=_("客户可在自助服务页面提交此类诉求")
    )

    class Meta:
        ordering = ["order", "id"]
        verbose_name = _("诉求类型")
        verbose_name_plural = _("诉求类型")

    def __str__(self) -> str:
        """The label in the active UI language."""
        return self.display(get_language())

    def display(self, language: str | None) -> str:
        return self.label_en if (language or "").startswith("en") and self.label_en else self.label


class Channel(models.TextChoices):
    PHONE = "phone", _("电话")
    WEB = "web", _("网站")
    EMAIL = "email", _("邮件")
    SMS = "sms", _("短信")
    WALK_IN = "walk_in", _("来访")
    CHAT = "chat", _("在线客服")
    LETTER = "letter", _("来信")
    OUTBOUND = "outbound", _("外呼")


class Priority(models.TextChoices):
    LOW = "low", _("低")
    NORMAL = "normal", _("普通")
    HIGH = "high", _("高")
    URGENT = "urgent", _("紧急")


class ReplyMethod(models.TextChoices):
    PHONE = "phone", _("电话")
    SMS = "sms", _("短信")
    EMAIL = "email", _("邮件")
    LETTER = "letter", _("书面")
    VISIT = "visit", _("上门")
    NONE = "none", _("无需答复")


class TicketStatus(models.TextChoices):
    NEW = "new", _("待受理")
    ACCEPTED = "accepted", _("已受理")
    DISPATCHED = "dispatched", _("已派工")
    IN_PROGRESS = "in_progress", _("处理中")
    AWAITING_CONFIRMATION = "awaiting_confirmation", _("待客户确认")
    RESOLVED = "resolved", _("已解决")
    FOLLOWED_UP = "followed_up", _("已回访")
    CLOSED = "closed", _("已归档")
    CANCELLED = "cancelled", _("已撤销")
    MERGED = "merged", _("已合并")


Status = TicketStatus  # the name the code uses; TicketStatus names it in the API schema


OPEN_STATUSES = (
    Status.NEW,
    Status.ACCEPTED,
    Status.DISPATCHED,
    Status.IN_PROGRESS,
    Status.AWAITING_CONFIRMATION,
)
FINAL_STATUSES = (Status.CLOSED, Status.CANCELLED, Status.MERGED)


class Ticket(models.Model):
    # action → (statuses it may start from, status it leads to). ``reopen`` leads back to
    # in_progress; ``dispatch`` from dispatched/in_progress is a transfer to another department.
    ACTIONS: dict[str, tuple[frozenset[str], str]] = {
        "accept": (frozenset({Status.NEW}), Status.ACCEPTED),
        "dispatch": (
            frozenset({Status.NEW, Status.ACCEPTED, Status.DISPATCHED, Status.IN_PROGRESS}),
            Status.DISPATCHED,
        ),
        "start": (frozenset({Status.ACCEPTED, Status.DISPATCHED}), Status.IN_PROGRESS),
        "return": (frozenset({Status.DISPATCHED, Status.IN_PROGRESS}), Status.ACCEPTED),
        "request_confirmation": (
            frozenset({Status.IN_PROGRESS}),
            Status.AWAITING_CONFIRMATION,
        ),
        "resolve": (
            frozenset({Status.ACCEPTED, Status.IN_PROGRESS, Status.AWAITING_CONFIRMATION}),
            Status.RESOLVED,
        ),
        "follow_up": (frozenset({Status.RESOLVED}), Status.FOLLOWED_UP),
        "close": (frozenset({Status.RESOLVED, Status.FOLLOWED_UP}), Status.CLOSED),
        "reopen": (
            frozenset({Status.AWAITING_CONFIRMATION, Status.RESOLVED, Status.FOLLOWED_UP}),
            Status.IN_PROGRESS,
        ),
        "cancel": (
            frozenset({Status.NEW, Status.ACCEPTED, Status.DISPATCHED, Status.IN_PROGRESS}),
            Status.CANCELLED,
        ),
    }
    ALLOWED_TRANSITIONS = transitions_of(ACTIONS)

    serial = models.CharField(_("流水号"), max_length=16, unique=True)
    type = models.ForeignKey(TicketType, on_delete=models.PROTECT, verbose_name=_("类型"))
    channel = models.CharField(_("渠道"), max_length=12, choices=Channel.choices)
    status = models.CharField(_("状态"), max_length=24, choices=Status.choices, default=Status.NEW)
    priority = models.CharField(
        _("优先级"), max_length=8, choices=Priority.choices, default=Priority.NORMAL
    )
    received_at = models.DateTimeField(_("受理时间"))
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    resolved_at = models.DateTimeField(null=True, blank=True)
    closed_at = models.DateTimeField(null=True, blank=True)

    branch = models.ForeignKey(Branch, on_delete=models.PROTECT, verbose_name=_("分支机构"))
    area = models.ForeignKey(
        ServiceArea, null=True, blank=True, on_delete=models.PROTECT, verbose_name=_("片区")
    )
    customer = models.ForeignKey(
        Customer,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="tickets",
        verbose_name=_("客户"),
    )
    contact_name = models.CharField(_("联系人"), max_length=40, blank=True)
    caller_number = models.CharField(_("来电号码"), max_length=24, blank=True, db_index=True)
    content = models.TextField(_("诉求内容"))
    desired_result = models.TextField(_("客户期望"), blank=True)
    reply_method = models.CharField(
        _("答复方式"), max_length=10, choices=ReplyMethod.choices, default=ReplyMethod.PHONE
    )
    reply_by = models.DateTimeField(_("要求答复时间"), null=True, blank=True)
    # The earliest due time of its running time limits (none paused), kept by kefu.sla: the
    # queues show it and sort by it. Past is overdue.
    due_at = models.DateTimeField(_("下一期限"), null=True, blank=True, editable=False)
    callback_declined = models.BooleanField(_("拒绝回访"), default=False)
    anonymous = models.BooleanField(_("匿名"), default=False)

    department = models.ForeignKey(
        Department, null=True, blank=True, on_delete=models.PROTECT, verbose_name=_("处理部门")
    )
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="assigned_tickets",
        verbose_name=_("处理人"),
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="created_tickets",
        verbose_name=_("受理人"),
    )
    tags = models.ManyToManyField(Tag, blank=True, verbose_name=_("标签"))
    merged_into = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="merged_tickets"
    )
    # Content cut into words (jieba) and joined by spaces, for the full-text index.
    search_tokens = models.TextField(blank=True, default="", editable=False)

    # Set by create_ticket on the ticket it returns, never loaded: what intake wrote (the
    # timeline rows and tags, and each intake hook's result), so the caller need not read it.
    written_events: list[TicketEvent]
    written_tags: list[Tag]
    intake_results: dict[str, Any]

    class Meta:
        ordering = ["-received_at", "-id"]
        verbose_name = _("工单")
        verbose_name_plural = _("工单")
        indexes = [
            models.Index(fields=["-received_at", "-id"], name="ticket_recent"),
            models.Index(fields=["status", "-received_at", "-id"], name="ticket_status_recent"),
            models.Index(fields=["department", "-received_at", "-id"], name="ticket_dept_recent"),
            models.Index(fields=["assignee", "-received_at", "-id"], name="ticket_assignee_recent"),
            models.Index(fields=["branch", "-received_at", "-id"], name="ticket_branch_recent"),
            models.Index(fields=["customer", "-received_at"], name="ticket_customer_recent"),
            # The daily queues (open, my department's open, mine open) walk only open tickets,
            # a few percent of a center's history.
            models.Index(
                fields=["-received_at", "-id"],
                condition=models.Q(status__in=OPEN_STATUSES),
                name="ticket_open_recent",
            ),
            models.Index(
                fields=["department", "-received_at", "-id"],
                condition=models.Q(status__in=OPEN_STATUSES),
                name="ticket_open_dept_recent",
            ),
            models.Index(
                fields=["assignee", "-received_at", "-id"],
                condition=models.Q(status__in=OPEN_STATUSES),
                name="ticket_open_assignee_recent",
            ),
            # "What is due next" on the open queues (and my department's).
            models.Index(
                fields=["due_at", "id"],
                condition=models.Q(status__in=OPEN_STATUSES),
                name="ticket_open_due",
            ),
            models.Index(
                fields=["department", "due_at", "id"],
                condition=models.Q(status__in=OPEN_STATUSES),
                name="ticket_open_dept_due",
            ),
            # The counts per status above a queue, read from the index alone.
            models.Index(
                fields=["assignee", "status"],
                condition=models.Q(status__in=OPEN_STATUSES),
                name="ticket_open_assignee_status",
            ),
            models.Index(
                fields=["department", "status"],
                condition=models.Q(status__in=OPEN_STATUSES),
                name="ticket_open_dept_status",
            ),
            # The backlog report: every open ticket counted by its age and the dimensions it
            # is grouped, split and filtered by, read from this index alone (the open tickets
            # of a year lie scattered over the table's pages), a branch's first.
            models.Index(
                fields=[
                    "branch",
                    "received_at",
                    "type",
                    "department",
                    "status",
                    "channel",
                    "assignee",
                    "id",
                ],
                condition=models.Q(status__in=OPEN_STATUSES),
                name="ticket_open_report",
            ),
            # Nearly every ticket has no merged_into: the FK's own index then has statistics
            # that tell SQLite it is useless, and "the tickets merged into this one" became a
            # table scan. (Dropping that index would make SQLite rebuild the table.)
            models.Index(
                fields=["merged_into"],
                condition=models.Q(merged_into__isnull=False),
                name="ticket_merged_into",
            ),
        ]

    def __str__(self) -> str:
        return self.serial

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_STATUSES

    def allowed_actions(self) -> list[str]:
        return [a for a, (sources, _t) in self.ACTIONS.items() if self.status in sources]


class TicketEvent(models.Model):
    """One line of a ticket's timeline: who did what, when, from which status to which."""

    class Kind(models.TextChoices):
        CREATED = "created", _("登记")
        STATUS = "status", _("状态变更")
        ASSIGNED = "assigned", _("指派")
        NOTE = "note", _("备注")
        MERGED = "merged", _("合并")
        ATTACHMENT = "attachment", _("附件")
        SLA = "sla", _("时限")
        COMPLAINT = "complaint", _("投诉处理")
        WORK_ORDER = "work_order", _("派工单")

    ticket = models.ForeignKey(Ticket, on_delete=models.PROTECT, related_name="events")
    at = models.DateTimeField()
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT
    )
    kind = models.CharField(max_length=12, choices=Kind.choices)
    action = models.CharField(max_length=24, blank=True)
    from_status = models.CharField(max_length=24, blank=True)
    to_status = models.CharField(max_length=24, blank=True)
    note = models.TextField(blank=True)
    data = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["at", "id"]
        verbose_name = _("处理记录")
        verbose_name_plural = _("处理记录")
        indexes = [models.Index(fields=["ticket", "at"])]


def attachment_path(instance: Attachment, filename: str) -> str:
    return f"attachments/{instance.ticket.serial[:6]}/{instance.ticket.serial}/{filename}"


class Attachment(models.Model):
    ticket = models.ForeignKey(Ticket, on_delete=models.PROTECT, related_name="attachments")
    file = models.FileField(upload_to=attachment_path, max_length=255)
    name = models.CharField(max_length=200)
    size = models.PositiveBigIntegerField()
    content_type = models.CharField(max_length=100, blank=True)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+"
    )
    uploaded_at = models.DateTimeField(auto_now_add=True)
    # Set when the retention job destroyed the file (kefu.core.retention): the row stays, the
    # pages say so instead of a link.
    purged_at = models.DateTimeField(_("销毁时间"), null=True, blank=True)

    class Meta:
        ordering = ["uploaded_at", "id"]
        verbose_name = _("附件")
        verbose_name_plural = _("附件")


class LegalHold(models.Model):
    """A legal hold (法律保全) on a customer or on a ticket: while it is in force, the retention
    job (kefu.core.retention) anonymises and destroys nothing it covers — a held customer,
    their tickets, calls and attachments; a held ticket, its attachments and calls, and its
    customer. Set and lifted by an administrator with a reason (kefu.tickets.holds), audited;
    a lifted hold stays with who lifted it, when and why."""

    customer = models.ForeignKey(
        Customer,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="legal_holds",
        verbose_name=_("客户"),
    )
    ticket = models.ForeignKey(
        Ticket,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="legal_holds",
        verbose_name=_("工单"),
    )
    reason = models.TextField(_("保全原因"))
    set_at = models.DateTimeField(_("保全时间"))
    set_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("设置人"),
    )
    lifted_at = models.DateTimeField(_("解除时间"), null=True, blank=True)
    lifted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("解除人"),
    )
    lift_reason = models.TextField(_("解除原因"), blank=True)

    class Meta:
        ordering = ["-set_at", "-id"]
        verbose_name = _("法律保全")
        verbose_name_plural = _("法律保全")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(customer__isnull=False, ticket__isnull=True)
                | models.Q(customer__isnull=True, ticket__isnull=False),
                name="legal_hold_on_customer_or_ticket",
            )
        ]
        indexes = [
            models.Index(
                fields=["set_at"], condition=models.Q(lifted_at__isnull=True), name="hold_in_force"
            )
        ]

    def __str__(self) -> str:
        target = (
            f"{_('客户')} {self.customer_id}" if self.customer_id else f"{_('工单')} {self.ticket}"
        )
        return f"{target}: {self.reason[:30]}"

    @property
    def in_force(self) -> bool:
        return self.lifted_at is None
