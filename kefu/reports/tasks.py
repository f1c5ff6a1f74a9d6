"""Periodic jobs of the monthly reports: each calls one service."""

from django.utils import timezone
from huey import crontab
from huey.contrib.djhuey import db_periodic_task

from kefu.core.calendar import previous_month
from kefu.reports import services


@db_periodic_task(crontab(day="1", hour="0", minute="5"))
def prepare_monthly_report() -> int:
    """On the 1st, the draft reports of the month just ended: the center's and each active
    branch's (those missing only). Returns how many reports the month has."""
    month = previous_month(timezone.localdate())
    return len(services.prepare_reports(month))


@db_periodic_task(crontab(minute="15"))
def sweep_report_deadlines() -> tuple[int, int]:
    """Warn two days before a monthly report is due and record the breach once past due
    (every hour)."""
    return services.sweep_report_deadlines()


@db_periodic_task(crontab(minute="20"))
def deliver_subscriptions() -> int:
    """E-mail the report subscriptions whose day and hour have come (every hour)."""
    return services.deliver_due()
