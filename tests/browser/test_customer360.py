"""客户360 in a real browser: a supervisor fills the local business store from an Excel sheet
(a center without a billing API); an agent looks up a caller in arrears on the workbench and
sees the profile at once, then the bill panel (欠费 and the last bills) arriving on its own, and
looks up a shipment by its 托运单号. Screenshots go to ``test-artifacts/``."""

from __future__ import annotations

from io import BytesIO

import pytest
from openpyxl import Workbook

from tests.browser.conftest import login as _login
from tests.browser.conftest import shot as _shot

pytestmark = pytest.mark.browser

PHONE = "13698765432"


def _sheet() -> bytes:
    workbook = Workbook()
    accounts = workbook.active
    accounts.title = "账户"
    accounts.append(["户号", "户名", "地址", "电话", "余额", "欠费"])
    accounts.append(["SW360001", "周建华", "解放路 18 号 2 单元 301", PHONE, 0, 124.2])
    bills = workbook.create_sheet("账单")
    bills.append(["户号", "账期", "用量", "金额", "已缴"])
    for month, usage, paid in [(1, 14, "是"), (2, 15, "是"), (3, 16, "是"), (4, 18, "是")]:
        bills.append(["SW360001", f"2026-0{month}", usage, usage * 3.45, paid])
    bills.append(["SW360001", "2026-05", 17, 58.65, "否"])
    bills.append(["SW360001", "2026-06", 19, 65.55, "否"])
    bills.append(["SW360001", "2026-13", 1, 1, "否"])  # refused: no such month
    shipments = workbook.create_sheet("运单")
    shipments.append(["托运单号", "状态", "电话", "发货地", "目的地"])
    shipments.append(["YD360001", "运输中", "13500001111", "深圳", "杭州"])
    events = workbook.create_sheet("轨迹")
    events.append(["托运单号", "时间", "地点", "说明"])
    events.append(["YD360001", "2026-06-01 08:30", "深圳", "已揽收"])
    events.append(["YD360001", "2026-06-02 06:10", "杭州", "到达杭州转运中心"])
    buffer = BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def test_agent_sees_the_arrears_of_a_caller_and_tracks_a_shipment(server, browser, tmp_path):
    from playwright.sync_api import expect

    # The supervisor imports the sheet; the refused row is reported, the rest written.
    supervisor = _login(browser, server, "supervisor")
    sheet = tmp_path / "business.xlsx"
    sheet.write_bytes(_sheet())
    supervisor.goto(server + "/business/import")
    supervisor.set_input_files("input[name=file]", str(sheet))
    supervisor.get_by_role("button", name="导入").click()
    result = supervisor.get_by_test_id("import-result")
    expect(result).to_contain_text("成功 10 行,拒绝 1 行")
    expect(result).to_contain_text("账期应为年月")
    _shot(supervisor, "customer360-1-import")
    # The customer's archive record, with the same 户号 and a tag the agent must see first.
    created = supervisor.request.post(
        server + "/api/v1/customers",
        data={
            "name": "周建华",
            "phones": [{"number": PHONE}],
            "account_no": "SW360001",
            "address": "解放路 18 号 2 单元 301",
            "tags": ["投诉敏感"],
        },
        headers={"X-CSRFToken": _csrf(supervisor)},
    )
    assert created.status == 201, created.text()

    agent = _login(browser, server, "agent")
    agent.get_by_test_id("phone-lookup").fill(PHONE)
    expect(agent.get_by_test_id("customer-card")).to_contain_text("周建华")
    expect(agent.get_by_test_id("prominent-tag")).to_have_text("投诉敏感")
    panel = agent.get_by_test_id("business-panel")
    expect(panel.get_by_test_id("arrears")).to_have_text("欠费 124.20 元")
    expect(panel.get_by_test_id("bills").locator("tbody tr")).to_have_count(6)
    expect(panel.get_by_test_id("bills").locator("tbody tr").first).to_contain_text("2026-06")
    expect(panel.get_by_test_id("bills").locator("tbody tr").first).to_contain_text("未缴")
    _shot(agent, "customer360-2-arrears")

    # 货到哪了: the agent types the waybill the caller reads out.
    panel.get_by_test_id("waybill-input").fill("YD360001")
    panel.get_by_test_id("waybill-input").press("Enter")
    shipment = agent.get_by_test_id("business-panel").get_by_test_id("shipment")
    expect(shipment).to_contain_text("运输中")
    expect(shipment.locator("li").first).to_contain_text("到达杭州转运中心")
    # The bill panel is still there beside the shipment.
    expect(agent.get_by_test_id("arrears")).to_be_visible()
    _shot(agent, "customer360-3-shipment")

    # The customer page shows the whole picture too.
    agent.get_by_test_id("customer-card").get_by_role("link", name="周建华").click()
    expect(agent.get_by_test_id("arrears")).to_have_text("欠费 124.20 元")
    _shot(agent, "customer360-4-customer-page")


def _csrf(page) -> str:
    return next(c["value"] for c in page.context.cookies() if c["name"] == "csrftoken")
