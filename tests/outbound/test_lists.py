"""Making outbound lists: from an Excel sheet, churned members, a survey sample, a notice's
customers and open callback tasks; numbers checked the same way for every source; who may."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from kefu.accounts.models import Role
from kefu.core.errors import ServiceError
from kefu.core.models import AuditLog
from kefu.customers import analyses
from kefu.followups.models import CallbackTask, Survey
from kefu.notices.campaign import send_campaign_batch
from kefu.notices.models import Campaign
from kefu.outbound import services
from kefu.outbound.models import OutboundEntry, OutboundList
from kefu.telephony.blacklist import add_blacklist_entry
from tests.accounts.factories import make_person
from tests.customers.factories import make_customer
from tests.customers.member_factories import buy, make_member, make_store
from tests.followups.factories import resolved_complaint, resolved_repair
from tests.notices.factories import make_notice
from tests.outbound.factories import excel_list, list_in, sheet
from tests.tickets.factories import make_ticket


def entries(built) -> list[tuple[str, str, str]]:
    return [
        (e.name, e.number, e.state)
        for e in OutboundEntry.objects.filter(outbound=built.outbound).order_by("id")
    ]


def test_an_excel_list_keeps_each_usable_number_once_and_reports_the_rest(lead):
    # given a customer on file, a blocked number, and a sheet typed by hand
    known = make_customer(lead, name="欧阳娜娜", phones=("13912345678",))
    add_blacklist_entry("13700000009", kind="block", reason="恶意骚扰", actor=lead)
    rows = [
        ("张先生", "138 0000 0001", "老客户"),
        ("张先生", "+86 13800000001", "同一号码"),
        ("", "13912345678", ""),
        ("骚扰者", "137-0000-0009", ""),
        ("没号码", "", "漏填"),
        ("乱写", "abc", ""),
    ]
    # when the lead makes a list from it
    built = services.create_list(lead, list_in(), file=sheet(rows))
    # then each number is kept once, normalized; the customer on file is named from the archive
    assert entries(built) == [
        ("张先生", "13800000001", "pending"),
        ("欧阳娜娜", "13912345678", "pending"),
        ("骚扰者", "13700000009", "excluded"),
    ]
    assert OutboundEntry.objects.get(number="13912345678").customer_id == known.pk
    blocked = OutboundEntry.objects.get(number="13700000009")
    assert blocked.excluded_reason == "黑名单:恶意骚扰"
    # and what was left out is counted, the row without a number named by its row
    assert (built.added, built.excluded, built.duplicates, built.no_number) == (3, 1, 1, 2)
    assert built.errors == [
        {"row": 6, "field": "number", "message": "缺少电话"},
        {"row": 7, "field": "number", "message": "号码无效:abc"},
    ]
    outbound = built.outbound
    assert (outbound.status, outbound.total, outbound.source) == ("draft", 3, "excel")
    audit = AuditLog.objects.get(action="outbound.create", object_id=str(outbound.pk))
    assert (audit.detail["entries"], audit.detail["excluded"], audit.detail["duplicates"]) == (
        3,
        1,
        1,
    )


@pytest.mark.parametrize(
    "data,message",
    [
        (b"not a workbook", "无法读取文件,请上传 .xlsx 格式的 Excel 文件"),
        (sheet([("张三", "")], header=("姓名", "地址")), "缺少“电话”列"),
        (sheet([("张三", "", "")]), "按所选条件没有可拨打的号码"),
        (None, "请上传名单文件"),
    ],
)
def test_a_bad_sheet_is_refused_in_words_and_makes_no_list(lead, data, message):
    with pytest.raises(ServiceError) as refused:
        services.create_list(lead, list_in(), file=data)
    assert refused.value.detail == message
    assert not OutboundList.objects.exists() and not OutboundEntry.objects.exists()


@pytest.mark.parametrize(
    "fields,field",
    [
        ({"name": " "}, "name"),
        ({"purpose": "lottery"}, "purpose"),
        ({"source": "phonebook"}, "source"),
        ({"call_from": dt.time(20), "call_until": dt.time(9)}, "call_until"),
        ({"ends_on": dt.date(2020, 1, 1)}, "ends_on"),
        ({"script": "no_such_scene"}, "script"),
        ({"max_attempts": 0}, "max_attempts"),
        ({"max_attempts": 11}, "max_attempts"),
        ({"retry_minutes": 1}, "retry_minutes"),
        ({"talking_points": "话" * 2001}, "talking_points"),
        ({"agents": (10**20,)}, "agents"),
    ],
)
def test_bad_fields_are_refused_naming_the_field(lead, fields, field):
    with pytest.raises(ServiceError) as refused:
        services.create_list(lead, list_in(**fields), file=sheet([("张三", "13800000001", "")]))
    assert (refused.value.code, refused.value.field) == ("invalid", field)
    assert not OutboundList.objects.exists()


def test_only_callers_may_work_a_list_and_department_staff_are_refused(lead, people):
    with pytest.raises(ServiceError) as refused:
        services.create_list(
            lead,
            list_in(agents=(people["dept_handler"].pk,)),
            file=sheet([("张三", "13800000001", "")]),
        )
    assert (refused.value.field, refused.value.detail) == ("agents", "所选坐席不存在或不能外呼")


@pytest.mark.parametrize("role", ["agent", "quality", "gm", "dept_handler"])
def test_only_leads_make_lists(people, role):
    with pytest.raises(ServiceError) as refused:
        services.create_list(people[role], list_in(), file=sheet([("张三", "13800000001", "")]))
    assert refused.value.code == "forbidden"


def _churn_shop(org, lead):
    """Members of two head-office stores: one quiet for 200 days, one who bought 10 days ago,
    one who joined 5 days ago and never bought, one quiet but no longer a customer."""
    today = timezone.localdate()
    s1, s2 = make_store(org, "S01", "人民路店"), make_store(org, "S02", "解放路店")
    quiet = make_member(lead, s1, "M1", joined=today - dt.timedelta(days=400))
    buy(quiet, 88, today - dt.timedelta(days=200))
    recent = make_member(lead, s1, "M2", joined=today - dt.timedelta(days=400))
    buy(recent, 66, today - dt.timedelta(days=10))
    make_member(lead, s1, "M3", joined=today - dt.timedelta(days=5))
    gone = make_member(lead, s1, "M4", joined=today - dt.timedelta(days=400))
    gone.customer.is_active = False
    gone.customer.save()
    other = make_member(lead, s2, "M5", joined=today - dt.timedelta(days=400))
    return {"quiet": quiet, "recent": recent, "other": other, "today": today}


def test_churned_members_are_those_without_a_purchase_for_the_days_asked(org, lead):
    shop = _churn_shop(org, lead)
    built = services.create_list(
        lead,
        list_in(source="churned", purpose="churned", params={"quiet_days": 90, "store": "S01"}),
    )
    last = shop["today"] - dt.timedelta(days=200)
    assert [(e.customer_id, e.note) for e in OutboundEntry.objects.all()] == [
        (shop["quiet"].customer_id, f"人民路店 · 最后消费 {last:%Y-%m-%d}")
    ]
    assert built.outbound.source_detail == {"quiet_days": 90, "store": "S01", "tag": ""}
    # five quiet days: the one who bought ten days ago too, not the one who joined five ago
    built = services.create_list(
        lead,
        list_in(source="churned", purpose="churned", params={"quiet_days": 5, "store": "S01"}),
    )
    assert [e[0] for e in entries(built)] == ["会员M1", "会员M2"]
    # every store: the other store's member, who never bought, too
    built = services.create_list(lead, list_in(source="churned", purpose="churned"))
    assert [e[0] for e in entries(built)] == ["会员M1", "会员M5"]
    assert entries(built)[1] and OutboundEntry.objects.last().note == "解放路店 · 无消费记录"
    with pytest.raises(ServiceError) as refused:
        services.create_list(
            lead, list_in(source="churned", purpose="churned", params={"store": "S99"})
        )
    assert (refused.value.code, refused.value.field) == ("invalid", "store")


def test_a_branch_lead_lists_only_their_branch_and_the_list_is_theirs(org, lead, people):
    sz_lead = make_person("sz-lead", Role.TEAM_LEAD, number="8501", branch=org["sz"])
    hq_store, sz_store = make_store(org, "S01", "人民路店"), make_store(org, "S03", "南山店", "sz")
    make_member(lead, hq_store, "HQ1", joined=dt.date(2024, 1, 1))
    make_member(lead, sz_store, "SZ1", joined=dt.date(2024, 1, 1))
    built = services.create_list(sz_lead, list_in(source="churned", purpose="churned"))
    assert [e[0] for e in entries(built)] == ["会员SZ1"]
    assert built.outbound.branch_id == org["sz"].pk
    with pytest.raises(ServiceError) as refused:
        services.create_list(
            sz_lead, list_in(source="churned", purpose="churned", params={"store": "S01"})
        )
    assert refused.value.field == "store"
    # the head office's center-wide staff see it; the 深圳 agent too once started
    services.move_list(sz_lead, built.outbound.pk, "start")
    assert services.visible_lists(lead).filter(pk=built.outbound.pk).exists()
    assert services.visible_lists(people["sz_agent"]).filter(pk=built.outbound.pk).exists()
    # a head-office list is not the 深圳 staff's
    hq = excel_list(lead)
    assert not services.visible_lists(people["sz_agent"]).filter(pk=hq.outbound.pk).exists()
    with pytest.raises(ServiceError) as refused:
        services.access_list(sz_lead, hq.outbound.pk)
    assert refused.value.code == "not_found"


HOURS = {"call_from": dt.time(0, 0), "call_until": dt.time(23, 59)}


def test_the_churn_analysis_counts_the_members_called_and_those_who_bought_again(org, lead, agent):
    shop = _churn_shop(org, lead)
    built = services.create_list(
        lead, list_in(source="churned", purpose="churned", params={"store": "S01"}, **HOURS)
    )
    extra = services.create_list(
        lead, list_in(source="churned", purpose="churned", params={"store": "S02"}, **HOURS)
    )
    for made in (built, extra):
        services.move_list(lead, made.outbound.pk, "start")
    before = timezone.now()
    for made in (built, extra):
        taken = services.next_entry(agent, made.outbound.pk).entry
        services.record_attempt(agent, taken.pk, services.AttemptIn("done", note="已介绍新品"))
    # the quiet member of 人民路店 buys after the call; the other store's member never does
    buy(shop["quiet"], 120, timezone.now() + dt.timedelta(minutes=5))
    buy(shop["other"], 50, before - dt.timedelta(days=1))  # before the call: not a win-back
    result = analyses.run(lead, "churn", analyses.Filters(days=90))
    figures = {r.store: (r.values["called"], r.values["bought_again"]) for r in result.rows}
    assert figures == {"S01": (1, 1), "S02": (1, 0)}
    assert (result.total["called"], result.total["bought_again"]) == (2, 1)


def test_a_survey_sample_draws_resolved_requests_once_per_number(lead, people):
    agent = people["agent"]
    resolved = [
        resolved_repair(people, caller_number=f"1380000003{n}", contact_name=f"客户{n}")
        for n in range(4)
    ]
    resolved_repair(people, caller_number="13800000030", contact_name="同一号码")
    resolved_repair(people, caller_number="13800000040", anonymous=True)
    resolved_repair(people, caller_number="13800000041", callback_declined=True)
    rated = resolved_repair(people, caller_number="13800000042")
    Survey.objects.filter(ticket=rated).update(state="answered", score=5)
    if not Survey.objects.filter(ticket=rated).exists():
        Survey.objects.create(
            ticket=rated,
            state="answered",
            score=5,
            created_at=rated.resolved_at,
            expires_at=rated.resolved_at,
        )
    make_ticket(agent, caller_number="13800000043")  # not resolved
    built = services.create_list(
        lead, list_in(source="survey", purpose="survey", params={"percent": 100})
    )
    got = entries(built)
    assert sorted(n for _name, n, _s in got) == [f"1380000003{n}" for n in range(4)]
    by_number = {e.number: e for e in OutboundEntry.objects.filter(outbound=built.outbound)}
    # the latest request of a number speaks for it
    assert by_number["13800000030"].ticket.contact_name == "同一号码"
    assert by_number["13800000031"].ticket_id == resolved[1].pk
    assert built.outbound.source_detail["pool"] == 4
    # while that list is open its requests are not sampled again; once it is closed, a 50 %
    # sample of the four numbers is two of them
    services.close_list(lead, built.outbound.pk, reason="重新抽样")
    half = services.create_list(
        lead, list_in(source="survey", purpose="survey", params={"percent": 50})
    )
    assert half.added == 2
    assert {e[1] for e in entries(half)} <= set(by_number)


def test_a_notice_list_can_hold_only_the_customers_its_sms_did_not_reach(lead):
    mobile = make_customer(lead, name="手机客户", phones=("13800000051",))
    landline = make_customer(lead, name="固话客户", phones=("01088881234",))
    make_customer(lead, name="南山客户", phones=("13800000052",), area="nsh")
    notice = make_notice(lead, publish=True)
    campaign = Campaign.objects.get(notice=notice, purpose="published")
    while send_campaign_batch(campaign.pk):
        pass
    everyone = services.create_list(
        lead, list_in(source="notice", purpose="notice", params={"notice": notice.pk})
    )
    assert [e[0] for e in entries(everyone)] == ["手机客户", "固话客户"]
    assert {e.customer_id for e in OutboundEntry.objects.filter(outbound=everyone.outbound)} == {
        mobile.pk,
        landline.pk,
    }
    unreached = services.create_list(
        lead,
        list_in(source="notice", purpose="notice", params={"notice": notice.pk, "unreached": True}),
    )
    assert entries(unreached) == [("固话客户", "01088881234", "pending")]
    assert OutboundEntry.objects.filter(outbound=unreached.outbound).get().note == notice.title
    with pytest.raises(ServiceError) as refused:
        services.create_list(
            lead, list_in(source="notice", purpose="notice", params={"notice": 999999})
        )
    assert refused.value.code == "not_found"


def test_a_callback_list_takes_open_phone_tasks_not_already_on_an_open_list(lead, people):
    first = resolved_complaint(people, caller_number="13800000061")
    second = resolved_complaint(people, caller_number="13800000062")
    tasks = {t.ticket_id: t for t in CallbackTask.objects.filter(state="open")}
    assert set(tasks) == {first.pk, second.pk}
    built = services.create_list(
        lead, list_in(source="callbacks", purpose="callback", params={"purpose": "complaint"})
    )
    rows = list(OutboundEntry.objects.filter(outbound=built.outbound).order_by("number"))
    assert [(e.number, e.ticket_id, e.callback_task_id) for e in rows] == [
        ("13800000061", first.pk, tasks[first.pk].pk),
        ("13800000062", second.pk, tasks[second.pk].pk),
    ]
    assert rows[0].max_attempts == tasks[first.pk].max_attempts
    assert f"工单 {first.serial}" in rows[0].note
    # the same tasks are not put on a second open list
    with pytest.raises(ServiceError) as refused:
        services.create_list(lead, list_in(source="callbacks", purpose="callback"))
    assert refused.value.detail == "按所选条件没有可拨打的号码"
    # once that list is closed they may be listed again
    services.close_list(lead, built.outbound.pk, reason="改为人工回访")
    again = services.create_list(lead, list_in(source="callbacks", purpose="callback"))
    assert again.added == 2
