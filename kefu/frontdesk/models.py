"""Lost and found (失物招领): found items, owners' loss reports, claims and hand-overs.

A found item moves through one state machine (``FoundItem.ALLOWED_TRANSITIONS``):

    registered 登记 → matched 已匹配 (a loss report linked) → claimed 已认领
                    ↘ custody 保管中 (handed to the custodian) ↗
                    ↘ finance 已移交财务 (unclaimed after the period)

Claimed and handed to finance are ends. Every change is a row of ``ItemEvent`` (the item's
timeline) and of the audit log. Nothing is deleted.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class Category(models.TextChoices):
    ID_CARD = "id_card", _("证件")
    CASH = "cash", _("现金")
    PHONE = "phone", _("手机")
    CAMERA = "camera", _("相机")
    KEYS = "keys", _("钥匙")
    BAG = "bag", _("包")
    WALLET = "wallet", _("钱包")
    CLOTHING = "clothing", _("衣物")
    ELECTRONICS = "electronics", _("电子产品")
    JEWELRY = "jewelry", _("首饰")
    TOY = "toy", _("玩具")
    OTHER = "other", _("其他")


# What is valuable whatever the desk chose: cash, cameras and phones go to the custodian at day
# end (DOMAIN §7).
VALUABLE_CATEGORIES = frozenset({Category.CASH, Category.PHONE, Category.CAMERA})


class ValueClass(models.TextChoices):
    VALUABLE = "valuable", _("贵重")
    ORDINARY = "ordinary", _("普通")


class FoundItem(models.Model):
    class Source(models.TextChoices):
        VISITOR = "visitor", _("游客拾物")
        STAFF = "staff", _("员工拾物")
        ON_SPOT = "on_spot", _("现场拾物")

    class Status(models.TextChoices):
        REGISTERED = "registered", _("已登记")
        MATCHED = "matched", _("已匹配")
        CLAIMED = "claimed", _("已认领")
        CUSTODY = "custody", _("保管中")
        FINANCE = "finance", _("已移交财务")

    ALLOWED_TRANSITIONS: dict[str, frozenset[str]] = {
        Status.REGISTERED: frozenset(
            {Status.MATCHED, Status.CLAIMED, Status.CUSTODY, Status.FINANCE}
        ),
        Status.MATCHED: frozenset({Status.CLAIMED, Status.CUSTODY, Status.FINANCE}),
        Status.CUSTODY: frozenset({Status.CLAIMED, Status.FINANCE}),
        Status.CLAIMED: frozenset(),
        Status.FINANCE: frozenset(),
    }
    # Not claimed yet and still at the center: may be matched, claimed, handed on.
    OPEN_STATUSES = (Status.REGISTERED, Status.MATCHED, Status.CUSTODY)

    serial = models.CharField(_("编号"), max_length=20, unique=True)
    source = models.CharField(_("登记来源"), max_length=10, choices=Source.choices)
    status = models.CharField(
        _("状态"), max_length=12, choices=Status.choices, default=Status.REGISTERED
    )
    category = models.CharField(_("物品类别"), max_length=12, choices=Category.choices)
    value_class = models.CharField(_("价值类别"), max_length=10, choices=ValueClass.choices)
    description = models.TextField(_("物品描述"))
    # The description's jieba words (kefu.tickets.search), cut once at registration: matching
    # compares stored words and never cuts text while it scores.
    words = models.TextField(blank=True, editable=False)
    found_place = models.CharField(_("拾获地点"), max_length=100)
    place_words = models.TextField(blank=True, editable=False)
    found_at = models.DateTimeField(_("拾获时间"))
    branch = models.ForeignKey(
        "accounts.Branch",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("分支机构"),
    )
    finder_name = models.CharField(_("拾获人"), max_length=40)
    finder_phone = models.CharField(_("拾获人电话"), max_length=20, blank=True)
    finder_staff_no = models.CharField(_("拾获员工工号"), max_length=20, blank=True)
    # 《员工拾到物品回执》: the number given to the staff member who handed the item in.
    receipt_no = models.CharField(_("回执编号"), max_length=20, blank=True)
    # 现场拾物: the desk could not come; a witness and the shift leader were there.
    witness_name = models.CharField(_("见证人"), max_length=40, blank=True)
    shift_leader = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("当班班长"),
    )
    report = models.ForeignKey(
        "LossReport",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("匹配的失物登记"),
    )
    custody_place = models.CharField(_("保管地点"), max_length=100, blank=True)
    custody_handed_by = models.CharField(_("移交人"), max_length=40, blank=True)
    custodian_name = models.CharField(_("保管人"), max_length=40, blank=True)
    custody_at = models.DateTimeField(_("移交保管时间"), null=True, blank=True)
    finance_batch = models.ForeignKey(
        "FinanceBatch",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="items",
        verbose_name=_("移交财务批次"),
    )
    claimed_at = models.DateTimeField(_("认领时间"), null=True, blank=True)
    registered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    registered_at = models.DateTimeField(_("登记时间"))
    updated_at = models.DateTimeField(auto_now=True)
    # Its people's names and numbers cleared after the retention period (kefu.frontdesk.retention).
    anonymised_at = models.DateTimeField(null=True, blank=True, editable=False)

    class Meta:
        ordering = ["-registered_at", "-id"]
        verbose_name = _("拾获物品")
        verbose_name_plural = _("拾获物品")
        indexes = [
            models.Index(fields=["status", "category", "found_at"], name="found_match"),
            models.Index(fields=["status", "registered_at"], name="found_sweep"),
        ]

    def __str__(self) -> str:
        return f"{self.serial} {self.get_category_display()}"

    @property
    def is_open(self) -> bool:
        return self.status in self.OPEN_STATUSES


class FoundPhoto(models.Model):
    item = models.ForeignKey(FoundItem, on_delete=models.PROTECT, related_name="photos")
    file = models.FileField(upload_to="lostfound/")
    name = models.CharField(max_length=200)
    content_type = models.CharField(max_length=60)
    size = models.PositiveIntegerField()
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    uploaded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["id"]
        verbose_name = _("物品照片")
        verbose_name_plural = _("物品照片")


class LossReport(models.Model):
    """失物登记: an owner tells the center what they lost."""

    class Channel(models.TextChoices):
        PHONE = "phone", _("电话")
        DESK = "desk", _("前台")
        PORTAL = "portal", _("网上")

    class Status(models.TextChoices):
        OPEN = "open", _("寻找中")
        MATCHED = "matched", _("已匹配")
        RETURNED = "returned", _("已领回")
        CLOSED = "closed", _("已关闭")

    serial = models.CharField(_("编号"), max_length=20, unique=True)
    channel = models.CharField(_("登记渠道"), max_length=8, choices=Channel.choices)
    status = models.CharField(_("状态"), max_length=10, choices=Status.choices, default=Status.OPEN)
    owner_name = models.CharField(_("失主姓名"), max_length=40)
    owner_phone = models.CharField(_("失主电话"), max_length=20)
    category = models.CharField(_("物品类别"), max_length=12, choices=Category.choices)
    description = models.TextField(_("物品描述"))
    words = models.TextField(blank=True, editable=False)
    lost_place = models.CharField(_("遗失地点"), max_length=100)
    place_words = models.TextField(blank=True, editable=False)
    lost_at = models.DateTimeField(_("遗失时间"))
    branch = models.ForeignKey(
        "accounts.Branch",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("分支机构"),
    )
    # None for a report the owner made on the portal (channel ``portal``).
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(_("登记时间"))
    anonymised_at = models.DateTimeField(null=True, blank=True, editable=False)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("失物登记")
        verbose_name_plural = _("失物登记")
        indexes = [
            models.Index(fields=["status", "category", "lost_at"], name="loss_match"),
            models.Index(fields=["created_at"], name="loss_created"),
        ]

    def __str__(self) -> str:
        return f"{self.serial} {self.get_category_display()}"


class IdType(models.TextChoices):
    ID_CARD = "id_card", _("居民身份证")
    PASSPORT = "passport", _("护照")
    HK_MACAO = "hk_macao", _("港澳台通行证")
    DRIVING = "driving", _("驾驶证")
    OTHER = "other", _("其他证件")


class ClaimAttempt(models.Model):
    """One claim at the desk, accepted or refused: every attempt is kept."""

    class Outcome(models.TextChoices):
        ACCEPTED = "accepted", _("已认领")
        REFUSED = "refused", _("已拒绝")

    item = models.ForeignKey(FoundItem, on_delete=models.PROTECT, related_name="claims")
    claimant_name = models.CharField(_("认领人"), max_length=40)
    claimant_phone = models.CharField(_("认领人电话"), max_length=20, blank=True)
    # Said by the claimant before the item was shown to them.
    description = models.TextField(_("认领人描述"))
    description_matched = models.BooleanField(_("描述相符"))
    id_type = models.CharField(_("证件类型"), max_length=10, choices=IdType.choices, blank=True)
    id_number = models.CharField(_("证件号码"), max_length=30, blank=True)
    signature = models.FileField(_("认领人签名"), upload_to="lostfound/signatures/", blank=True)
    witness_name = models.CharField(_("见证人"), max_length=40, blank=True)
    outcome = models.CharField(_("结果"), max_length=10, choices=Outcome.choices)
    refuse_reason = models.CharField(_("拒绝原因"), max_length=200, blank=True)
    by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    at = models.DateTimeField(_("时间"))
    anonymised_at = models.DateTimeField(null=True, blank=True, editable=False)

    class Meta:
        ordering = ["-at", "-id"]
        verbose_name = _("认领记录")
        verbose_name_plural = _("认领记录")


class FinanceBatch(models.Model):
    """One hand-over of unclaimed items to finance (移交财务), with its list to print."""

    serial = models.CharField(_("批次号"), max_length=20, unique=True)
    created_at = models.DateTimeField(_("移交时间"))
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("经办人"),
    )
    count = models.PositiveIntegerField(_("物品数"), default=0)
    note = models.CharField(_("备注"), max_length=200, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("移交财务批次")
        verbose_name_plural = _("移交财务批次")

    def __str__(self) -> str:
        return self.serial


class ItemEvent(models.Model):
    """The found item's timeline: who did what, when, from which state to which."""

    class Kind(models.TextChoices):
        REGISTERED = "registered", _("登记")
        PHOTO = "photo", _("照片")
        MATCHED = "matched", _("匹配失物登记")
        CLAIM_REFUSED = "claim_refused", _("认领被拒绝")
        CLAIMED = "claimed", _("认领")
        CUSTODY = "custody", _("移交保管")
        FINANCE = "finance", _("移交财务")

    item = models.ForeignKey(FoundItem, on_delete=models.PROTECT, related_name="events")
    kind = models.CharField(max_length=16, choices=Kind.choices)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    at = models.DateTimeField()
    from_status = models.CharField(max_length=12, blank=True)
    to_status = models.CharField(max_length=12, blank=True)
    note = models.CharField(max_length=300, blank=True)
    data = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["at", "id"]
        verbose_name = _("物品记录")
        verbose_name_plural = _("物品记录")


# --- the shift: duty record, morning meeting, handover, sign-in (kefu.frontdesk.shift) ------


class DutyRecord(models.Model):
    """《客服岗位值班记录表》: one per day and shift (a workforce shift template's code), filled
    in during the shift and locked at its end (by the shift leader, or by the periodic job
    once the shift is over). A locked record refuses every change."""

    day = models.DateField(_("日期"))
    shift_code = models.CharField(_("班次"), max_length=8)
    shift_name = models.CharField(_("班次名称"), max_length=40, blank=True)
    shift_starts_at = models.DateTimeField(_("上班"))
    shift_ends_at = models.DateTimeField(_("下班"))
    weather = models.CharField(_("天气"), max_length=40, blank=True)
    duty_manager = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("值班经理"),
    )
    duty_leader = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("值班班长"),
    )
    operations = models.TextField(_("运营信息"), blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(_("创建时间"))
    locked_at = models.DateTimeField(_("锁定时间"), null=True, blank=True)
    locked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        verbose_name = _("值班记录")
        verbose_name_plural = _("值班记录")
        ordering = ["day", "shift_starts_at", "id"]
        constraints = [
            models.UniqueConstraint(fields=["day", "shift_code"], name="frontdesk_duty_day_shift")
        ]
        indexes = [models.Index(fields=["locked_at", "shift_ends_at"], name="frontdesk_duty_open")]

    def __str__(self) -> str:
        return f"{self.day} {self.shift_code}"

    @property
    def is_locked(self) -> bool:
        return self.locked_at is not None


class VisitorCount(models.Model):
    """A visitor count reported to management during the shift (sent through kefu.notify)."""

    record = models.ForeignKey(DutyRecord, on_delete=models.CASCADE, related_name="counts")
    at = models.DateTimeField(_("时间"))
    count = models.PositiveIntegerField(_("游客人数"))
    note = models.CharField(_("说明"), max_length=200, blank=True)
    reported_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    recipients = models.PositiveSmallIntegerField(_("通知人数"), default=0)

    class Meta:
        ordering = ["at", "id"]


class DutyIncident(models.Model):
    record = models.ForeignKey(DutyRecord, on_delete=models.CASCADE, related_name="incidents")
    at = models.DateTimeField(_("时间"))
    text = models.TextField(_("情况"))
    written_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        ordering = ["at", "id"]


class MorningMeeting(models.Model):
    """The morning meeting's notes (交接记录本), read and signed by every member present."""

    day = models.DateField(_("日期"))
    shift_code = models.CharField(_("班次"), max_length=8)
    notes = models.TextField(_("会议内容"))
    held_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(_("创建时间"))

    class Meta:
        verbose_name = _("晨会记录")
        verbose_name_plural = _("晨会记录")
        ordering = ["-day", "-id"]


class MeetingMember(models.Model):
    meeting = models.ForeignKey(MorningMeeting, on_delete=models.CASCADE, related_name="members")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    signed_at = models.DateTimeField(_("签字时间"), null=True, blank=True)

    class Meta:
        ordering = ["id"]
        constraints = [
            models.UniqueConstraint(fields=["meeting", "user"], name="frontdesk_meeting_member")
        ]


class Handover(models.Model):
    """交接班: what the outgoing person leaves to the incoming one. ``matters`` are collected
    at creation from the owning apps (kefu.frontdesk.providers) and kept as they were; what
    is left stays with the outgoing person (DOMAIN §7)."""

    day = models.DateField(_("日期"))
    shift_code = models.CharField(_("班次"), max_length=8)
    shift_ends_at = models.DateTimeField(_("下班"))
    next_ends_at = models.DateTimeField(_("下一班下班"))
    outgoing = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("交班人"),
    )
    incoming = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("接班人"),
    )
    matters = models.JSONField(_("待办事项"), default=list, blank=True)
    notes = models.TextField(_("交接说明"), blank=True)
    created_at = models.DateTimeField(_("创建时间"))
    outgoing_signed_at = models.DateTimeField(_("交班签字时间"), null=True, blank=True)
    outgoing_staff_no = models.CharField(_("交班人工号"), max_length=20, blank=True)
    incoming_signed_at = models.DateTimeField(_("接班签字时间"), null=True, blank=True)
    incoming_staff_no = models.CharField(_("接班人工号"), max_length=20, blank=True)

    class Meta:
        verbose_name = _("交接班")
        verbose_name_plural = _("交接班")
        ordering = ["-day", "-id"]
        indexes = [models.Index(fields=["outgoing", "day"], name="frontdesk_handover_out")]

    def __str__(self) -> str:
        return f"{self.day} {self.shift_code}"

    @property
    def is_signed(self) -> bool:
        return self.outgoing_signed_at is not None and self.incoming_signed_at is not None


class ShiftSignIn(models.Model):
    """签到: due 30 minutes before the shift starts; later is flagged late."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    day = models.DateField(_("日期"))
    shift_code = models.CharField(_("班次"), max_length=8)
    shift_starts_at = models.DateTimeField(_("上班"))
    signed_at = models.DateTimeField(_("签到时间"))
    late = models.BooleanField(_("迟到"), default=False)

    class Meta:
        ordering = ["-signed_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["user", "day", "shift_code"], name="frontdesk_signin_once"
            )
        ]


# --- the end-of-shift checklists (kefu.frontdesk.checklists) ---------------------------------


class Checklist(models.Model):
    """A checklist the desk fills after each shift: 《班后设施、设备安全管理记录表》 (lights,
    power, air conditioning, doors locked...) or 《班后固定资产管理记录表》 (the hall's assets,
    each with the quantity there should be). ``items`` is the ordered list of
    ``{"text": str, "expected": int | None}``; a run copies it, so changing or retiring the
    checklist never changes a filled one. Retired, never deleted."""

    class Kind(models.TextChoices):
        SAFETY = "safety", _("设施设备安全")
        ASSETS = "assets", _("固定资产")

    kind = models.CharField(_("类别"), max_length=8, choices=Kind.choices)
    name = models.CharField(_("名称"), max_length=60)
    items = models.JSONField(_("检查项目"), default=list)
    officer = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("异常通知人"),
    )
    is_active = models.BooleanField(_("启用"), default=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(_("创建时间"))
    updated_at = models.DateTimeField(_("修改时间"))
    retired_at = models.DateTimeField(_("停用时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("班后检查表")
        verbose_name_plural = _("班后检查表")
        ordering = ["kind", "name", "id"]

    def __str__(self) -> str:
        return self.name


class ChecklistRun(models.Model):
    """A checklist filled after one shift (a day and a shift template's code, as the duty
    record): once per checklist, day and shift."""

    checklist = models.ForeignKey(Checklist, on_delete=models.PROTECT, related_name="runs")
    # Copied at submission: the checklist may be renamed or retired afterwards.
    name = models.CharField(_("名称"), max_length=60)
    kind = models.CharField(_("类别"), max_length=8, choices=Checklist.Kind.choices)
    day = models.DateField(_("日期"))
    shift_code = models.CharField(_("班次"), max_length=8)
    shift_name = models.CharField(_("班次名称"), max_length=40, blank=True)
    shift_ends_at = models.DateTimeField(_("下班"))
    officer = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("异常通知人"),
    )
    filled_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("填写人"),
    )
    filled_at = models.DateTimeField(_("填写时间"))
    exceptions = models.PositiveSmallIntegerField(_("异常项数"), default=0)

    class Meta:
        verbose_name = _("班后检查记录")
        verbose_name_plural = _("班后检查记录")
        ordering = ["-day", "-shift_ends_at", "checklist_id", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["checklist", "day", "shift_code"], name="frontdesk_checklist_once"
            )
        ]
        indexes = [models.Index(fields=["day", "shift_code"], name="frontdesk_run_day")]

    def __str__(self) -> str:
        return f"{self.day} {self.shift_code} {self.name}"


class ChecklistAnswer(models.Model):
    """One item of a filled checklist, its text and expected quantity as they were: ok, or an
    exception with its note, closed later with what was done (处理结果)."""

    run = models.ForeignKey(ChecklistRun, on_delete=models.PROTECT, related_name="answers")
    position = models.PositiveSmallIntegerField(_("序号"))
    text = models.CharField(_("检查项目"), max_length=100)
    expected = models.PositiveIntegerField(_("应有数量"), null=True, blank=True)
    counted = models.PositiveIntegerField(_("实点数量"), null=True, blank=True)
    ok = models.BooleanField(_("正常"))
    note = models.CharField(_("异常说明"), max_length=300, blank=True)
    result = models.CharField(_("处理结果"), max_length=300, blank=True)
    closed_at = models.DateTimeField(_("处理时间"), null=True, blank=True)
    closed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("处理人"),
    )

    class Meta:
        ordering = ["run", "position"]
        constraints = [
            models.UniqueConstraint(fields=["run", "position"], name="frontdesk_answer_position")
        ]
        indexes = [models.Index(fields=["ok", "closed_at"], name="frontdesk_answer_open")]

    @property
    def is_open(self) -> bool:
        return not self.ok and self.closed_at is None
