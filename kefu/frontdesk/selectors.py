"""Reads of the lost and found: the lists, an item's page, the monthly summary
(《游客失物登记汇总表》). Personal data is masked by the viewer's permission (Masker) on
every way out: page, API and Excel."""

from __future__ import annotations

import datetime as dt
from collections import Counter
from dataclasses import dataclass
from typing import Any
from zoneinfo import ZoneInfo

from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from kefu.core.actor import Actor
from kefu.core.errors import Code, ServiceError
from kefu.core.masking import Masker
from kefu.frontdesk import access
from kefu.frontdesk.models import Category, ClaimAttempt, FinanceBatch, FoundItem, LossReport


def mask_name(masker: Masker, value: str) -> str:
    """A person's name as the viewer may see it: 张三丰 → 张**."""
    if masker.full or not value:
        return value or ""
    return value[0] + "*" * (len(value) - 1)


ITEM_STATUS_FILTERS = ("open", "all", *FoundItem.Status.values)
REPORT_STATUS_FILTERS = ("all", *LossReport.Status.values)


def list_items(
    actor: Actor | None, *, status: str = "open", category: str = ""
) -> QuerySet[FoundItem]:
    access.require_read(actor)
    rows = access.visible_items(actor).select_related("report", "finance_batch")
    if status == "open":
        rows = rows.filter(status__in=FoundItem.OPEN_STATUSES)
    elif status in FoundItem.Status.values:
        rows = rows.filter(status=status)
    if category in Category.values:
        rows = rows.filter(category=category)
    return rows.order_by("-registered_at", "-id")


def list_reports(
    actor: Actor | None, *, status: str = "all", category: str = ""
) -> QuerySet[LossReport]:
    access.require_read(actor)
    rows = access.visible_reports(actor)
    if status in LossReport.Status.values:
        rows = rows.filter(status=status)
    if category in Category.values:
        rows = rows.filter(category=category)
    return rows.order_by("-created_at", "-id")


def claims_of(item: FoundItem) -> list[ClaimAttempt]:
    return list(item.claims.select_related("by__staff").order_by("at", "id"))


def timeline_of(item: FoundItem) -> list[Any]:
    return list(item.events.select_related("actor__staff").order_by("at", "id"))


def list_batches(actor: Actor | None) -> QuerySet[FinanceBatch]:
    access.require_read(actor)
    return FinanceBatch.objects.order_by("-created_at", "-id")


def batch_items(actor: Actor | None, batch: FinanceBatch) -> QuerySet[FoundItem]:
    rows = access.visible_items(actor).filter(finance_batch=batch)
    return rows.select_related("report", "finance_batch").order_by("registered_at", "id")


def access_batch(actor: Actor | None, batch_id: int) -> FinanceBatch:
    access.require_read(actor)
    from_db = FinanceBatch.objects.filter(pk=batch_id).first() if 0 < batch_id < 2**62 else None
    if from_db is None:
        raise ServiceError(Code.NOT_FOUND, _("移交批次不存在"))
    return from_db


# --- the monthly summary ----------------------------------------------------------------------


@dataclass(frozen=True)
class SummaryRow:
    pk: int
    serial: str
    created_at: dt.datetime
    channel: str
    owner_name: str
    owner_phone: str
    category: str
    description: str
    lost_place: str
    lost_at: dt.datetime
    status: str
    item_serial: str


@dataclass(frozen=True)
class Summary:
    year: int
    month: int
    rows: list[SummaryRow]
    by_category: list[tuple[str, int]]
    by_status: list[tuple[str, int]]

    @property
    def total(self) -> int:
        return len(self.rows)


SUMMARY_HEADER = (
    _("编号"),
    _("登记时间"),
    _("登记渠道"),
    _("失主姓名"),
    _("失主电话"),
    _("物品类别"),
    _("物品描述"),
    _("遗失地点"),
    _("遗失时间"),
    _("状态"),
    _("匹配物品"),
)


def month_bounds(year: int, month: int) -> tuple[dt.datetime, dt.datetime]:
    zone = ZoneInfo(timezone.get_current_timezone_name())
    start = dt.datetime(year, month, 1, tzinfo=zone)
    end = dt.datetime(year + (month == 12), month % 12 + 1, 1, tzinfo=zone)
    return start, end


def monthly_summary(actor: Actor | None, year: int, month: int) -> Summary:
    """《游客失物登记汇总表》: the month's loss reports, owners' data masked for a viewer
    without core.view_pii, with counts by category and by state."""
    access.require_read(actor)
    start, end = month_bounds(year, month)
    masker = Masker(actor)
    reports = list(
        access.visible_reports(actor)
        .filter(created_at__gte=start, created_at__lt=end)
        .order_by("created_at", "id")
    )
    items = dict(
        FoundItem.objects.filter(report__in=[r.pk for r in reports]).values_list(
            "report_id", "serial"
        )
    )
    rows = [
        SummaryRow(
            pk=r.pk,
            serial=r.serial,
            created_at=timezone.localtime(r.created_at),
            channel=r.get_channel_display(),
            owner_name=mask_name(masker, r.owner_name),
            owner_phone=masker.phone(r.owner_phone),
            category=r.get_category_display(),
            description=r.description,
            lost_place=r.lost_place,
            lost_at=timezone.localtime(r.lost_at),
            status=r.get_status_display(),
            item_serial=items.get(r.pk, ""),
        )
        for r in reports
    ]
    return Summary(
        year,
        month,
        rows,
        sorted(Counter(r.category for r in rows).items(), key=lambda kv: -kv[1]),
        sorted(Counter(r.status for r in rows).items(), key=lambda kv: -kv[1]),
    )


def summary_sheet_rows(summary: Summary) -> list[list[Any]]:
    return [
        [
            r.serial,
            f"{r.created_at:%Y-%m-%d %H:%M}",
            r.channel,
            r.owner_name,
            r.owner_phone,
            r.category,
            r.description,
            r.lost_place,
            f"{r.lost_at:%Y-%m-%d %H:%M}",
            r.status,
            r.item_serial,
        ]
        for r in summary.rows
    ]
