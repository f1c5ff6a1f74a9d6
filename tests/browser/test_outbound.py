"""In a real browser: a team lead makes a 外呼 list from an Excel sheet (a number twice, a row
without one, a customer on file), reads the counts and the numbers, and starts it; an agent
takes a number, reads the script said to that customer, dials (no PBX here: the tel: link),
records 接通-已完成 and is given the next number, records 无人接听 for it and is told when a
number is next due; the lead then reads the progress per agent. Screenshots in
``test-artifacts/``."""

from __future__ import annotations

import re

import pytest

from tests.browser.conftest import CUSTOMER_PHONE
from tests.browser.conftest import login as _login
from tests.browser.conftest import shot as _shot
from tests.outbound.factories import sheet

pytestmark = pytest.mark.browser

# 韩梅梅 (the server's customer, female) by her number alone: the list names her from the
# archive and the script addresses her as 韩女士.
ROWS = [
    ("", CUSTOMER_PHONE, "老客户"),
    ("张先生", "139 0000 0002", ""),
    ("张先生", "+86 13900000002", "同一号码"),
    ("没号码", "", "漏填"),
]


def test_a_lead_makes_an_excel_list_and_an_agent_works_through_it(server, browser, tmp_path):
    from playwright.sync_api import expect

    upload = tmp_path / "名单.xlsx"
    upload.write_bytes(sheet(ROWS))

    lead = _login(browser, server, "lead")
    lead.get_by_test_id("nav-outbound").click()
    lead.wait_for_url("**/outbound/")
    new = lead.get_by_test_id("outbound-new")
    expect(new).to_contain_text("新建外呼任务")
    new.locator("input[name=name]").fill("夏季用水满意度调研")
    new.locator("select[name=purpose]").select_option(label="市场调查")
    new.get_by_label("Excel 导入").check()
    new.locator("input[name=file]").set_input_files(str(upload))
    new.locator("select[name=script]").select_option(label="外呼开场")
    new.locator("textarea[name=talking_points]").fill(
        "{greeting},请问是{title}吗?我是{company}{agent_no}号客服,想了解您家夏季的用水情况。"
    )
    # Calling hours the whole day, so the run does not depend on the clock.
    new.locator("input[name=call_from]").fill("00:00")
    new.locator("input[name=call_until]").fill("23:59")
    _shot(lead, "outbound-new")
    new.get_by_test_id("outbound-create").click()

    lead.wait_for_url(re.compile(r"/outbound/\d+/$"))
    list_id = int(re.search(r"/outbound/(\d+)/$", lead.url).group(1))
    messages = lead.get_by_test_id("message")
    expect(messages.first).to_have_text("已生成名单 2 个号码(黑名单排除 0,重复 1,无号码 1)")
    expect(messages.nth(1)).to_have_text("第 5 行:缺少电话")
    expect(lead.get_by_test_id("outbound-name")).to_contain_text("夏季用水满意度调研")
    expect(lead.get_by_test_id("outbound-status")).to_have_text("未开始")
    rows = lead.get_by_test_id("entry-row")
    expect(rows).to_have_count(2)
    expect(rows.nth(0)).to_contain_text("韩梅梅")
    expect(rows.nth(0)).to_contain_text("待拨打")
    expect(rows.nth(1)).to_contain_text("张先生")
    expect(rows.nth(1)).to_contain_text("0/3")
    expect(lead.get_by_text("外呼时段 00:00–23:59")).to_be_visible()
    lead.get_by_test_id("outbound-start").click()
    expect(lead.get_by_test_id("outbound-status")).to_have_text("进行中")
    expect(lead.get_by_test_id("work-link")).to_be_visible()

    agent = _login(browser, server, "agent")
    agent.goto(f"{server}/outbound/{list_id}/work")
    expect(agent.get_by_test_id("work-progress")).to_contain_text("已结束 0/2,待拨 2")
    agent.get_by_test_id("take-next").click()
    number = agent.get_by_test_id("entry-number")
    expect(number).to_be_visible()
    expect(agent.get_by_test_id("outbound-entry")).to_contain_text("韩梅梅")
    first = number.inner_text()
    assert first[:3] == "138" and first[-4:] == "5678", first
    script = agent.get_by_test_id("outbound-script")
    expect(script).to_contain_text("外呼开场")
    expect(script).to_contain_text("请问是韩女士吗?")
    expect(script).to_contain_text("话术要点")
    expect(script).to_contain_text("8011号客服,想了解您家夏季的用水情况")

    agent.get_by_test_id("dial").click()
    tel = agent.get_by_test_id("tel-link")
    expect(tel).to_have_attribute("href", f"tel:{CUSTOMER_PHONE}")
    expect(agent.get_by_test_id("dial-result")).to_contain_text("请用话机或软电话拨打")
    _shot(agent, "outbound-work")
    # Two columns: the number's card on the left, the script beside it.
    card = agent.get_by_test_id("outbound-entry").bounding_box()
    words = script.bounding_box()
    assert card and words and card["x"] + card["width"] <= words["x"], (card, words)
    assert abs(card["y"] - words["y"]) < 2, (card, words)

    agent.get_by_label("接通-已完成").check()
    agent.locator("textarea[name=note]").fill("客户说夏季水压稳定,满意")
    agent.get_by_test_id("attempt-save").click()
    expect(agent.get_by_test_id("message")).to_have_text("已记录")
    expect(agent.get_by_test_id("outbound-entry")).to_contain_text("张先生")
    expect(number).not_to_have_text(first)
    expect(number).to_contain_text("139")
    expect(agent.get_by_test_id("work-progress")).to_contain_text("已结束 1/2,待拨 1")

    agent.get_by_label("无人接听").check()
    agent.get_by_test_id("attempt-save").click()
    # Nothing else is due: 张先生 comes round again after the list's 120 minutes.
    expect(agent.get_by_test_id("message").nth(1)).to_contain_text("暂无可拨号码,下一个号码")
    expect(agent.get_by_test_id("take-next")).to_be_visible()
    expect(agent.get_by_test_id("outbound-entry")).to_have_count(0)

    lead.reload()
    progress = lead.get_by_test_id("outbound-progress")
    expect(progress).to_contain_text("名单 2 · 已结束 1 · 待拨 1 · 共拨打 2 次")
    expect(progress).to_contain_text("接通率 50%")
    expect(progress.locator("td[data-state=done]")).to_have_text("1")
    expect(progress.locator("td[data-state=retry]")).to_have_text("1")
    agent_rows = lead.get_by_test_id("outbound-agents").get_by_test_id("agent-row")
    expect(agent_rows).to_have_count(1)
    cells = agent_rows.first.locator("td")
    # 工号, 姓名, 拨打次数, 接通次数, 接通率, 完成数
    assert cells.all_inner_texts()[:6] == ["8011", "李娜", "2", "1", "50%", "1"]
    expect(rows.nth(0)).to_contain_text("已完成")
    expect(rows.nth(0)).to_contain_text("客户说夏季水压稳定,满意")
    expect(rows.nth(1)).to_contain_text("待重拨")
    expect(rows.nth(1)).to_contain_text("1/3")
    _shot(lead, "outbound-list")
