"""The outbound API and pages call the same services: make a list from a source or a sheet,
start it, work it (next, dial, outcome), read its progress and numbers (masked by permission),
export it; refused roles get 403 and change nothing; bad input answers in the one error shape."""

from __future__ import annotations

import datetime as dt
import zipfile
from io import BytesIO

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from openpyxl import load_workbook

from kefu.outbound.models import OutboundAttempt, OutboundEntry, OutboundList
from tests.customers.member_factories import make_member, make_store
from tests.outbound.factories import NUMBERS, at, excel_list, sheet

MORNING = "2026-12-07 10:00"


@pytest.fixture
def morning(time_machine):
    time_machine.move_to(at(MORNING), tick=False)
    return time_machine


def test_a_list_made_started_and_worked_through_the_api(org, people, api_as, morning):
    store = make_store(org, "S01", "人民路店")
    for n in range(3):
        make_member(
            people["lead"], store, f"{n}", phone=f"1380000009{n}", joined=dt.date(2025, 1, 1)
        )
    lead, agent = api_as(people["lead"]), api_as(people["agent"])
    made = lead.post(
        "/outbound/lists",
        {
            "name": "流失会员挽回",
            "purpose": "churned",
            "source": "churned",
            "params": {"quiet_days": 90},
            "script": "outbound_opener",
            "max_attempts": 2,
            "retry_minutes": 30,
            "call_from": "08:30",
            "call_until": "21:00",
        },
    )
    assert made.status_code == 201, made.content
    body = made.json()
    list_id = body["outbound"]["id"]
    assert (body["added"], body["outbound"]["status"], body["outbound"]["call_from"]) == (
        3,
        "draft",
        "08:30",
    )
    # a draft is not the agents' yet
    assert agent.post(f"/outbound/lists/{list_id}/next").status_code == 404
    assert lead.post(f"/outbound/lists/{list_id}/start").json()["status"] == "active"
    taken = agent.post(f"/outbound/lists/{list_id}/next").json()["entry"]
    assert (taken["number"], taken["name"], taken["state"]) == ("13800000090", "会员0", "pending")
    assert [s["name"] for s in taken["script"]] == ["外呼开场"]
    dialled = agent.post(f"/outbound/entries/{taken['id']}/dial").json()
    assert (dialled["mode"], dialled["uri"]) == ("tel", "tel:13800000090")
    recorded = agent.post(
        f"/outbound/entries/{taken['id']}/attempts",
        {"outcome": "done", "note": "愿意回来消费"},
    )
    assert recorded.status_code == 200, recorded.content
    done = recorded.json()
    assert (done["state"], done["attempts"], done["result"]) == ("done", 1, "愿意回来消费")
    assert [(a["number"], a["outcome"], a["actor"]) for a in done["attempt_list"]] == [
        (1, "done", "李娜")
    ]
    second = agent.post(f"/outbound/lists/{list_id}/next").json()["entry"]
    agent.post(f"/outbound/entries/{second['id']}/release")
    report = lead.get(f"/outbound/lists/{list_id}/progress").json()
    assert (report["total"], report["done"], report["attempts"], report["open"]) == (3, 1, 1, 2)
    assert [(a["name"], a["attempts"], a["completed"]) for a in report["agents"]] == [
        ("李娜", 1, 1)
    ]
    closed = lead.post(f"/outbound/lists/{list_id}/close", {"reason": "活动结束"}).json()
    assert (closed["status"], closed["close_reason"]) == ("closed", "活动结束")


def test_an_excel_list_through_the_api_names_the_rows_refused(people, api_as, morning):
    api = api_as(people["lead"])
    upload = SimpleUploadedFile(
        "list.xlsx", sheet([*NUMBERS, ("漏填", "", "")]), content_type="application/octet-stream"
    )
    reply = api.client.post(
        "/api/v1/outbound/lists/excel",
        {
            "name": "电话调查",
            "purpose": "research",
            "agents": f"{people['agent'].pk}",
            "file": upload,
        },
        **api.auth,
    )
    assert reply.status_code == 201, reply.content
    body = reply.json()
    assert (body["added"], body["errors"]) == (
        3,
        [{"row": 5, "field": "number", "message": "缺少电话"}],
    )
    assert body["outbound"]["agents"] == [people["agent"].pk]


@pytest.mark.parametrize("persona", ["agent", "quality", "dept_handler", "gm"])
def test_only_leads_make_and_steer_lists_over_the_api(people, api_as, persona, morning):
    built = excel_list(people["lead"], start=False)
    api = api_as(people[persona])
    made = api.post(
        "/outbound/lists",
        {"name": "x", "purpose": "research", "source": "churned", "params": {}},
    )
    assert (made.status_code, made.json()["code"]) == (403, "forbidden")
    started = api.post(f"/outbound/lists/{built.outbound.pk}/start")
    assert started.status_code in (403, 404)
    built.outbound.refresh_from_db()
    assert built.outbound.status == "draft" and OutboundList.objects.count() == 1


def test_the_quality_inspector_reads_numbers_masked_everywhere(people, api_as, web_as, morning):
    built = excel_list(people["lead"])
    list_id = built.outbound.pk
    api = api_as(people["quality"])
    rows = api.get(f"/outbound/lists/{list_id}/entries").json()["items"]
    assert [r["number"] for r in rows] == ["138****0001", "138****0002", "138****0003"]
    entry = api.get(f"/outbound/entries/{rows[0]['id']}").json()
    assert entry["number"] == "138****0001"
    page = web_as(people["quality"]).get(f"/outbound/{list_id}/").content.decode()
    assert "138****0001" in page and "13800000001" not in page
    export = web_as(people["quality"]).get(f"/outbound/{list_id}.xlsx")
    book = load_workbook(BytesIO(export.content))
    assert [r[1] for r in book["名单"].iter_rows(min_row=2, values_only=True)] == [
        "138****0001",
        "138****0002",
        "138****0003",
    ]
    # the agent, who calls, sees them whole
    full = api_as(people["agent"]).get(f"/outbound/lists/{list_id}/entries").json()["items"]
    assert full[0]["number"] == "13800000001"


def test_bad_input_answers_in_the_one_error_shape_and_writes_nothing(people, api_as, morning):
    lead, agent = api_as(people["lead"]), api_as(people["agent"])
    built = excel_list(people["lead"])
    for body, field in [
        ({"name": "x", "purpose": "lottery", "source": "churned"}, "purpose"),
        ({"name": "x", "purpose": "research", "source": "churned", "agents": [10**30]}, "agents"),
        (
            {"name": "x", "purpose": "survey", "source": "survey", "params": {"percent": 0}},
            "percent",
        ),
        (
            {"name": "x", "purpose": "survey", "source": "survey", "params": {"date_from": "x"}},
            "date_from",
        ),
        ({"name": "x", "purpose": "research", "source": "churned", "call_from": "25:00"}, None),
    ]:
        reply = lead.post("/outbound/lists", body)
        assert reply.status_code == 422, (body, reply.content)
        assert reply.json()["code"] == "invalid"
        if field:
            assert reply.json()["field"] == field, reply.json()
    assert OutboundList.objects.count() == 1
    entry = agent.post(f"/outbound/lists/{built.outbound.pk}/next").json()["entry"]
    bad = agent.post(f"/outbound/entries/{entry['id']}/attempts", {"outcome": "maybe"})
    assert (bad.status_code, bad.json()["field"]) == (422, "outcome")
    assert agent.post("/outbound/entries/999999/attempts", {"outcome": "done"}).status_code == 404
    assert agent.get("/outbound/lists/99999999999999999999").status_code in (404, 422)
    assert agent.get("/outbound/lists", {"status": "whatever"}).status_code == 200
    assert not OutboundAttempt.objects.exists()


def test_the_pages_make_work_and_export_a_list(people, web_as, morning):
    lead = web_as(people["lead"])
    page = lead.get("/outbound/")
    assert page.status_code == 200 and "新建外呼任务" in page.content.decode()
    upload = SimpleUploadedFile("名单.xlsx", sheet(NUMBERS))
    made = lead.post(
        "/outbound/new",
        {
            "name": "停水回访",
            "purpose": "callback",
            "source": "excel",
            "file": upload,
            "script": "outbound_opener",
            "talking_points": "{greeting},{title}",
            "max_attempts": 3,
            "retry_minutes": 60,
            "call_from": "09:00",
            "call_until": "20:00",
        },
    )
    outbound = OutboundList.objects.get()
    assert made.status_code == 302 and made["Location"] == f"/outbound/{outbound.pk}/"
    lead.post(f"/outbound/{outbound.pk}/start")
    outbound.refresh_from_db()
    assert outbound.status == "active"
    agent = web_as(people["agent"])
    agent.post(f"/outbound/{outbound.pk}/next")
    work = agent.get(f"/outbound/{outbound.pk}/work").content.decode()
    assert "13800000001" in work and "外呼开场" in work and "张先生" in work
    entry = OutboundEntry.objects.get(number="13800000001")
    refused = agent.post(f"/outbound/entry/{entry.pk}/attempt", {"outcome": "unsatisfied"})
    assert refused.status_code == 422 and "请记录客户的原话" in refused.content.decode()
    saved = agent.post(f"/outbound/entry/{entry.pk}/attempt", {"outcome": "done", "note": "已知晓"})
    assert saved.status_code == 302
    entry.refresh_from_db()
    assert entry.state == "done"
    # the next number is already held for the agent
    assert OutboundEntry.objects.get(number="13800000002").held_by == people["agent"]
    dial = agent.post(
        f"/outbound/entry/{OutboundEntry.objects.get(number='13800000002').pk}/dial",
        HTTP_HX_REQUEST="true",
    )
    assert 'href="tel:13800000002"' in dial.content.decode()
    export = lead.get(f"/outbound/{outbound.pk}.xlsx")
    book = load_workbook(BytesIO(export.content))
    assert book.sheetnames == ["名单", "坐席进度", "拨打记录"]
    assert list(book["坐席进度"].iter_rows(min_row=2, values_only=True))[0][:5] == (
        "8011",
        "李娜",
        1,
        1,
        1,
    )
    # agents and department staff may not make lists or pull the sheet template
    assert agent.post("/outbound/new", {"name": "x"}).status_code == 403
    assert OutboundList.objects.count() == 1
    assert web_as(people["dept_handler"]).get("/outbound/").status_code == 403
    assert agent.get("/outbound/sample.xlsx").status_code == 403


def test_a_masked_viewer_finds_a_number_only_whole(people, api_as, web_as, morning):
    built = excel_list(people["lead"], [("张", "13912345678", "")])
    url = f"/outbound/lists/{built.outbound.pk}/entries"
    quality = api_as(people["quality"])
    assert [quality.get(url, {"number": f"139{d}"}).json()["count"] for d in "0123456789"] == [
        0
    ] * 10
    assert quality.get(url, {"number": "139 1234 5678"}).json()["count"] == 1
    assert api_as(people["agent"]).get(url, {"number": "1391"}).json()["count"] == 1
    page = web_as(people["lead"]).get(f"/outbound/{built.outbound.pk}/?number=139%00")
    assert page.status_code == 200


def test_odd_input_is_refused_not_a_server_error(people, api_as, web_as, morning, settings):
    lead = api_as(people["lead"])
    body = {"name": "x", "purpose": "research", "source": "churned"}
    aware = lead.post("/outbound/lists", body | {"call_from": "09:00+08:00"})
    assert (aware.status_code, aware.json()["field"]) == (422, "call_from")
    infinite = lead.client.post(
        "/api/v1/outbound/lists",
        '{"name": "x", "purpose": "survey", "source": "survey", "params": {"percent": Infinity}}',
        content_type="application/json",
        **lead.auth,
    )
    assert (infinite.status_code, infinite.json()["field"]) == (422, "percent")
    superscript = lead.client.post(
        "/api/v1/outbound/lists/excel",
        {
            "name": "x",
            "purpose": "research",
            "agents": "²",
            "file": SimpleUploadedFile("a.xlsx", sheet(NUMBERS)),
        },
        **lead.auth,
    )
    assert (superscript.status_code, superscript.json()["field"]) == (422, "agents")
    # a sheet whose first bytes are fine and the rest is broken
    book = BytesIO(sheet(NUMBERS))
    damaged = BytesIO()
    with zipfile.ZipFile(book) as source, zipfile.ZipFile(damaged, "w") as target:
        for item in source.infolist():
            data = source.read(item)
            if item.filename.endswith("sheet1.xml"):
                data = data[: len(data) // 2]
            target.writestr(item, data)
    broken = lead.client.post(
        "/api/v1/outbound/lists/excel",
        {
            "name": "x",
            "purpose": "research",
            "file": SimpleUploadedFile("a.xlsx", damaged.getvalue()),
        },
        **lead.auth,
    )
    assert (broken.status_code, broken.json()["field"]) == (422, "file")
    settings.MAX_UPLOAD_MB = 0
    big = lead.client.post(
        "/api/v1/outbound/lists/excel",
        {"name": "x", "purpose": "research", "file": SimpleUploadedFile("a.xlsx", sheet(NUMBERS))},
        **lead.auth,
    )
    assert big.status_code == 413
    # dates at the edges on the page: refused in words
    page = web_as(people["lead"]).post(
        "/outbound/new",
        {
            "name": "x",
            "purpose": "survey",
            "source": "survey",
            "date_from": "9999-12-31",
            "date_to": "9999-12-31",
            "max_attempts": 3,
            "retry_minutes": 60,
            "call_from": "09:00",
            "call_until": "20:00",
        },
        follow=True,
    )
    assert "年份应在 2000 到 2100 之间" in page.content.decode()
    assert not OutboundList.objects.exists()


def test_the_export_drops_control_characters(people, api_as, web_as, morning):
    built = excel_list(people["lead"], [("张先生", "13800000001", "备注")])
    # text from a source typed with control characters (a customer's name in the archive)
    OutboundEntry.objects.filter(outbound=built.outbound).update(name="张\x01先生", note="备\x02注")
    agent = api_as(people["agent"])
    entry = agent.post(f"/outbound/lists/{built.outbound.pk}/next").json()["entry"]
    agent.post(f"/outbound/entries/{entry['id']}/attempts", {"outcome": "done", "note": "ok\x01"})
    export = web_as(people["lead"]).get(f"/outbound/{built.outbound.pk}.xlsx")
    rows = list(
        load_workbook(BytesIO(export.content))["名单"].iter_rows(min_row=2, values_only=True)
    )
    assert (rows[0][0], rows[0][2], rows[0][6]) == ("张先生", "备注", "ok")
