"""Purchases imported from the stores' till systems (a file or the API's batch), once per
(store, receipt number); memberships on the archive and the birth date masked."""

from __future__ import annotations

import datetime as dt
import io
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core.files.uploadedfile import SimpleUploadedFile
from openpyxl import Workbook

from kefu.core.models import AuditLog
from kefu.customers import members
from kefu.customers.models import Member, Purchase
from tests.customers.factories import make_customer
from tests.customers.member_factories import make_member, make_store

ZONE = ZoneInfo("Asia/Shanghai")
NOW = dt.datetime(2026, 12, 7, 15, 0, tzinfo=ZONE)
HEADER = ["门店编码", "小票号", "会员号", "金额", "消费时间"]


@pytest.fixture
def till(org, people):
    with time_machine.travel(NOW, tick=False):
        s1, s2 = make_store(org, "S01", "人民路店"), make_store(org, "S02", "解放路店")
        sz = make_store(org, "S03", "南山店", "sz")
        yield {
            "stores": (s1, s2, sz),
            "a": make_member(people["lead"], s1, "VIP001", birth=dt.date(1988, 3, 14)),
            "b": make_member(people["lead"], s2, "VIP002"),
        }


def xlsx(rows, header=HEADER) -> bytes:
    book = Workbook()
    sheet = book.active
    sheet.append(header)
    for row in rows:
        sheet.append(list(row))
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


GOOD = [
    ("S01", "A-0001", "VIP001", 128.5, dt.datetime(2026, 11, 3, 10, 15)),
    ("S01", "A-0002", "VIP002", "1,024.00", "2026-11-04 18:30"),
    ("S02", "A-0001", "VIP001", "¥66", "2026/11/05 09:00"),  # same receipt no., other store
]


def upload(client, data: bytes, name="till.xlsx"):
    return client.client.post(
        "/api/v1/customers/purchases/import",
        {"file": SimpleUploadedFile(name, data)},
        **client.auth,
    )


def test_the_same_file_twice_adds_nothing_the_second_time(till, api_as, people):
    client = api_as(people["supervisor"])
    first = upload(client, xlsx(GOOD))
    assert first.status_code == 200, first.content
    assert first.json() == {"created": 3, "already": 0, "rejected": 0, "errors": []}
    assert upload(client, xlsx(GOOD)).json() == {
        "created": 0,
        "already": 3,
        "rejected": 0,
        "errors": [],
    }
    rows = sorted(Purchase.objects.values_list("store__code", "receipt_no", "amount", "at"))
    assert rows == [
        ("S01", "A-0001", Decimal("128.50"), dt.datetime(2026, 11, 3, 10, 15, tzinfo=ZONE)),
        ("S01", "A-0002", Decimal("1024.00"), dt.datetime(2026, 11, 4, 18, 30, tzinfo=ZONE)),
        ("S02", "A-0001", Decimal("66.00"), dt.datetime(2026, 11, 5, 9, 0, tzinfo=ZONE)),
    ]


def test_a_csv_export_in_gb18030_is_read_too(till, api_as, people):
    text = "门店,小票号,会员卡号,实付金额,消费时间\nS01,C-1,VIP001,88.80,2026-11-01 12:00\n"
    resp = upload(api_as(people["supervisor"]), text.encode("gb18030"), "till.csv")
    assert resp.json()["created"] == 1
    assert Purchase.objects.get().amount == Decimal("88.80")


def test_bad_rows_are_reported_by_row_and_field_and_the_good_ones_kept(till, api_as, people):
    rows = [
        GOOD[0],
        ("S01", "B-1", "VIP001", "十块", "2026-11-01 10:00"),  # row 3
        ("S01", "B-2", "NOBODY", 10, "2026-11-01 10:00"),  # row 4
        ("S99", "B-3", "VIP001", 10, "2026-11-01 10:00"),  # row 5
        ("S01", "B-4", "VIP001", 10, "2026-13-45"),  # row 6
        ("S01", "B-5", "VIP001", -3, "2026-11-01 10:00"),  # row 7
        ("S01", "B-6", "VIP001", "1.005", "2026-11-01 10:00"),  # row 8
        ("S01", "B-7", "VIP001", 10, "2027-01-01 10:00"),  # row 9: in the future
        ("S01", "", "VIP001", 10, "2026-11-01 10:00"),  # row 10
        ("S01", "B-8", "VIP002", 10, "1999-12-31 10:00"),  # row 11
        GOOD[1],
    ]
    body = upload(api_as(people["supervisor"]), xlsx(rows)).json()
    assert (body["created"], body["already"], body["rejected"]) == (2, 0, 9)
    assert [(e["row"], e["field"]) for e in body["errors"]] == [
        (3, "amount"),
        (4, "member_no"),
        (5, "store"),
        (6, "at"),
        (7, "amount"),
        (8, "amount"),
        (9, "at"),
        (10, "receipt_no"),
        (11, "at"),
    ]
    assert all(e["message"] for e in body["errors"])
    assert sorted(Purchase.objects.values_list("receipt_no", flat=True)) == ["A-0001", "A-0002"]


def test_a_file_without_a_column_or_unreadable_is_refused_whole(till, api_as, people):
    client = api_as(people["supervisor"])
    missing = upload(client, xlsx([GOOD[0][:4]], header=HEADER[:4]))
    assert missing.status_code == 422
    assert (missing.json()["field"], missing.json()["detail"]) == ("file", "缺少列:消费时间")
    junk = upload(client, b"PK\x03\x04 not a workbook")
    assert junk.status_code == 422 and junk.json()["field"] == "file"
    assert not Purchase.objects.exists()


def _item(store="S01", receipt="API-1", member="VIP001", amount="199.90", at=None):
    return {
        "store": store,
        "receipt_no": receipt,
        "member_no": member,
        "amount": amount,
        "at": at or "2026-11-20T19:45:00+08:00",
    }


def test_the_api_batch_is_idempotent_and_reports_bad_items(till, api_as, people):
    client = api_as(people["supervisor"])
    batch = {"purchases": [_item(), _item(receipt="API-2"), _item(member="GHOST")]}
    first = client.post("/customers/purchases", batch).json()
    assert (first["created"], first["already"], first["rejected"]) == (2, 0, 1)
    assert first["errors"] == [{"row": 3, "field": "member_no", "message": "会员不存在:GHOST"}]
    again = client.post("/customers/purchases", batch).json()
    assert (again["created"], again["already"], again["rejected"]) == (0, 2, 1)
    # the same receipt twice in one batch is one purchase
    twice = client.post("/customers/purchases", {"purchases": [_item(receipt="T")] * 2}).json()
    assert (twice["created"], twice["already"]) == (1, 1)
    assert Purchase.objects.count() == 3
    assert AuditLog.objects.filter(action="purchase.import").count() == 2


@pytest.mark.parametrize(
    ("item", "field"),
    [
        (_item(amount="abc"), "purchases.1.amount"),
        (_item(amount="1.234"), "purchases.1.amount"),
        (_item(at="0001-01-01T00:00:00+08:00"), "purchases.1.at"),
        (_item(at="yesterday"), "purchases.1.at"),
    ],
)
def test_a_malformed_batch_is_refused_whole_and_writes_nothing(till, api_as, people, item, field):
    resp = api_as(people["supervisor"]).post(
        "/customers/purchases", {"purchases": [_item(receipt="OK"), item]}
    )
    assert resp.status_code == 422, resp.content
    assert field in [e["field"] for e in resp.json()["errors"]]
    assert not Purchase.objects.exists()


@pytest.mark.parametrize("role", ["agent", "lead", "quality", "dept_handler"])
def test_only_supervisors_and_admins_import(till, api_as, people, role):
    resp = api_as(people[role]).post("/customers/purchases", {"purchases": [_item()]})
    assert resp.status_code == 403
    assert not Purchase.objects.exists()


def test_a_branch_supervisor_imports_into_the_branch_stores_only(till, org):
    from kefu.accounts.models import Role
    from tests.accounts.factories import make_person

    sz_supervisor = make_person("sz-sup", Role.SUPERVISOR, number="8502", branch=org["sz"])
    rows = [
        (1, members.PurchaseIn("S03", "Z1", "VIP001", "5", NOW)),
        (2, members.PurchaseIn("S01", "Z2", "VIP001", "5", NOW)),
    ]
    result = members.import_purchases(rows, actor=sz_supervisor)
    assert (result.created, result.rejected) == (1, 1)
    assert result.errors[0] == {"row": 2, "field": "store", "message": "门店不存在:S01"}


# --- memberships ----------------------------------------------------------------------------


def test_an_agent_enrols_a_customer_and_the_number_is_unique(till, api_as, agent):
    customer = make_customer(agent, name="周女士", phones=("13700000001",))
    body = {
        "number": "VIP100",
        "level": "gold",
        "store": "S01",
        "joined_on": "2026-10-01",
        "expires_on": "2027-09-30",
        "birth_date": "1991-07-08",
    }
    resp = api_as(agent).put(f"/customers/{customer.pk}/membership", body)
    assert resp.status_code == 200, resp.content
    assert (resp.json()["level_label"], resp.json()["birth_date"]) == ("金卡", "1991-07-08")
    other = make_customer(agent, name="吴先生", phones=("13700000002",))
    clash = api_as(agent).put(f"/customers/{other.pk}/membership", body | {"number": "VIP001"})
    assert (clash.status_code, clash.json()["field"]) == (409, "number")
    assert not Member.objects.filter(customer=other).exists()


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"birth_date": "1899-12-31"}, "birth_date"),
        ({"birth_date": "2030-01-01"}, "birth_date"),
        ({"birth_date": "08/07/1991"}, "birth_date"),
        ({"store": "S99"}, "store"),
        ({"level": "platinum"}, "level"),
        ({"expires_on": "2026-01-01"}, "expires_on"),
        ({"joined_on": "1999-01-01"}, "joined_on"),
    ],
)
def test_a_bad_membership_is_refused_naming_the_field(till, api_as, agent, fields, field):
    customer = make_customer(agent, name="郑女士", phones=("13700000003",))
    body = {"number": "VIP200", "store": "S01", "joined_on": "2026-10-01"} | fields
    resp = api_as(agent).put(f"/customers/{customer.pk}/membership", body)
    assert resp.status_code == 422, resp.content
    assert field in [resp.json()["field"]] + [e["field"] for e in resp.json()["errors"]]
    assert not Member.objects.filter(customer=customer).exists()


def test_the_birth_date_is_masked_for_the_quality_inspector(till, api_as, web_as, people):
    member = till["a"]
    for role, shown in (("quality", "****-**-**"), ("lead", "1988-03-14")):
        user = people[role]
        body = api_as(user).get(f"/customers/{member.customer_id}/membership").json()
        assert (body["birth_date"], body["masked"]) == (shown, role == "quality")
        listed = api_as(user).get("/customers/members", {"q": "VIP001"}).json()
        assert [m["birth_date"] for m in listed["items"]] == [shown]
        page = web_as(user).get(f"/customers/{member.customer_id}/").content.decode()
        assert f'data-testid="member-birth">{shown}<' in page
        assert ("1988-03-14" in page) == (role == "lead")
        names = web_as(user).get("/customers/members/list").content.decode()
        assert ("1988-03-14" in names) == (role == "lead")


def test_the_import_page_shows_the_counts_and_the_refused_rows(till, web_as, people):
    client = web_as(people["supervisor"])
    rows = [GOOD[0], ("S01", "B-1", "NOBODY", 10, "2026-11-01 10:00")]
    page = client.post(
        "/customers/purchases/import", {"file": SimpleUploadedFile("t.xlsx", xlsx(rows))}
    )
    assert page.status_code == 200
    text = page.content.decode()
    assert "新增 1 条,已导入过 0 条,拒绝 1 条" in text
    assert "<td>3</td><td>member_no</td><td>会员不存在:NOBODY</td>" in text
    again = client.post(
        "/customers/purchases/import", {"file": SimpleUploadedFile("t.xlsx", xlsx(rows))}
    )
    assert "新增 0 条,已导入过 1 条,拒绝 1 条" in again.content.decode()
    junk = client.post(
        "/customers/purchases/import", {"file": SimpleUploadedFile("t.xlsx", b"PK junk")}
    )
    assert junk.status_code == 422 and "无法读取文件" in junk.content.decode()
    assert Purchase.objects.count() == 1
    assert web_as(people["agent"]).get("/customers/purchases/import").status_code == 403


def test_an_anonymised_customers_membership_keeps_its_card_but_not_the_birth_date(org, people):
    import datetime as dt

    from kefu.customers.models import Customer, Member
    from kefu.customers.retention import anonymise_customer
    from tests.customers.member_factories import make_member, make_store

    store = make_store(org)
    member = make_member(people["supervisor"], store, "M900", birth=dt.date(1980, 5, 17))
    anonymise_customer(Customer.objects.select_for_update().get(pk=member.customer_id))
    member.refresh_from_db()
    assert member.birth_date is None
    assert (member.number, member.store_id) == ("M900", store.pk)
    assert Member.objects.count() == 1
