"""Standard scripts as the agent says them: the greeting by the time of day and the festival
(lunar festivals move: one each year 2025–2030), the customer's title from the archive or the
contact name, the agent's number, the center's name and hotline; edited per center."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest

from kefu.core.models import CenterProfile
from kefu.knowledge.models import Script

pytestmark = pytest.mark.django_db
TZ = ZoneInfo("Asia/Shanghai")


def at(text: str) -> dt.datetime:
    return dt.datetime.fromisoformat(text).replace(tzinfo=TZ)


@pytest.fixture
def center(db):
    return CenterProfile.objects.create(name="清源水务", hotline="96116")  # 中心信息


@pytest.fixture
def customer(api_as, agent):
    made = api_as(agent).post(
        "/customers", {"name": "张伟", "gender": "male", "phones": [{"number": "13800138000"}]}
    )
    assert made.status_code == 201, made.json()
    return made.json()


def _scripts(api, **params) -> dict:
    answer = api.get("/knowledge/scripts", params)
    assert answer.status_code == 200, answer.json()
    body = answer.json()
    body["by_scene"] = {s["scene"]: s["text"] for s in body["scripts"]}
    return body


def test_the_greeting_names_the_customer_the_agent_and_the_center(
    api_as, agent, center, customer, time_machine
):
    time_machine.move_to(at("2026-03-10 09:30"), tick=False)
    body = _scripts(api_as(agent), customer_id=customer["id"])
    assert body["title"] == "张先生"
    assert body["by_scene"]["inbound_greeting"].startswith(
        "早上好!这里是清源水务客服中心,我是8011号客服"
    )
    assert body["by_scene"]["ask_hold"].startswith("张先生,")
    assert "96116" in body["by_scene"]["closing"]
    assert len(body["scripts"]) == Script.objects.count() == 14
    time_machine.move_to(at("2026-03-10 14:00"), tick=False)
    assert _scripts(api_as(agent))["by_scene"]["inbound_greeting"].startswith("下午好!")
    time_machine.move_to(at("2026-03-10 19:00"), tick=False)
    assert _scripts(api_as(agent))["by_scene"]["inbound_greeting"].startswith("晚上好!")


@pytest.mark.parametrize(
    ("moment", "wish"),
    [
        ("2025-01-29 10:00", "新春快乐"),  # 春节
        ("2026-03-03 10:00", "元宵节快乐"),  # 元宵
        ("2027-06-09 10:00", "端午安康"),  # 端午
        ("2028-10-03 10:00", "中秋快乐"),  # 中秋 on the third day of National Day
        ("2029-10-16 10:00", "重阳节快乐"),  # 重阳
        ("2030-02-09 10:00", "新春快乐"),  # 正月初七, the last day of the Spring Festival
        ("2025-05-01 10:00", "劳动节快乐"),
        ("2026-10-01 10:00", "国庆快乐"),
    ],
)
def test_festival_wishes_follow_the_calendar(api_as, agent, center, time_machine, moment, wish):
    time_machine.move_to(at(moment), tick=False)
    greeting = _scripts(api_as(agent))["by_scene"]["inbound_greeting"]
    assert greeting.startswith(f"早上好,{wish}!"), greeting


def test_no_festival_the_day_after(api_as, agent, center, time_machine):
    time_machine.move_to(at("2030-02-10 10:00"), tick=False)  # 正月初八
    assert _scripts(api_as(agent))["by_scene"]["inbound_greeting"].startswith("早上好!这里")


def test_without_a_customer_the_scripts_say_you(api_as, agent, center):
    api = api_as(agent)
    body = _scripts(api)
    assert body["title"] == ""
    assert body["by_scene"]["ask_hold"].startswith("您好,")
    assert "请问是机主本人吗" in body["by_scene"]["outbound_opener"]
    # A contact name typed as a title is used; a bare name without gender is not guessed.
    assert _scripts(api, contact_name="李女士")["title"] == "李女士"
    assert _scripts(api, contact_name="李娜")["title"] == ""


def test_a_company_is_not_called_mister(api_as, agent, center):
    made = (
        api_as(agent)
        .post("/customers", {"name": "宏达物业公司", "kind": "organization", "gender": "male"})
        .json()
    )
    assert _scripts(api_as(agent), customer_id=made["id"])["title"] == ""


def test_a_customer_the_agent_may_not_see_is_refused(api_as, people, agent, customer):
    answer = api_as(agent).get("/knowledge/scripts", {"customer_id": 999999})
    assert answer.status_code == 422 and "customer_id" in str(answer.json())
    # An agent of another branch does not see 张伟 (a head-office customer).
    other = api_as(people["sz_agent"]).get("/knowledge/scripts", {"customer_id": customer["id"]})
    assert other.status_code == 422


def test_a_center_edits_its_scripts(api_as, agent, center):
    Script.objects.filter(scene="closing").update(text="{title},感谢来电,{company}祝您顺心!")
    Script.objects.filter(scene="chatty_caller").update(is_active=False)
    body = _scripts(api_as(agent), contact_name="王先生")
    assert body["by_scene"]["closing"] == "王先生,感谢来电,清源水务祝您顺心!"
    assert "chatty_caller" not in body["by_scene"]


def test_gender_is_kept_in_the_archive_and_checked(api_as, agent):
    api = api_as(agent)
    bad = api.post("/customers", {"name": "王芳", "gender": "x"})
    assert bad.status_code == 422 and "gender" in str(bad.json())
    made = api.post("/customers", {"name": "王芳", "gender": "female"}).json()
    assert made["gender"] == "female"


def test_the_workbench_panel(web_as, agent, center, customer):
    page = web_as(agent).get("/knowledge/scripts", {"customer_id": str(customer["id"])})
    html = page.content.decode()
    assert page.status_code == 200 and "称呼:张先生" in html and "张先生," in html
    stale = web_as(agent).get("/knowledge/scripts", {"customer_id": "999999"})
    assert stale.status_code == 200 and "客户未确认" in stale.content.decode()
