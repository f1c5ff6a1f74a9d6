"""The complaint process of DOMAIN §2, step by step, with who may take each step."""

import pytest

from kefu.complaints import services as complaints
from kefu.complaints.models import MunicipalHotline, Plan
from kefu.core.errors import ServiceError
from kefu.tickets import services as tickets
from kefu.tickets.models import TicketEvent
from tests.complaints.factories import make_complaint, resolve_responsible


def steps(ticket) -> list[str]:
    return list(
        TicketEvent.objects.filter(ticket=ticket, kind="complaint")
        .order_by("id")
        .values_list("action", flat=True)
    )


def test_a_responsibility_complaint_runs_from_intake_to_archive(people):
    agent, handler, head = people["agent"], people["dept_handler"], people["dept_head"]
    ticket = make_complaint(agent, department="repair")
    ticket = resolve_responsible(ticket, agent=agent, handler=handler, head=head)
    assert ticket.status == "resolved"
    with pytest.raises(ServiceError) as refused:
        tickets.transition_ticket(ticket.serial, actor=agent, action="close")
    assert refused.value.detail == "请先填写原因分析和整改措施"
    complaints.record_lessons(
        ticket.serial, actor=agent, cause="抄表员服务意识不足", corrective_action="全员服务规范培训"
    )
    with pytest.raises(ServiceError) as no_callback:
        tickets.transition_ticket(ticket.serial, actor=agent, action="close")
    assert no_callback.value.detail == "责任投诉须回访后才能归档"  # 100% callback (DOMAIN §2)
    tickets.transition_ticket(ticket.serial, actor=agent, action="follow_up", note="客户满意")
    tickets.transition_ticket(ticket.serial, actor=agent, action="close")
    assert steps(ticket) == ["classify", "plan_proposed", "plan_approved", "confirmed", "lessons"]


def test_resolving_waits_for_the_class_the_plan_and_the_confirmation(people):
    agent, handler, head = people["agent"], people["dept_handler"], people["dept_head"]
    ticket = make_complaint(agent, department="repair")
    tickets.transition_ticket(ticket.serial, actor=handler, action="start")

    def refusal() -> str:
        with pytest.raises(ServiceError) as refused:
            tickets.transition_ticket(ticket.serial, actor=handler, action="resolve")
        return refused.value.detail

    assert refusal() == "请先界定投诉责任"
    complaints.classify_complaint(ticket.serial, actor=handler, complaint_class="responsible")
    assert refusal() == "处理方案尚未批准"
    complaints.propose_plan(ticket.serial, actor=handler, text="更换水表")
    assert refusal() == "处理方案尚未批准"
    complaints.decide_plan(ticket.serial, actor=head, approve=True)
    assert refusal() == "请先记录客户确认"
    ticket.refresh_from_db()
    assert ticket.status == "in_progress"


def test_a_major_complaints_plan_needs_the_general_manager_too(people):
    agent, handler, head, gm = (
        people["agent"],
        people["dept_handler"],
        people["dept_head"],
        people["gm"],
    )
    ticket = make_complaint(agent, department="repair", loss_or_injury=True)
    tickets.transition_ticket(ticket.serial, actor=handler, action="start")
    complaints.propose_plan(ticket.serial, actor=handler, text="赔偿客户损失")
    plan = complaints.decide_plan(ticket.serial, actor=head, approve=True)
    assert plan.state == Plan.State.PENDING_GM
    with pytest.raises(ServiceError) as refused:
        complaints.decide_plan(ticket.serial, actor=head, approve=True)
    assert refused.value.code == "forbidden"
    plan = complaints.decide_plan(ticket.serial, actor=gm, approve=True)
    assert (plan.state, plan.gm_decided_by) == (Plan.State.APPROVED, gm)


def test_a_rejected_plan_is_revised_as_a_new_version(people):
    agent, handler, head = people["agent"], people["dept_handler"], people["dept_head"]
    ticket = make_complaint(agent, department="repair")
    tickets.transition_ticket(ticket.serial, actor=handler, action="start")
    complaints.propose_plan(ticket.serial, actor=handler, text="口头道歉")
    with pytest.raises(ServiceError) as no_reason:
        complaints.decide_plan(ticket.serial, actor=head, approve=False)
    assert no_reason.value.field == "note"
    complaints.decide_plan(ticket.serial, actor=head, approve=False, note="须书面道歉并减免水费")
    complaints.propose_plan(ticket.serial, actor=handler, text="书面道歉,减免当月水费")
    plans = list(Plan.objects.filter(complaint__ticket=ticket).values_list("version", "state"))
    assert plans == [(1, "rejected"), (2, "pending_head")]


def test_only_the_departments_own_staff_propose_and_only_its_head_approves(people):
    agent, handler, head = people["agent"], people["dept_handler"], people["dept_head"]
    ticket = make_complaint(agent, department="billing")
    with pytest.raises(ServiceError) as other_department:
        complaints.propose_plan(ticket.serial, actor=handler, text="方案")
    assert other_department.value.code == "not_found"  # not even visible to them
    with pytest.raises(ServiceError) as agent_refused:
        complaints.propose_plan(ticket.serial, actor=agent, text="方案")
    assert agent_refused.value.code == "forbidden"
    billing = people["other_dept_handler"]
    tickets.transition_ticket(ticket.serial, actor=billing, action="start")
    complaints.propose_plan(ticket.serial, actor=billing, text="核对账单")
    with pytest.raises(ServiceError) as handler_refused:
        complaints.decide_plan(ticket.serial, actor=billing, approve=True)
    assert handler_refused.value.code == "forbidden"
    with pytest.raises(ServiceError) as other_head:
        complaints.decide_plan(ticket.serial, actor=head, approve=True)
    assert other_head.value.code == "not_found"  # another department's head
    assert Plan.objects.get(complaint__ticket=ticket).state == "pending_head"


def test_a_complaint_outside_the_companys_responsibility_is_explained(people):
    agent = people["agent"]
    ticket = make_complaint(agent, content="小区物业乱收停车费")
    complaints.classify_complaint(ticket.serial, actor=agent, complaint_class="not_responsible")
    with pytest.raises(ServiceError) as refused:
        tickets.transition_ticket(ticket.serial, actor=agent, action="resolve")
    assert refused.value.detail == "请先记录向客户所作的解释"
    complaints.record_explanation(ticket.serial, actor=agent, text="停车费由物业公司收取")
    assert tickets.transition_ticket(ticket.serial, actor=agent, action="resolve").status == (
        "resolved"
    )


def test_an_assist_complaint_gives_the_customer_the_utilitys_hotline(people):
    agent = people["agent"]
    ticket = make_complaint(agent, content="小区停电导致水泵不能工作")
    complaints.classify_complaint(ticket.serial, actor=agent, complaint_class="assist")
    power = MunicipalHotline.objects.get(number="95598")
    complaint = complaints.give_hotline(ticket.serial, actor=agent, hotline_id=power.id)
    assert complaint.reply_text == (
        "您反映的问题属于国家电网供电服务热线负责,请拨打 95598,我们会跟进处理结果。"
    )
    tickets.transition_ticket(ticket.serial, actor=agent, action="resolve")
    with pytest.raises(ServiceError) as unknown:
        complaints.give_hotline(ticket.serial, actor=agent, hotline_id=power.id)
    assert unknown.value.code == "invalid_transition"  # resolved: nothing more to give


def test_an_undecidable_complaint_books_an_on_site_determination(people, time_machine):
    import datetime as dt
    from zoneinfo import ZoneInfo

    sh = ZoneInfo("Asia/Shanghai")
    time_machine.move_to(dt.datetime(2025, 6, 3, 9, 0, tzinfo=sh), tick=False)
    agent = people["agent"]
    ticket = make_complaint(agent, content="水表被换后读数偏高")
    complaint = complaints.book_onsite_determination(
        ticket.serial, actor=agent, at=dt.datetime(2025, 6, 4, 14, 0, tzinfo=sh), note="约好上门"
    )
    assert (complaint.determination, complaint.complaint_class) == ("onsite", "")
    complaints.classify_complaint(
        ticket.serial, actor=agent, complaint_class="responsible", note="现场发现水表安装错误"
    )
    complaint.refresh_from_db()
    assert (complaint.determination, complaint.complaint_class) == ("decided", "responsible")
    with pytest.raises(ServiceError):
        complaints.book_onsite_determination(
            ticket.serial, actor=agent, at=dt.datetime(2025, 6, 5, 9, 0, tzinfo=sh)
        )


def test_an_unsatisfied_customer_sends_it_back_until_satisfied(people):
    agent, handler, head = people["agent"], people["dept_handler"], people["dept_head"]
    ticket = make_complaint(agent, department="repair")
    ticket = resolve_responsible(ticket, agent=agent, handler=handler, head=head)
    ticket = complaints.record_unsatisfied(ticket.serial, actor=agent, words="道歉不够诚恳")
    assert (ticket.status, ticket.department.code) == ("dispatched", "repair")
    complaint = ticket.complaint
    complaint.refresh_from_db()
    assert (complaint.unsatisfied_count, complaint.confirmed_at) == (1, None)
    assert Plan.objects.get(complaint=complaint).state == "superseded"
    reopened = TicketEvent.objects.filter(ticket=ticket, action="reopen").get()
    assert reopened.note == "客户不满意:道歉不够诚恳"
    # A new plan, approved again, and the customer is satisfied this time.
    tickets.transition_ticket(ticket.serial, actor=handler, action="start")
    complaints.propose_plan(ticket.serial, actor=handler, text="经理上门道歉")
    complaints.decide_plan(ticket.serial, actor=head, approve=True)
    complaints.record_confirmation(ticket.serial, actor=agent, method="signature", note="")
    assert tickets.transition_ticket(ticket.serial, actor=agent, action="resolve").status == (
        "resolved"
    )


def test_a_refused_step_changes_nothing(people):
    agent, quality = people["agent"], people["quality"]
    ticket = make_complaint(agent)
    before = TicketEvent.objects.filter(ticket=ticket).count()
    with pytest.raises(ServiceError) as refused:
        complaints.classify_complaint(ticket.serial, actor=quality, complaint_class="responsible")
    assert refused.value.code == "forbidden"
    with pytest.raises(ServiceError) as bad:
        complaints.classify_complaint(ticket.serial, actor=agent, complaint_class="maybe")
    assert bad.value.field == "complaint_class"
    ticket.complaint.refresh_from_db()
    assert ticket.complaint.complaint_class == ""
    assert TicketEvent.objects.filter(ticket=ticket).count() == before


def test_complaint_steps_on_another_type_are_refused(agent):
    from tests.tickets.factories import make_ticket

    repair = make_ticket(agent, type="repair")
    with pytest.raises(ServiceError) as refused:
        complaints.classify_complaint(repair.serial, actor=agent, complaint_class="responsible")
    assert refused.value.detail == "该工单不是投诉"
    with pytest.raises(ServiceError) as intake:
        make_ticket(agent, type="repair", loss_or_injury=True)
    assert intake.value.field == "category"


def _collective(agent):
    from tests.complaints.test_severity import NO_WATER

    made = [
        make_complaint(agent, content=text, caller_number=f"1390000010{i}", area="yhy")
        for i, text in enumerate(NO_WATER)
    ]
    from kefu.complaints.models import Complaint

    return made, Complaint.objects.get(ticket=made[0]).group_id


def test_one_owner_takes_every_open_ticket_of_a_collective_complaint(people, web_as):
    agent, lead = people["agent"], people["lead"]
    made, group_id = _collective(agent)
    tickets.transition_ticket(made[1].serial, actor=agent, action="dispatch", department="billing")
    page = web_as(lead).post(f"/complaints/groups/{group_id}/owner", {"owner": "3101"})
    assert page.status_code == 302
    for ticket in made:
        ticket.refresh_from_db()
        assert (ticket.department.code, ticket.assignee.username) == ("repair", "handler")
    transfer = TicketEvent.objects.filter(ticket=made[1], action="dispatch").last()
    assert transfer.data["from_department"] == "billing"


def test_only_leads_and_supervisors_name_the_owner(people, web_as):
    agent = people["agent"]
    made, group_id = _collective(agent)
    refused = web_as(agent).post(f"/complaints/groups/{group_id}/owner", {"owner": "3101"})
    assert refused.status_code == 422
    assert "无权指定负责人" in refused.content.decode()
    unknown = web_as(people["lead"]).post(f"/complaints/groups/{group_id}/owner", {"owner": "9"})
    assert "处理人不存在" in unknown.content.decode()
    from kefu.complaints.models import CollectiveGroup

    assert CollectiveGroup.objects.get(pk=group_id).owner_id is None
    made[0].refresh_from_db()
    assert made[0].assignee_id is None


def test_the_complaint_rules_are_edited_in_the_admin_and_complaints_only_read(admin_client):
    from kefu.complaints.models import Settings

    assert admin_client.get("/admin/complaints/category/").status_code == 200
    assert admin_client.get("/admin/complaints/routingrule/add/").status_code == 200
    assert admin_client.get("/admin/complaints/municipalhotline/").status_code == 200
    rules = Settings.objects.get()
    changed = admin_client.post(
        f"/admin/complaints/settings/{rules.pk}/change/",
        {
            "collective_customers": 6,
            "collective_window_hours": 12,
            "similarity": 0.2,
            "unresolved_months": 1,
        },
    )
    assert changed.status_code == 302
    rules.refresh_from_db()
    assert (rules.collective_customers, rules.collective_window_hours) == (6, 12)
    second = admin_client.post(
        "/admin/complaints/settings/add/",
        {
            "collective_customers": 5,
            "collective_window_hours": 24,
            "similarity": 0.15,
            "unresolved_months": 1,
        },
    )
    assert "投诉规则只有一条" in second.content.decode()
    assert Settings.objects.count() == 1
    assert admin_client.get("/admin/complaints/complaint/add/").status_code == 403


def test_a_complaint_found_major_after_approval_goes_to_the_general_manager(people):
    agent, handler, head, gm = (
        people["agent"],
        people["dept_handler"],
        people["dept_head"],
        people["gm"],
    )
    ticket = make_complaint(agent, department="repair")
    tickets.transition_ticket(ticket.serial, actor=handler, action="start")
    complaints.propose_plan(ticket.serial, actor=handler, text="道歉")
    complaints.decide_plan(ticket.serial, actor=head, approve=True)
    complaints.override_severity(
        ticket.serial, actor=people["supervisor"], severity="major", reason="市长热线转办"
    )
    plan = Plan.objects.get(complaint__ticket=ticket)
    assert plan.state == "pending_gm"
    from kefu.notify.models import Notification

    assert set(
        Notification.objects.filter(event__in=["complaint.major", "complaint.plan_submitted"])
        .filter(user=gm)
        .values_list("event", flat=True)
    ) == {"complaint.major", "complaint.plan_submitted"}
    assert complaints.decide_plan(ticket.serial, actor=gm, approve=True).state == "approved"


def test_no_plan_is_decided_on_a_finished_ticket_or_by_another_departments_head(people):
    agent, handler, head = people["agent"], people["dept_handler"], people["dept_head"]
    ticket = make_complaint(agent, department="repair")
    tickets.transition_ticket(ticket.serial, actor=handler, action="start")
    complaints.propose_plan(ticket.serial, actor=handler, text="道歉")
    tickets.transition_ticket(ticket.serial, actor=agent, action="dispatch", department="billing")
    assert Plan.objects.get(complaint__ticket=ticket).state == "superseded"  # repair's plan
    with pytest.raises(ServiceError) as moved:
        complaints.decide_plan(ticket.serial, actor=head, approve=True)
    assert moved.value.code == "not_found"  # no longer repair's to see
    tickets.transition_ticket(ticket.serial, actor=agent, action="cancel", note="客户撤回")
    with pytest.raises(ServiceError) as refused:
        complaints.decide_plan(ticket.serial, actor=agent, approve=True)
    assert refused.value.code == "invalid_transition"


def test_an_on_site_date_years_away_is_refused(people):
    import datetime as dt

    from django.utils import timezone

    ticket = make_complaint(people["agent"])
    with pytest.raises(ServiceError) as refused:
        complaints.book_onsite_determination(
            ticket.serial, actor=people["agent"], at=timezone.now() + dt.timedelta(days=4000)
        )
    assert refused.value.field == "at"


def test_another_departments_members_of_a_collective_complaint_stay_hidden(people, web_as):
    agent = people["agent"]
    made, group_id = _collective(agent)
    tickets.transition_ticket(made[0].serial, actor=agent, action="dispatch", department="billing")
    for ticket in made[1:]:
        tickets.transition_ticket(
            ticket.serial, actor=agent, action="dispatch", department="repair"
        )
    page = web_as(people["other_dept_handler"]).get(f"/complaints/groups/{group_id}/")
    text = page.content.decode()
    assert made[0].serial in text
    assert not any(ticket.serial in text for ticket in made[1:])
    assert "另有 4 件属其他部门" in text


def test_a_nul_in_a_complaint_form_is_a_clear_error(people, web_as):
    ticket = make_complaint(people["agent"])
    page = web_as(people["agent"]).post(
        f"/tickets/{ticket.serial}/complaint/explanation", {"text": "a\x00b"}
    )
    assert page.status_code == 422
    assert "空字符" in page.content.decode()
