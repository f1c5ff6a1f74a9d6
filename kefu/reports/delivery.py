"""Report subscriptions (报表订阅): chosen reports e-mailed as Excel files on a day and hour of
each month or week, once per period, whichever worker claims it (services re-exports these)."""

from __future__ import annotations

import datetime as dt
import logging

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.core.validators import validate_email
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from kefu.core.calendar import previous_month
from kefu.core.errors import Code, ServiceError
from kefu.core.excel import XLSX
from kefu.core.services import clean_text, record_audit
from kefu.notify.services import MailFile, send_email
from kefu.reports import boards
from kefu.reports.access import access_reports, can_read
from kefu.reports.export import board_workbook
from kefu.reports.models import Subscription, SubscriptionRun

logger = logging.getLogger(__name__)

MAX_ADDRESSES = 20
MAX_SUBSCRIPTIONS = 50  # a person's subscriptions
SCHEDULE_DAYS: dict[str, int] = {Subscription.Every.MONTH: 28, Subscription.Every.WEEK: 7}


def subscriptions_of(actor) -> list[Subscription]:
    """The report subscriptions ``actor`` made and has not removed."""
    access_reports(actor)
    return list(
        Subscription.objects.filter(owner=actor, retired_at__isnull=True)
        .prefetch_related("recipients__staff")
        .order_by("name", "id")
    )


def create_subscription(
    actor,
    *,
    name: str,
    reports: list[str],
    every: str = Subscription.Every.MONTH,
    day: int = 1,
    hour: int = 8,
    recipients: list[str] | None = None,
    addresses: str = "",
    params: dict | None = None,
) -> Subscription:
    """E-mail ``reports`` (catalogue keys) every month on ``day`` (1–28) or every week on
    ``day`` (1 Monday – 7) at ``hour``, covering the month or week just ended, to staff
    (usernames; each must have an e-mail address and the right to read statistics) and to
    other ``addresses`` (one a line). ``params`` are filters the reports share."""
    branch = access_reports(actor)
    name = clean_text(name, "name", limit=60, required=True, message=_("请填写订阅名称"))
    keys = [str(k) for k in (reports or [])]
    if not keys:
        raise ServiceError(Code.INVALID, _("请至少选择一张报表"), field="reports")
    filters = {str(k): str(v) for k, v in (params or {}).items() if k not in ("start", "end")}
    for key in keys:
        boards.parse(boards.report_of_field(key, "reports"), filters, branch)
    if every not in SCHEDULE_DAYS:
        raise ServiceError(Code.INVALID, _("周期无效"), field="every")
    if not 1 <= day <= SCHEDULE_DAYS[every]:
        raise ServiceError(
            Code.INVALID, _("发送日应为 1 到 %d") % SCHEDULE_DAYS[every], field="day"
        )
    if not 0 <= hour <= 23:
        raise ServiceError(Code.INVALID, _("发送时间应为 0 到 23 点"), field="hour")
    people = _recipients(recipients or [])
    extra = _addresses(addresses)
    if not people and not extra:
        raise ServiceError(Code.INVALID, _("请至少填写一个收件人"), field="recipients")
    with transaction.atomic():
        mine = Subscription.objects.select_for_update().filter(owner=actor, retired_at__isnull=True)
        if mine.count() >= MAX_SUBSCRIPTIONS:
            raise ServiceError(Code.INVALID, _("最多 %d 个订阅") % MAX_SUBSCRIPTIONS, field="name")
        subscription = Subscription.objects.create(
            owner=actor,
            name=name,
            reports=list(dict.fromkeys(keys)),
            params=filters,
            every=every,
            day=day,
            hour=hour,
            addresses="\n".join(extra),
        )
        subscription.recipients.set(people)
        record_audit(actor=actor, action="report.subscribe", obj=subscription)
    return subscription


def _recipients(usernames: list[str]) -> list:
    users = []
    for username in dict.fromkeys(str(u).strip() for u in usernames if str(u).strip()):
        user = get_user_model().objects.filter(username=username, is_active=True).first()
        if user is None:
            raise ServiceError(Code.INVALID, _("没有此用户:%s") % username[:40], field="recipients")
        if not user.email:
            raise ServiceError(
                Code.INVALID, _("%s 没有登记电子邮箱") % username[:40], field="recipients"
            )
        if not can_read(user):
            raise ServiceError(
                Code.INVALID, _("%s 无权查看统计报表") % username[:40], field="recipients"
            )
        users.append(user)
    return users


def _addresses(text: str) -> list[str]:
    found = list(dict.fromkeys(line.strip() for line in (text or "").splitlines() if line.strip()))
    if len(found) > MAX_ADDRESSES:
        raise ServiceError(Code.INVALID, _("其他邮箱最多 %d 个") % MAX_ADDRESSES, field="addresses")
    for address in found:
        try:
            validate_email(address)
        except ValidationError as exc:
            raise ServiceError(
                Code.INVALID, _("邮箱格式不正确:%s") % address[:80], field="addresses"
            ) from exc
    return found


def recipient_choices(actor) -> list[tuple[str, str]]:
    """Who a subscription may be sent to: active staff with an e-mail address who may read
    statistics (username, 姓名[工号])."""
    access_reports(actor)
    users = get_user_model().objects.filter(is_active=True).exclude(email="")
    users = users.select_related("staff").order_by("staff__employee_no", "username")
    return [(u.username, str(getattr(u, "staff", u.username))) for u in users if can_read(u)]


def retire_subscription(actor, subscription_id: int) -> Subscription:
    access_reports(actor)
    with transaction.atomic():
        found = (
            Subscription.objects.select_for_update()
            .filter(pk=subscription_id, owner=actor, retired_at__isnull=True)
            .first()
        )
        if found is None:
            raise ServiceError(Code.NOT_FOUND, _("没有这个订阅"))
        found.retired_at = timezone.now()
        found.save(update_fields=["retired_at"])
        record_audit(actor=actor, action="report.unsubscribe", obj=found)
    return found


def period_due(subscription: Subscription, now: dt.datetime) -> tuple[dt.date, dt.date] | None:
    """The period ``subscription`` sends at ``now`` (the month or week just ended), once its
    day and hour of the current month or week have come; None before."""
    local = timezone.localtime(now)
    today = local.date()
    if subscription.every == Subscription.Every.MONTH:
        send_day = today.replace(day=subscription.day)
        start = previous_month(today)
        end = today.replace(day=1) - dt.timedelta(days=1)
    else:
        monday = today - dt.timedelta(days=today.weekday())
        send_day = monday + dt.timedelta(days=subscription.day - 1)
        start, end = monday - dt.timedelta(days=7), monday - dt.timedelta(days=1)
    if (today, local.hour) < (send_day, subscription.hour):
        return None
    return start, end


def deliver_due(now: dt.datetime | None = None) -> int:
    """Send every subscription whose time has come for its current period and that has not
    sent it yet (hourly by the worker). Each period is sent once, whichever worker claims it.
    Returns the e-mails queued."""
    now = now or timezone.now()
    queued = 0
    for subscription in Subscription.objects.filter(retired_at__isnull=True).select_related(
        "owner"
    ):
        period = period_due(subscription, now)
        if period is None or subscription.runs.filter(period_start=period[0]).exists():
            continue
        try:
            queued += _deliver(subscription, *period, now=now)
        except IntegrityError:
            continue  # another worker sent this period
    return queued


@transaction.atomic
def _deliver(subscription: Subscription, start: dt.date, end: dt.date, *, now) -> int:
    run = SubscriptionRun.objects.create(
        subscription=subscription,
        period_start=start,
        period_end=end,
        at=now,
        outcome=SubscriptionRun.Outcome.SENT,
    )
    owner = subscription.owner
    if not (owner.is_active and can_read(owner)):
        run.outcome = SubscriptionRun.Outcome.REFUSED
        run.save(update_fields=["outcome"])
        logger.warning("subscription %s not sent: its owner may not read reports", run.pk)
        return 0
    people = [u for u in subscription.recipients.all() if u.is_active and u.email and can_read(u)]
    addresses = list(dict.fromkeys([u.email for u in people] + _stored(subscription.addresses)))
    if not addresses:
        run.outcome = SubscriptionRun.Outcome.NOBODY
        run.save(update_fields=["outcome"])
        return 0
    files, titles = [], []
    params = {**subscription.params, "start": start.isoformat(), "end": end.isoformat()}
    for key in subscription.reports:
        read = boards.read(owner, key, params)
        content = board_workbook(read)
        path = default_storage.save(
            f"reports/deliveries/{subscription.pk}/{start:%Y%m%d}-{key}.xlsx", ContentFile(content)
        )
        shown = f"{read.report.title}-{start:%Y%m%d}-{end:%Y%m%d}.xlsx"
        files.append(MailFile(path, shown, XLSX, len(content)))
        titles.append(str(read.report.title))
    context = {
        "name": subscription.name,
        "period": f"{start:%Y-%m-%d} — {end:%Y-%m-%d}",
        "reports": "、".join(titles),
        "path": reverse("reports"),
    }
    queued = 0
    for address in addresses:
        sent = send_email(
            address,
            event="report.delivery",
            context=context,
            key=f"report.delivery:{subscription.pk}:{start:%Y%m%d}:{address}",
            files=files,
        )
        queued += sent is not None
    run.addresses = addresses
    run.files = [{"path": f.path, "name": f.name, "size": f.size} for f in files]
    run.save(update_fields=["addresses", "files"])
    return queued


def _stored(text: str) -> list[str]:
    return [line.strip() for line in (text or "").splitlines() if line.strip()]
