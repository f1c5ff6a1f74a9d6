"""A complaint from the call to the archive, in a real browser, one role after another:
the agent records it (category, read-back) and sends it to 维修部; the handler decides it is a
responsibility complaint and proposes a plan; the department head approves it; the handler
asks the customer to confirm; the agent records the confirmation and resolves it; a callback
task appears, the team lead calls the customer back and records satisfaction with a score; the
agent records the lessons and archives it. Screenshots go to ``test-artifacts/``."""

from __future__ import annotations

import pytest

from tests.browser.conftest import login, save_and_open, shot

pytestmark = pytest.mark.browser


def test_a_complaint_from_intake_to_the_archive(server, browser):
    from playwright.sync_api import expect

    agent = login(browser, server, "agent")
    agent.get_by_test_id("phone-lookup").fill("13812345678")
    expect(agent.get_by_test_id("customer-card")).to_contain_text("韩梅梅")
    complaint_box = agent.locator("[data-complaint-fields]")
    expect(complaint_box).to_be_hidden()
    agent.select_option("#id_type", label="投诉")
    expect(complaint_box).to_be_visible()
    agent.select_option("#id_category", label="服务态度")
    agent.fill("#id_content", "维修人员上门态度恶劣,还把地板弄脏了")
    agent.fill("#id_desired_result", "道歉并清理干净")
    agent.select_option("#id_department", label="维修部(总公司)")
    shot(agent, "complaint-1-intake")
    agent.get_by_test_id("readback-button").click()
    expect(agent.get_by_test_id("readback")).to_contain_text("维修人员上门态度恶劣")
    save_and_open(agent)
    serial = agent.get_by_test_id("serial").inner_text()
    card = agent.get_by_test_id("complaint")
    expect(card.get_by_test_id("severity")).to_have_text("一般")
    expect(card.get_by_test_id("complaint-class")).to_have_text("待界定")
    expect(agent.get_by_test_id("deadlines")).to_contain_text("处理结果")
    shot(agent, "complaint-2-recorded")

    handler = login(browser, server, "handler")
    handler.goto(f"{server}/tickets/{serial}/")
    handler.get_by_test_id("action-start").click()
    expect(handler.get_by_test_id("status")).to_have_text("处理中")
    handler.get_by_test_id("complaint-class-select").select_option("responsible")
    handler.get_by_test_id("step-classify").click()
    expect(handler.get_by_test_id("complaint-class")).to_have_text("责任投诉")
    # Resolving before the plan is approved is refused, saying why.
    handler.get_by_test_id("action-resolve").click()
    expect(handler.get_by_test_id("error")).to_have_text("处理方案尚未批准")
    handler.get_by_test_id("plan-text").fill("当面道歉,派保洁上门清理,维修人员停岗培训")
    handler.get_by_test_id("step-plan").click()
    expect(handler.get_by_test_id("plan")).to_contain_text("待部门负责人审批")
    # The step indicator: sent and classified are done, the plan waits for the head.
    stages = handler.get_by_test_id("stages")
    expect(stages.locator("[data-stage=classify]")).to_have_attribute("data-state", "done")
    expect(stages.locator("[aria-current=step]")).to_contain_text("待部门负责人办理")
    shot(handler, "complaint-3-plan")

    head = login(browser, server, "head")
    head.goto(f"{server}/tickets/{serial}/")
    head.get_by_test_id("step-approve").click()
    expect(head.get_by_test_id("plan")).to_contain_text("已批准")

    handler.reload()
    handler.get_by_test_id("action-request_confirmation").click()
    expect(handler.get_by_test_id("status")).to_have_text("待客户确认")

    agent.reload()
    agent.get_by_test_id("confirmation-method").select_option("phone")
    agent.get_by_test_id("confirmation-note").fill("客户电话确认已道歉并清理完毕")
    agent.get_by_test_id("step-confirmation").click()
    expect(agent.get_by_test_id("confirmation")).to_contain_text("电话确认")
    agent.get_by_test_id("action-resolve").click()
    expect(agent.get_by_test_id("status")).to_have_text("已解决")
    expect(agent.get_by_test_id("stages").locator("[aria-current=step]")).to_contain_text("回访")
    shot(agent, "complaint-4-resolved")

    # The callback (回访): a task by rule, due in 2 working days, on the lead's list.
    task_link = agent.get_by_test_id("callback-task")
    expect(task_link).to_contain_text("待回访")
    lead = login(browser, server, "lead")
    lead.goto(f"{server}/followups/?view=open")
    row = lead.get_by_test_id("followups").locator("tr", has_text=serial)
    row.get_by_role("link", name="回访").click()
    expect(lead.get_by_test_id("state")).to_have_text("待回访")
    form = lead.get_by_test_id("attempt-form")
    form.locator("input[name=outcome][value=satisfied]").check()
    form.locator("textarea[name=note]").fill("客户表示满意,感谢及时处理")
    form.locator("select[name=score]").select_option("5")
    shot(lead, "complaint-5-callback")
    form.get_by_role("button").click()
    expect(lead.get_by_test_id("state")).to_have_text("已回访")

    agent.reload()
    expect(agent.get_by_test_id("status")).to_have_text("已回访")
    agent.get_by_test_id("lessons-cause").fill("维修人员服务规范执行不到位")
    agent.get_by_test_id("lessons-action").fill("维修班组服务规范培训,纳入月度考核")
    agent.get_by_test_id("step-lessons").click()
    agent.get_by_test_id("action-close").click()
    expect(agent.get_by_test_id("status")).to_have_text("已归档")
    timeline = agent.get_by_test_id("timeline")
    for step in ("投诉处理", "刘强", "赵军", "李娜", "王芳"):
        expect(timeline).to_contain_text(step)
    shot(agent, "complaint-6-archived")
