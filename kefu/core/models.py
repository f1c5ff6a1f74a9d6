from __future__ import annotations

import re

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


def transitions_of(actions: dict[str, tuple[frozenset[str], str]]) -> dict[str, set[str]]:
    """``ALLOWED_TRANSITIONS`` (status → the statuses it may go to) of a model whose
    ``ACTIONS`` map each action to (the statuses it may start from, the status it leads to)."""
    allowed: dict[str, set[str]] = {}
    for sources, target in actions.values():
        for source in sources:
            allowed.setdefault(source, set()).add(target)
    return allowed


class SerialCounter(models.Model):
    """The last serial number issued on a day (流水号 = yymmdd + the day's running number)."""

    day = models.DateField(primary_key=True)
    last = models.PositiveIntegerField(default=0)

    class Meta:
        verbose_name = _("流水号计数")
        verbose_name_plural = _("流水号计数")


class Tag(models.Model):
    name = models.CharField(_("标签"), max_length=40, unique=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("标签")
        verbose_name_plural = _("标签")

    def __str__(self) -> str:
        return self.name


class AuditLog(models.Model):
    """Who looked at or changed what, outside a record's own timeline (e.g. unmasked PII)."""

    at = models.DateTimeField(auto_now_add=True, db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT
    )
    action = models.CharField(max_length=40)
    object_type = models.CharField(max_length=40)
    object_id = models.CharField(max_length=40)
    detail = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["-at"]
        verbose_name = _("审计日志")
        verbose_name_plural = _("审计日志")
        permissions = [("view_pii", _("查看完整个人信息(电话、证件号、地址)"))]
        indexes = [models.Index(fields=["object_type", "object_id"])]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.action} {self.object_type}#{self.object_id}"


class CalendarYear(models.Model):
    """A year whose official schedule (放假安排) an administrator entered or imported.

    Its holidays and make-up working days are the CalendarDay rows of that year; every other day
    follows the week (Monday–Friday work). Entering a year also overrides the packaged data.
    """

    year = models.PositiveSmallIntegerField(_("年份"), unique=True)
    source = models.CharField(_("依据"), max_length=200, blank=True)
    entered_at = models.DateTimeField(_("录入时间"), auto_now=True)
    entered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        ordering = ["-year"]
        verbose_name = _("年度放假安排")
        verbose_name_plural = _("年度放假安排")

    def __str__(self) -> str:
        return str(self.year)


class CalendarDay(models.Model):
    """A day that is not as its weekday says: a holiday, a make-up working day, a closure."""

    class Kind(models.TextChoices):
        HOLIDAY = "holiday", _("法定节假日")
        MAKEUP = "makeup", _("调休上班")
        CLOSURE = "closure", _("中心停业")

    date = models.DateField(_("日期"), unique=True)
    kind = models.CharField(_("类别"), max_length=10, choices=Kind.choices)
    name = models.CharField(_("名称"), max_length=60, blank=True)

    class Meta:
        ordering = ["date"]
        verbose_name = _("特殊日期")
        verbose_name_plural = _("特殊日期")

    def __str__(self) -> str:
        return f"{self.date} {self.get_kind_display()} {self.name}".strip()


class CacheGeneration(models.Model):
    """One row counting changes to the reference data each process keeps (kefu.core.refcache):
    a process that sees it move drops what it kept."""

    value = models.BigIntegerField(default=0)


class ForbiddenPhrase(models.Model):
    """A phrase an agent must not say or write to a customer (服务禁语), with what to say
    instead; ``allowed`` lists longer words that contain it and are fine (喂 → 喂养)."""

    phrase = models.CharField(_("禁语"), max_length=60, unique=True)
    suggestion = models.CharField(_("建议说法"), max_length=200, blank=True)
    allowed = models.CharField(
        _("允许的词"), max_length=200, blank=True, help_text=_("包含禁语但可以使用的词,空格分隔")
    )
    is_active = models.BooleanField(_("启用"), default=True)

    class Meta:
        ordering = ["id"]
        verbose_name = _("服务禁语")
        verbose_name_plural = _("服务禁语")

    def __str__(self) -> str:
        return self.phrase


class WordingPolicy(models.TextChoices):
    WARN = "warn", _("提醒后可发送")
    BLOCK = "block", _("禁止发送")


class WordingSettings(models.Model):
    """The center's rule for forbidden phrases (one row): warn, or block the text."""

    policy = models.CharField(
        _("禁语处理"), max_length=10, choices=WordingPolicy.choices, default=WordingPolicy.BLOCK
    )

    class Meta:
        verbose_name = _("禁语规则")
        verbose_name_plural = _("禁语规则")

    def __str__(self) -> str:
        return str(self._meta.verbose_name)


class PhraseUse(models.Model):
    """A forbidden phrase in a text meant for a customer: sent after a warning, or stopped.
    Counted per agent for the quality reports."""

    at = models.DateTimeField(auto_now_add=True, db_index=True)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+"
    )
    path = models.CharField(max_length=20)  # reply_sms, reply_email, notice, explanation …
    phrase = models.CharField(max_length=60)
    blocked = models.BooleanField(default=False)
    ticket_serial = models.CharField(max_length=16, blank=True)

    class Meta:
        ordering = ["-id"]
        verbose_name = _("禁语使用记录")
        verbose_name_plural = _("禁语使用记录")


# A signature as carriers accept it: 【 2–12 Chinese characters, letters or digits 】.
SMS_SIGNATURE_INNER = re.compile(r"[\u4e00-\u9fffA-Za-z0-9]+")
SMS_SIGNATURE_MIN, SMS_SIGNATURE_MAX = 2, 12


def sms_signature_error(value: str) -> str:
    """What is wrong with the SMS signature ``value`` (localized), or "" when it is fine or
    empty (empty: the deployment's KEFU_SMS_SIGNATURE is used)."""
    value = (value or "").strip()
    if not value:
        return ""
    if len(value) < 2 or not (value.startswith("【") and value.endswith("】")):
        return str(_("短信签名须以【开头、以】结尾,如【清源水务】"))
    inner = value[1:-1]
    if not SMS_SIGNATURE_MIN <= len(inner) <= SMS_SIGNATURE_MAX:
        return str(
            _("短信签名括号内须为 %(min)s–%(max)s 个字")
            % {"min": SMS_SIGNATURE_MIN, "max": SMS_SIGNATURE_MAX}
        )
    if not SMS_SIGNATURE_INNER.fullmatch(inner):
        return str(_("短信签名括号内只能有汉字、字母和数字"))
    return ""


def validate_sms_signature(value: str) -> None:
    """The admin form's check of a signature (the rule: ``sms_signature_error``)."""
    error = sms_signature_error(value)
    if error:
        raise ValidationError(error)


class CenterProfile(models.Model):
    """Who the center is (one row, 中心信息): its name and hotline, which the standard scripts
    say, and the SMS signature every SMS to a customer or to the staff starts with
    (【清源水务】). Read through kefu.core.center, kept per process."""

    name = models.CharField(_("中心名称"), max_length=60, default="本公司")
    hotline = models.CharField(_("客服热线"), max_length=30, blank=True)
    sms_signature = models.CharField(
        _("短信签名"),
        max_length=20,
        blank=True,
        validators=[validate_sms_signature],
        help_text=_("每条短信开头的签名,如【清源水务】;不填则用部署时设定的 KEFU_SMS_SIGNATURE"),
    )

    class Meta:
        verbose_name = _("中心信息")
        verbose_name_plural = _("中心信息")

    def __str__(self) -> str:
        return self.name


class IdempotentRequest(models.Model):
    """A write sent to the API with an ``Idempotency-Key`` header, and the answer it got: the
    same key sent again by the same client gets that answer back instead of a second write
    (kefu.core.idempotency)."""

    owner = models.CharField(max_length=64)  # sha256 of the client's credentials
    key = models.CharField(max_length=200)
    fingerprint = models.CharField(max_length=64)  # sha256 of method, path and body
    status = models.PositiveSmallIntegerField()
    content_type = models.CharField(max_length=100, blank=True)
    body = models.BinaryField()
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        verbose_name = _("幂等请求")
        verbose_name_plural = _("幂等请求")
        constraints = [
            models.UniqueConstraint(fields=["owner", "key"], name="core_idempotent_once")
        ]

    def __str__(self) -> str:
        return f"{self.key} → {self.status}"


class PeriodicRun(models.Model):
    """One periodic job's claim on one period: every worker queues the job each period, the
    first to claim the period runs it, the others skip it (kefu.core.periodic)."""

    task = models.CharField(max_length=200)
    period = models.DateTimeField()  # the minute the job's schedule named, at or before the run
    claimed_at = models.DateTimeField(default=timezone.now, db_index=True)
    worker = models.CharField(max_length=100)  # host:pid of the worker that ran it

    class Meta:
        verbose_name = _("定时任务运行")
        verbose_name_plural = _("定时任务运行")
        constraints = [
            models.UniqueConstraint(fields=["task", "period"], name="core_periodic_run_once")
        ]

    def __str__(self) -> str:
        return f"{self.task} @ {self.period:%Y-%m-%d %H:%M}"


# A retention period outside these bounds is a typing slip (0, "3" meant as years) or
# meaningless: refused with a message (kefu.core.retention.clean_days).
RETENTION_MIN_DAYS, RETENTION_MAX_DAYS = 30, 36500


class RetentionPolicy(models.Model):
    """How long one kind of data is kept (保留期限), set by an administrator: one row per kind
    of kefu.core.retention's registry. Blank days: kept for ever."""

    kind = models.CharField(_("数据类别"), max_length=30, unique=True)
    days = models.PositiveIntegerField(
        _("保留天数"),
        null=True,
        blank=True,
        help_text=_("超过此天数的数据将被匿名化或销毁;留空表示永久保留。1 年按 365 天计"),
    )
    updated_at = models.DateTimeField(_("修改时间"), auto_now=True)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("修改人"),
    )

    class Meta:
        ordering = ["id"]
        verbose_name = _("数据保留期限")
        verbose_name_plural = _("数据保留期限")

    def __str__(self) -> str:
        return self.kind


class RetentionRun(models.Model):
    """One run of the retention job (数据清理) and what it did, per kind: the report.

    ``results`` maps each kind's code to ``{"days", "cutoff", "anonymised", "purged",
    "deleted", "held", …, "error"}`` (kefu.core.retention.run_retention)."""

    started_at = models.DateTimeField(_("开始时间"), db_index=True)
    finished_at = models.DateTimeField(_("结束时间"), null=True, blank=True)
    dry_run = models.BooleanField(_("演练(不做更改)"), default=False)
    # None: the daily schedule; else who ran ``kefu retention`` (--user) or asked for it.
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("执行人"),
    )
    trigger = models.CharField(_("触发方式"), max_length=10, default="schedule")
    results = models.JSONField(_("结果"), default=dict, blank=True)
    failed = models.BooleanField(_("有错误"), default=False)

    class Meta:
        ordering = ["-started_at", "-id"]
        verbose_name = _("数据清理记录")
        verbose_name_plural = _("数据清理记录")

    def __str__(self) -> str:
        return f"{self.started_at:%Y-%m-%d %H:%M}"
