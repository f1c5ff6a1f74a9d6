"""Making outbound lists: from an Excel sheet, churned members, a survey sample, a notice's
customers and open callback tasks; numbers checked the same way for every source; who may."""

from __future__ import annotations

import datetime as dt

import pytest

from kefu.accounts.models import Role
from kefu.core.errors import ServiceError
from kefu.core.models import AuditLog
from kefu.followups.models import CallbackTask, Survey
from kefu.notices.campaign import send_campaign_batch
from kefu.notices.models import Campaign
from kefu.outbound import services
from kefu.outbound.models import OutboundEntry, OutboundList
from kefu.telephony.blacklist import add_blacklist_entry
from tests.accounts.factories import make_person
from tests.customers.factories import make_customer
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


def test_churned_members_are_the_tagged_customers_quiet_for_the_days_asked(lead, people):
    quiet = make_customer(lead, name="赵女士", phones=("13800000011",), tags=["流失会员"])
    called = make_customer(lead, name="钱先生", phones=("13800000012",), tags=["流失会员"])
    make_ticket(people["agent"], customer_id=called.pk, caller_number="13800000012")
    make_customer(lead, name="孙先生", phones=("13800000013",), tags=["VIP"])
    gone = make_customer(lead, name="周女士", phones=("13800000014",), tags=["流失会员"])
    gone.is_active = False
    gone.save()
    built = services.create_list(
        lead, list_in(source="churned", purpose="churned", params={"quiet_days": 30})
    )
    assert entries(built) == [("赵女士", "13800000011", "pending")]
    assert OutboundEntry.objects.get().customer_id == quiet.pk
    assert built.outbound.source_detail == {"tag": "流失会员", "quiet_days": 30}
    # with no quiet period, the customer who phoned recently is on it too
    built = services.create_list(
        lead, list_in(source="churned", purpose="churned", params={"quiet_days": 0})
    )
    assert [e[0] for e in entries(built)] == ["赵女士", "钱先生"]


def test_a_branch_lead_lists_only_their_branch_and_the_list_is_theirs(org, lead, people):
    sz_lead = make_person("sz-lead", Role.TEAM_LEAD, number="8501", branch=org["sz"])
    make_customer(lead, name="总部客户", phones=("13800000021",), tags=["流失会员"])
    make_customer(lead, name="深圳客户", phones=("13800000022",), tags=["流失会员"], area="nsh")
    built = services.create_list(
        sz_lead, list_in(source="churned", purpose="churned", params={"quiet_days": 0})
    )
    assert [e[0] for e in entries(built)] == ["深圳客户"]
    assert built.outbound.branch_id == org["sz"].pk
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
