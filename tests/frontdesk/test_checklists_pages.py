"""The end-of-shift checklist pages: the shift's checklists, the fill-in form (a refusal shown
again with what was tapped), a run's page with its exceptions closed, the editor, the roles."""

from __future__ import annotations

import datetime as dt

import pytest

from kefu.frontdesk import checklists
from kefu.frontdesk.models import Checklist, ChecklistRun
from kefu.notify.models import Delivery
from kefu.workforce.models import ShiftTemplate
from tests.frontdesk.checklist_factories import all_ok, asset_checklist, safety_checklist
from tests.frontdesk.shift_factories import shift_around

pytestmark = pytest.mark.django_db

H = dt.timedelta(hours=1)


@pytest.fixture(autouse=True)
def only_our_shifts():
    ShiftTemplate.objects.update(is_active=False)


@pytest.fixture
def day():
    _template, day = shift_around("D1", starts_in=-7 * H, name="游客中心早班")
    return day


def test_the_desk_fills_a_checklist_with_an_exception(agent, lead, people, web_as, day):
    officer = people["supervisor"]
    checklist = safety_checklist(lead, officer)
    client = web_as(agent)
    shift_page = client.get("/frontdesk/shift/").content.decode()
    assert 'href="/frontdesk/checklists/"' in shift_page
    listed = client.get(f"/frontdesk/checklists/?day={day.isoformat()}&shift=D1")
    body = listed.content.decode()
    assert listed.status_code == 200 and "班后设施、设备安全检查" in body and "待填写" in body
    fill_url = f"/frontdesk/checklists/{checklist.pk}/fill?day={day.isoformat()}&amp;shift=D1"
    assert fill_url in body
    form = client.get(fill_url.replace("&amp;", "&"))
    assert form.status_code == 200 and form.content.decode().count('data-testid="ck-item"') == 4

    posted = {"day": day.isoformat(), "shift": "D1", "ok_0": "1", "ok_1": "0", "ok_2": "1"}
    refused = client.post(f"/frontdesk/checklists/{checklist.pk}/fill", posted)
    assert refused.status_code == 422
    text = refused.content.decode()
    assert "请选择「空调已关闭」正常或异常" not in text  # 空调 was tapped: an exception
    assert "「空调已关闭」异常,请填写异常说明" in text
    assert 'name="ok_1" value="0" checked' in text  # what was tapped is kept
    assert not ChecklistRun.objects.exists()

    posted |= {"ok_3": "1", "note_1": "2号空调遥控失灵,已拉闸断电"}
    done = client.post(f"/frontdesk/checklists/{checklist.pk}/fill", posted)
    run = ChecklistRun.objects.get()
    assert done.status_code == 302 and done["Location"] == f"/frontdesk/checklists/runs/{run.pk}/"
    shown = client.get(done["Location"]).content.decode()
    assert "2号空调遥控失灵,已拉闸断电" in shown and "1 项异常未处理" in shown
    assert 'data-testid="close-form"' not in shown  # the agent does not close it
    assert Delivery.objects.filter(event=checklists.CHECKLIST_EVENT, user=officer).exists()
    # Filled: the list links the run, the form sends to it.
    again = client.get(f"/frontdesk/checklists/{checklist.pk}/fill?day={day.isoformat()}&shift=D1")
    assert again.status_code == 302 and again["Location"] == f"/frontdesk/checklists/runs/{run.pk}/"

    # The officer closes the exception on the run's page.
    client.force_login(officer)
    page = client.get(f"/frontdesk/checklists/runs/{run.pk}/").content.decode()
    assert 'data-testid="close-form"' in page
    answer = run.answers.get(position=2)
    client.post(
        f"/frontdesk/checklists/runs/{run.pk}/",
        {"answer": answer.pk, "result": "已请电工更换遥控接收器"},
    )
    closed = client.get(f"/frontdesk/checklists/runs/{run.pk}/").content.decode()
    assert "已请电工更换遥控接收器" in closed and "异常均已处理" in closed


def test_assets_tapped_ok_count_as_expected_and_a_short_count_asks_for_a_note(
    agent, lead, people, web_as, day
):
    checklist = asset_checklist(lead, people["supervisor"])
    client = web_as(agent)
    url = f"/frontdesk/checklists/{checklist.pk}/fill"
    base = {"day": day.isoformat(), "shift": "D1", "ok_0": "1", "ok_1": "1", "ok_2": "1"}
    short = client.post(url, base | {"count_1": "3"})
    assert short.status_code == 422
    text = short.content.decode()
    assert "「对讲机」实点 3,少于应有的 4,请填写异常说明" in text
    assert 'name="ok_1" value="0" checked' in text  # shown as the exception it is
    done = client.post(url, base | {"count_1": "3", "note_1": "一部送修"})
    assert done.status_code == 302
    run = ChecklistRun.objects.get()
    assert [(a.counted, a.ok) for a in run.answers.all()] == [(3, True), (3, False), (20, True)]


def test_the_shift_leader_sees_the_day_and_keeps_the_checklists(agent, lead, people, web_as, day):
    officer = people["supervisor"]
    safety = safety_checklist(lead, officer)
    checklists.submit_run(agent, safety.pk, day=day, shift_code="D1", answers=all_ok(safety))
    client = web_as(lead)
    page = client.get(f"/frontdesk/checklists/?day={day.isoformat()}&shift=D1").content.decode()
    assert 'data-testid="checklist-day"' in page and "已填写" in page
    made = client.post(
        "/frontdesk/checklists/templates/",
        {
            "kind": "assets",
            "name": "大厅固定资产",
            "items": "轮椅 3\n婴儿车 2\n急救箱 1",
            "officer": lead.pk,
        },
    )
    checklist = Checklist.objects.get(name="大厅固定资产")
    assert made.status_code == 302
    assert checklist.items == [
        {"text": "轮椅", "expected": 3},
        {"text": "婴儿车", "expected": 2},
        {"text": "急救箱", "expected": 1},
    ]
    no_count = client.post(
        "/frontdesk/checklists/templates/",
        {"kind": "assets", "name": "雨伞", "items": "雨伞", "officer": lead.pk},
    )
    assert no_count.status_code == 422 and "请填写「雨伞」的应有数量" in no_count.content.decode()
    edit = f"/frontdesk/checklists/templates/{checklist.pk}/"
    assert "轮椅 3\n婴儿车 2" in client.get(edit).content.decode()
    client.post(edit, {"name": "大厅固定资产", "items": "轮椅 4\n婴儿车 2", "officer": officer.pk})
    checklist.refresh_from_db()
    assert (checklist.items[0], checklist.officer_id) == (
        {"text": "轮椅", "expected": 4},
        officer.pk,
    )
    client.post(edit, {"what": "retire"})
    checklist.refresh_from_db()
    assert not checklist.is_active
    listed = client.get("/frontdesk/checklists/templates/").content.decode()
    assert "大厅固定资产" in listed and "已停用" in listed


def test_pages_refuse_who_may_not(agent, lead, people, web_as, client, day):
    checklist = safety_checklist(lead, people["supervisor"])
    run = checklists.submit_run(
        lead, checklist.pk, day=day, shift_code="D1", answers=all_ok(checklist)
    )
    web_as(agent)
    assert client.get("/frontdesk/checklists/templates/").status_code == 403
    assert client.get(f"/frontdesk/checklists/templates/{checklist.pk}/").status_code == 403
    client.force_login(people["quality"])
    assert client.get(f"/frontdesk/checklists/runs/{run.pk}/").status_code == 200
    assert client.get(f"/frontdesk/checklists/{checklist.pk}/fill").status_code == 403
    for user in (people["dept_handler"], people["dept_head"]):
        client.force_login(user)
        for url in (
            "/frontdesk/checklists/",
            f"/frontdesk/checklists/{checklist.pk}/fill",
            f"/frontdesk/checklists/runs/{run.pk}/",
            "/frontdesk/checklists/templates/",
        ):
            assert client.get(url).status_code == 403, url
    client.force_login(agent)
    assert client.get("/frontdesk/checklists/runs/999999/").status_code == 404


def test_a_wrong_shift_posted_is_refused_on_the_form(agent, lead, people, web_as, day):
    checklist = safety_checklist(lead, people["supervisor"])
    posted = {"day": day.isoformat(), "shift": "ZZ"} | {f"ok_{n}": "1" for n in range(4)}
    refused = web_as(agent).post(f"/frontdesk/checklists/{checklist.pk}/fill", posted)
    assert refused.status_code == 422 and "班次不存在" in refused.content.decode()
    no_shift = web_as(agent).post(
        f"/frontdesk/checklists/{checklist.pk}/fill", posted | {"shift": ""}
    )
    assert no_shift.status_code == 422
    assert not ChecklistRun.objects.exists()
