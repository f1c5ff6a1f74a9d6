"""The local store: lookups, and its Excel import (good rows written, bad rows reported,
nothing half-written)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from io import BytesIO

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from openpyxl import Workbook, load_workbook

from kefu.business.adapters import LocalAdapter, State
from kefu.business.importer import error_report, example_workbook, import_business
from kefu.business.models import Account, Bill, Shipment, ShipmentEvent
from kefu.core.errors import Code, ServiceError
from tests.business.factories import make_account, make_shipment


def _xlsx(sheets: dict[str, list[list]]) -> bytes:
    workbook = Workbook()
    workbook.remove(workbook.active)
    for title, rows in sheets.items():
        sheet = workbook.create_sheet(title)
        for row in rows:
            sheet.append(row)
    buffer = BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def test_local_account_has_its_last_six_bills_newest_first(db, django_assert_num_queries):
    make_account(months=8)

    with django_assert_num_queries(2):
        outcome = LocalAdapter().account("SW100001")

    assert outcome.state == State.OK
    assert outcome.data.arrears == Decimal("86.40")
    assert [b.period for b in outcome.data.bills] == [f"2026-0{m}" for m in range(8, 2, -1)]
    assert [b.paid for b in outcome.data.bills][:2] == [False, True]


def test_local_unknown_account_and_waybill_are_not_found(db):
    assert LocalAdapter().account("NOPE").state == State.NOT_FOUND
    assert LocalAdapter().shipments(waybill="NOPE").state == State.NOT_FOUND


def test_local_shipments_by_waybill_or_phone_with_events_newest_first(
    db, django_assert_num_queries
):
    make_shipment("YD001")
    make_shipment("YD002", phone="13900001111")

    with django_assert_num_queries(2):
        outcome = LocalAdapter().shipments(phone="13812345678")

    assert [s.waybill for s in outcome.data] == ["YD001"]
    assert [e.description for e in outcome.data[0].events] == ["到达杭州中转", "已揽收"]
    assert LocalAdapter().shipments(waybill="YD002").data[0].phone == "13900001111"


def test_import_writes_good_rows_and_reports_each_bad_one(supervisor):
    data = _xlsx(
        {
            "账户": [
                ["户号", "户名", "地址", "电话", "余额", "欠费"],
                ["SW1", "王建国", "幸福路12号", "138 1234 5678", 0, 86.4],
                ["SW2", "", "幸福路13号", "", 0, 0],  # no owner
                ["SW3", "李四", "", "12", 0, 0],  # bad phone
                ["SW4", "赵六", "", "", "", "很多"],  # arrears not a number
                ["SW5", "钱七", "", "", -1, 0],  # negative balance
            ],
            "账单": [
                ["户号", "账期", "用量", "金额", "已缴"],
                ["SW1", "2026-06", 18, 86.4, "否"],
                ["SW1", dt.datetime(2026, 5, 1), 16, 76.8, "是"],
                ["SW1", "2026年4月", 15, "72.00", ""],
                ["SW2", "2026-06", 1, 1, "否"],  # its account was refused
                ["SW1", "2026-13", 1, 1, "否"],  # no such month
                ["SW1", "2026-03", 1, "", "否"],  # no amount
                ["SW1", "2026-02", 1, 1, "也许"],  # paid neither yes nor no
            ],
            "运单": [
                ["托运单号", "状态", "电话", "发货地", "目的地"],
                ["YD1", "运输中", "13812345678", "深圳", "杭州"],
                ["YD2", "", "", "", ""],  # no status
            ],
            "轨迹": [
                ["托运单号", "时间", "地点", "说明"],
                ["YD1", "2026-06-01 08:30", "深圳", "已揽收"],
                ["YD1", dt.datetime(2026, 6, 2, 19, 10), "杭州", "派送中"],
                ["YD1", "2026-06-01 08:30", "深圳", "已揽收"],  # again: not added twice
                ["YD9", "2026-06-01 08:30", "深圳", "已揽收"],  # no such shipment
                ["YD1", "昨天", "深圳", "已揽收"],  # not a time
            ],
        }
    )

    result = import_business(data, actor=supervisor)

    assert (result.created, result.rejected) == (8, 11)
    assert [(e["sheet"], e["row"], e["field"]) for e in result.errors] == [
        ("账户", 3, "户名"),
        ("账户", 4, "电话"),
        ("账户", 5, "欠费"),
        ("账户", 6, "余额"),
        ("账单", 5, "户号"),
        ("账单", 6, "账期"),
        ("账单", 7, "金额"),
        ("账单", 8, "已缴"),
        ("运单", 3, "状态"),
        ("轨迹", 5, "托运单号"),
        ("轨迹", 6, "时间"),
    ]
    account = Account.objects.get()
    assert (account.account_no, account.phone, account.arrears) == (
        "SW1",
        "13812345678",
        Decimal("86.40"),
    )
    assert list(Bill.objects.values_list("period", "amount", "paid")) == [
        ("2026-06", Decimal("86.40"), False),
        ("2026-05", Decimal("76.80"), True),
        ("2026-04", Decimal("72.00"), False),
    ]
    assert list(Shipment.objects.values_list("waybill", flat=True)) == ["YD1"]
    assert ShipmentEvent.objects.count() == 2
    # Each refused row says why, in words the person who made the sheet understands.
    assert result.errors[0]["message"] == "“户名”不能为空"
    assert result.errors[4]["message"] == "户号 SW2 不存在,请先在“账户”表中导入"


def test_import_updates_what_is_there_by_its_number(supervisor):
    make_account("SW1", arrears="10.00", months=1)

    result = import_business(
        _xlsx(
            {
                "accounts": [["account_no", "owner", "arrears"], ["SW1", "王建国", "0"]],
                "bills": [["account_no", "period", "amount", "paid"], ["SW1", "2026-01", 9, "yes"]],
            }
        ),
        actor=supervisor,
    )

    assert (result.created, result.rejected) == (2, 0)
    account = Account.objects.get()
    assert account.arrears == Decimal("0.00")
    assert list(account.bills.values_list("period", "amount", "paid")) == [
        ("2026-01", Decimal("9.00"), True)
    ]


def test_import_refuses_a_file_that_is_not_excel_or_has_no_known_sheet(supervisor):
    with pytest.raises(ServiceError) as error:
        import_business(b"not a workbook", actor=supervisor)
    assert (error.value.code, error.value.field) == (Code.INVALID, "file")

    with pytest.raises(ServiceError) as error:
        import_business(_xlsx({"Sheet1": [["户号"], ["SW1"]]}), actor=supervisor)
    assert error.value.detail == "未找到“账户”“账单”“运单”或“轨迹”工作表"
    assert Account.objects.count() == 0


@pytest.mark.parametrize("persona", ["agent", "dept_handler", "quality"])
def test_only_supervisors_and_admins_import(people, persona):
    with pytest.raises(ServiceError) as error:
        import_business(example_workbook(), actor=people[persona])

    assert error.value.code == Code.FORBIDDEN
    assert Account.objects.count() == 0


def test_the_example_sheet_imports_whole(supervisor):
    result = import_business(example_workbook(), actor=supervisor)

    assert (result.created, result.rejected) == (4, 0)
    assert Account.objects.get().arrears == Decimal("86.40")


def test_error_report_lists_sheet_row_field_and_reason(supervisor):
    result = import_business(_xlsx({"账户": [["户号", "户名"], ["SW1", ""]]}), actor=supervisor)

    sheet = load_workbook(BytesIO(error_report(result))).active
    assert list(sheet.iter_rows(values_only=True)) == [
        ("工作表", "行号", "字段", "原因"),
        ("账户", 2, "户名", "“户名”不能为空"),
    ]


def test_import_page_shows_the_report_and_refuses_other_roles(people, web_as):
    data = _xlsx({"账户": [["户号", "户名"], ["SW1", "王建国"], ["SW2", ""]]})
    client = web_as(people["supervisor"])

    response = client.post("/business/import", {"file": _upload(data)})

    assert response.status_code == 200
    page = response.content.decode()
    assert "成功 1 行,拒绝 1 行" in page and "“户名”不能为空" in page
    example = client.get("/business/import?example=1")
    assert example["Content-Type"].startswith("application/vnd.openxmlformats")

    other = web_as(people["agent"]).post("/business/import", {"file": _upload(data)})
    assert other.status_code == 403
    assert Account.objects.count() == 1


def _upload(data: bytes) -> SimpleUploadedFile:
    return SimpleUploadedFile("b.xlsx", data)


def test_an_amount_that_rounds_past_the_column_is_refused(supervisor):
    """9999999999.995 is under the limit as typed but rounds to 10000000000.00, which the
    column cannot hold: the row is refused with its reason, not a database error."""
    data = _xlsx(
        {
            "账户": [
                ["户号", "户名", "地址", "电话", "余额", "欠费"],
                ["SW1", "王建国", "", "", 0, "9999999999.995"],
                ["SW2", "李四", "", "", 0, "9999999999.99"],
            ]
        }
    )
    result = import_business(data, actor=supervisor)
    assert (result.created, result.rejected) == (1, 1)
    assert (result.errors[0]["row"], result.errors[0]["field"]) == (2, "欠费")
    assert Account.objects.get().account_no == "SW2"
