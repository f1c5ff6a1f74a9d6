"""Retention (保密制度 6): the kinds and their periods, set by an administrator; the job and
its report; the audit log's own kind; the command and the daily schedule."""

from __future__ import annotations

import datetime as dt
import io

import pytest
import time_machine
from django.core.management import call_command
from django.core.management.base import CommandError
from django.utils import timezone

from kefu.core import retention
from kefu.core.errors import Code, ServiceError
from kefu.core.models import AuditLog, RetentionPolicy, RetentionRun, Tag
from kefu.core.services import record_audit
from tests.accounts.factories import make_person

HOUR = dt.timedelta(hours=1)


@pytest.fixture
def admin(db):
    return make_person("root", "admin", number="9000")


@pytest.fixture
def admin_client(admin, web_as):
    return web_as(admin)


def days_ago(days: int) -> dt.datetime:
    return timezone.now() - dt.timedelta(days=days)


def audit_at(moment: dt.datetime, action: str = "test.row") -> AuditLog:
    tag, _ = Tag.objects.get_or_create(name="t")
    with time_machine.travel(moment, tick=False):
        return record_audit(actor=None, action=action, obj=tag)


# ------------------------------------------------------------------------------- the kinds


def test_each_kind_is_declared_by_the_app_that_owns_it_with_a_sane_default():
    assert [(k.code, k.default_days) for k in retention.kinds()] == [
        ("customers", 3 * 365),
        ("call_records", 2 * 365),
        ("recordings", 365),
        ("attachments", 3 * 365),
        ("lost_and_found", 3 * 365),
        ("grumbles", 3 * 365),
        ("audit_log", 5 * 365),
    ]
    assert [name for name, _apply in retention._parts["attachments"]] == [
        "tickets",
        "dispatch",
        "conversations",
    ]
    # Every app that keeps a copy of a customer's data clears it when the customer goes.
    assert retention.scrubber_names() == [
        "core.audit",
        "business",
        "notify",
        "complaints",
        "followups",
        "dispatch",
        "telephony",
        "knowledge",
        "outbound",
        "frontdesk",
        "notebooks",
        "conversations",
        "mail",
        "sms",
        "chat",
        "portal",
        "tickets",  # last: the others find an unknown caller's tickets by its caller number
    ]


# ------------------------------------------------------------------------------- the periods


def test_an_administrator_sets_a_period_and_the_change_is_audited(admin):
    policy = retention.set_period("recordings", "180", actor=admin)
    assert (policy.days, policy.updated_by) == (180, admin)
    assert retention.periods()["recordings"] == 180
    row = AuditLog.objects.get(action="retention.period")
    assert row.detail == {"kind": "recordings", "before": 365, "after": 180}
    retention.set_period("recordings", "", actor=admin)  # blank: kept for ever
    assert retention.periods()["recordings"] is None


@pytest.mark.parametrize(
    ("typed", "message"),
    [
        ("0", "保留天数至少为 30 天"),
        ("-5", "保留天数至少为 30 天"),
        ("3", "保留天数至少为 30 天"),
        ("36501", "保留天数不能超过 36500 天(100 年);要永久保留请留空"),
        ("三年", "保留天数应为整数"),
    ],
)
def test_a_nonsense_period_is_refused_with_a_message_and_nothing_changes(admin, typed, message):
    with pytest.raises(ServiceError) as refused:
        retention.set_period("customers", typed, actor=admin)
    assert (refused.value.code, refused.value.detail, refused.value.field) == (
        Code.INVALID,
        message,
        "days",
    )
    assert retention.periods()["customers"] == 3 * 365
    assert not AuditLog.objects.filter(action="retention.period").exists()


def test_only_an_administrator_sets_a_period(people):
    with pytest.raises(ServiceError) as refused:
        retention.set_period("customers", "400", actor=people["supervisor"])
    assert refused.value.code == Code.FORBIDDEN
    assert retention.periods()["customers"] == 3 * 365


def test_the_admin_lists_every_kind_and_refuses_a_zero_period(admin_client):
    page = admin_client.get("/admin/core/retentionpolicy/").content.decode()
    for label in ("无活动的客户档案", "通话记录号码", "录音链接", "附件", "审计日志"):
        assert label in page
    policy = RetentionPolicy.objects.get(kind="attachments")
    url = f"/admin/core/retentionpolicy/{policy.pk}/change/"
    refused = admin_client.post(url, {"days": "0"})
    assert refused.status_code == 200
    assert "保留天数至少为 30 天" in refused.content.decode()
    policy.refresh_from_db()
    assert policy.days == 3 * 365
    saved = admin_client.post(url, {"days": "730"})
    assert saved.status_code == 302
    policy.refresh_from_db()
    assert policy.days == 730
    assert AuditLog.objects.get(action="retention.period").detail["after"] == 730


def test_the_admin_period_page_is_an_administrators_only(people, web_as):
    people["supervisor"].is_staff = True
    people["supervisor"].save()
    client = web_as(people["supervisor"])
    assert client.get("/admin/core/retentionpolicy/").status_code == 403


# ----------------------------------------------------------------------- the job, the audit log


def test_audit_rows_older_than_the_period_are_deleted_the_newer_kept(db):
    expired = audit_at(days_ago(5 * 365) - HOUR)
    kept = audit_at(days_ago(5 * 365) + HOUR)
    run = retention.run_retention(only=["audit_log"])
    assert run.results["audit_log"] | {"cutoff": ""} == {
        "days": 5 * 365,
        "cutoff": "",
        "deleted": 1,
        "held": 0,
    }
    assert not AuditLog.objects.filter(pk=expired.pk).exists()
    assert AuditLog.objects.filter(pk=kept.pk).exists()
    assert (run.trigger, run.dry_run, run.failed) == ("schedule", False, False)
    assert run.finished_at is not None


def test_a_dry_run_counts_what_would_go_and_changes_nothing_then_a_second_run_does_nothing(db):
    for _ in range(3):
        audit_at(days_ago(5 * 365) - HOUR)
    before = AuditLog.objects.count()
    dry = retention.run_retention(dry_run=True, only=["audit_log"])
    assert (dry.results["audit_log"]["deleted"], dry.dry_run) == (3, True)
    assert AuditLog.objects.count() == before
    first = retention.run_retention(only=["audit_log"])
    assert first.results["audit_log"]["deleted"] == 3
    second = retention.run_retention(only=["audit_log"])
    assert second.results["audit_log"]["deleted"] == 0


def test_a_kind_kept_for_ever_is_left_alone(admin):
    retention.set_period("audit_log", "", actor=admin)
    old = audit_at(days_ago(40 * 365))
    run = retention.run_retention(only=["audit_log"])
    assert run.results["audit_log"] == {"days": None}
    assert AuditLog.objects.filter(pk=old.pk).exists()
    assert retention.report_lines(run) == ["审计日志: 永久保留"]


def test_a_failing_kind_is_reported_and_the_others_still_run(db, monkeypatch):
    def broken(cutoff, *, dry_run):
        raise RuntimeError("disk full")

    monkeypatch.setitem(retention._parts, "recordings", [("test", broken)])
    audit_at(days_ago(5 * 365) - HOUR)
    run = retention.run_retention(only=["recordings", "audit_log"])
    assert run.failed
    assert run.results["recordings"]["error"] == "RuntimeError: disk full"
    assert run.results["audit_log"]["deleted"] == 1


# ----------------------------------------------------------------------- the command, the schedule


def test_kefu_retention_prints_the_report_and_keeps_it(admin):
    audit_at(days_ago(5 * 365) - HOUR)
    out = io.StringIO()
    call_command("retention", "--dry-run", "--kind", "audit_log", "--user", "root", stdout=out)
    lines = out.getvalue().splitlines()
    assert lines[0] == "dry run: nothing was changed"
    assert lines[1].startswith("审计日志(保留 1825 天,")
    assert lines[1].endswith("):已删除 1、因法律保全保留 0")
    run = RetentionRun.objects.get()
    assert (run.trigger, run.actor, run.dry_run) == ("command", admin, True)
    assert lines[2] == f"report #{run.pk}"


def test_kefu_retention_lists_the_periods_and_refuses_an_unknown_kind(db):
    out = io.StringIO()
    call_command("retention", "--periods", stdout=out)
    assert out.getvalue().splitlines()[0].split() == [
        "customers",
        "1095",
        "days",
        "无活动的客户档案",
    ]
    with pytest.raises(CommandError, match="unknown kind photos"):
        call_command("retention", "--kind", "photos")


def test_the_job_runs_daily_with_the_other_periodic_jobs():
    out = io.StringIO()
    call_command("schedule", stdout=out)
    line = next(r for r in out.getvalue().splitlines() if r.startswith("purge_expired_data"))
    runs = line.split("next: ")[1].split("  ")[0].split(", ")
    assert [run[-5:] for run in runs] == ["02:40", "02:40", "02:40"]


def test_the_reports_are_shown_to_administrators(admin_client):
    audit_at(days_ago(5 * 365) - HOUR)
    run = retention.run_retention(only=["audit_log"])
    listing = admin_client.get("/admin/core/retentionrun/").content.decode()
    assert "已删除 1" in listing
    page = admin_client.get(f"/admin/core/retentionrun/{run.pk}/change/").content.decode()
    assert "审计日志(保留 1825 天," in page
