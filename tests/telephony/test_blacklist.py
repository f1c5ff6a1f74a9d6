"""The blacklist (黑名单): a blocked number's newCall is answered with Zammad's reject, a
flagged number pops with a warning and the abuse script; who may add and lift; entries are
never deleted, every change is audited, an expired entry stops applying by itself; numbers are
masked for roles without the personal-data permission."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
import time_machine
from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer
from zammad_cti import CTIClient

from kefu.core import refcache
from kefu.core.models import AuditLog
from kefu.core.realtime import AGENTS_GROUP
from kefu.knowledge.models import Script
from kefu.telephony.blacklist import add_blacklist_entry, screen_number
from kefu.telephony.models import BlacklistEntry, CallRecord, MissedCallback
from tests.telephony.factories import CTI_PATH, cti, more_people
from tests.telephony.test_cti import _drain, _subscribe

pytestmark = pytest.mark.django_db

SHANGHAI = ZoneInfo("Asia/Shanghai")
NUMBER = "13900001111"
AS_PBX_WRITES = "+86 139-0000-1111"
REJECT = {"action": "reject", "reason": "busy"}


@pytest.fixture
def everyone(people, org):
    return people | more_people(org)


def _pops(django_capture_on_commit_callbacks, post):
    """The pushes to the agents' screens while ``post`` runs (after its commit)."""
    layer = get_channel_layer()
    async_to_sync(layer.flush)()
    channel = _subscribe(layer, AGENTS_GROUP)
    with django_capture_on_commit_callbacks(execute=True):
        reply = post()
    return reply, [m["payload"] for m in _drain(layer, channel, wait=0.1)]


# --- the CTI endpoint ----------------------------------------------------------------------


@pytest.mark.parametrize("as_json", [False, True])
def test_a_blocked_numbers_new_call_is_rejected_recorded_and_pops_nobody(
    lead, as_json, django_capture_on_commit_callbacks
):
    entry = add_blacklist_entry(AS_PBX_WRITES, actor=lead, kind="block", reason="恶意骚扰")
    assert entry.number == NUMBER

    reply, pops = _pops(
        django_capture_on_commit_callbacks,
        lambda: cti("newCall", "blk-1", number=AS_PBX_WRITES, as_json=as_json),
    )

    assert reply == REJECT
    assert pops == []
    record = CallRecord.objects.get(call_id="blk-1")
    assert (record.screening, record.blacklist_entry_id) == ("rejected", entry.id)
    assert (record.state, record.cause) == (CallRecord.State.ENDED, "busy")
    assert record.rejected and not record.missed
    # The PBX repeats the newCall: still rejected; its hangup changes nothing and owes no
    # callback.
    assert cti("newCall", "blk-1", number=AS_PBX_WRITES, as_json=as_json) == REJECT
    assert cti("hangup", "blk-1", number=AS_PBX_WRITES, cause="busy", as_json=as_json) == {}
    record.refresh_from_db()
    assert (record.state, record.cause, record.screening) == ("ended", "busy", "rejected")
    assert not MissedCallback.objects.exists()


def test_the_zammad_client_receives_the_reject(live_server, transactional_db, people):
    add_blacklist_entry(NUMBER, actor=people["lead"], kind="block", reason="诈骗电话")
    client = CTIClient(live_server.url + CTI_PATH)
    assert client.new_call(AS_PBX_WRITES, "96116", "in", "blk-z") == REJECT
    # Another number is answered as Zammad answers.
    assert client.new_call("13812345678", "96116", "in", "ok-z") == {}
    assert CallRecord.objects.get(call_id="blk-z").rejected
    assert not CallRecord.objects.get(call_id="ok-z").rejected


def test_outbound_calls_to_a_blocked_number_are_not_rejected(lead):
    add_blacklist_entry(NUMBER, actor=lead, kind="block", reason="恶意骚扰")
    assert cti("newCall", "out-1", number=NUMBER, direction="out") == {}
    assert CallRecord.objects.get(call_id="out-1").screening == ""


def test_a_flagged_number_pops_with_the_warning(agent, django_capture_on_commit_callbacks):
    add_blacklist_entry(NUMBER, actor=agent, kind="flag", reason="多次辱骂坐席")

    reply, pops = _pops(
        django_capture_on_commit_callbacks,
        lambda: cti("newCall", "flag-1", number=AS_PBX_WRITES),
    )

    assert reply == {}
    assert len(pops) == 1
    assert pops[0]["type"] == "call.ringing"
    assert pops[0]["phone"] == NUMBER
    assert pops[0]["flag"] == {
        "kind": "flag",
        "kind_label": "标记",
        "reason": "多次辱骂坐席",
        "warning": "该号码已被标记,请注意文明用语和信息安全,必要时按规范结束通话",
    }
    record = CallRecord.objects.get(call_id="flag-1")
    assert record.screening == "flagged" and not record.rejected
    # The answering agent's pop keeps the warning.
    _, pops = _pops(
        django_capture_on_commit_callbacks,
        lambda: cti("answer", "flag-1", number=NUMBER, answeringNumber="8011"),
    )
    assert pops == []  # the answer goes to the agent's own group, not everyone's
    record.refresh_from_db()
    assert record.agent == agent


def test_an_unlisted_callers_pop_has_no_flag(agent, django_capture_on_commit_callbacks):
    _, pops = _pops(
        django_capture_on_commit_callbacks, lambda: cti("newCall", "plain-1", number=NUMBER)
    )
    assert len(pops) == 1 and "flag" not in pops[0]


def test_the_pop_shows_the_centers_abuse_script_else_the_fixed_warning(agent, web_as):
    page = web_as(agent).get("/calls/flag-script")
    html = page.content.decode()
    assert page.status_code == 200
    assert "不文明用语提醒" in html and "不文明用语结束通话" in html
    assert "请您注意一下用语" in html
    assert "该号码已被标记" in html

    Script.objects.update(is_active=False)
    refcache.clear()  # scripts are kept per process; update() sends no change signal
    html = web_as(agent).get("/calls/flag-script").content.decode()
    assert "不文明用语提醒" not in html
    assert "该号码已被标记,请注意文明用语和信息安全,必要时按规范结束通话" in html


def test_every_page_loads_the_flag_warning_script(agent, web_as):
    html = web_as(agent).get("/calls/").content.decode()
    assert 'src="/static/telephony/flag.js" data-script-url="/calls/flag-script"' in html


# --- expiry ---------------------------------------------------------------------------------


def test_an_expired_entry_stops_applying_without_a_job(lead, api_as):
    start = dt.datetime(2026, 10, 8, 9, 0, tzinfo=SHANGHAI)
    with time_machine.travel(start, tick=False):
        entry = add_blacklist_entry(
            NUMBER,
            actor=lead,
            kind="block",
            reason="节后骚扰",
            until=start + dt.timedelta(hours=2),
        )
        assert cti("newCall", "exp-1", number=NUMBER) == REJECT
    with time_machine.travel(start + dt.timedelta(hours=2, minutes=1), tick=False):
        assert screen_number(NUMBER) is None
        assert cti("newCall", "exp-2", number=NUMBER) == {}
        api = api_as(lead)
        assert api.get("/telephony/blacklist").json()["count"] == 0
        expired = api.get("/telephony/blacklist", {"state": "expired"}).json()
        assert [e["id"] for e in expired["items"]] == [entry.id]
        assert expired["items"][0]["in_force"] is False
        # A new entry for the number retires the expired one (kept, audited).
        again = api.post(
            "/telephony/blacklist", {"number": NUMBER, "kind": "flag", "reason": "再犯"}
        )
        assert again.status_code == 201, again.content
    entry.refresh_from_db()
    assert (entry.is_active, entry.lift_reason, entry.lifted_by) == (False, "已到期", None)
    assert entry.lifted_at == start + dt.timedelta(hours=2)
    assert BlacklistEntry.objects.count() == 2
    assert list(
        AuditLog.objects.filter(object_type="telephony.blacklistentry")
        .order_by("id")
        .values_list("action", flat=True)
    ) == ["telephony.blacklist.add", "telephony.blacklist.expire", "telephony.blacklist.add"]


# --- managing the list: who may do what ----------------------------------------------------


@pytest.mark.parametrize(
    ("who", "kind", "status"),
    [
        ("lead", "block", 201),
        ("supervisor", "block", 201),
        ("admin", "block", 201),
        ("agent", "flag", 201),
        ("agent", "block", 403),
        ("quality", "flag", 403),
        ("gm", "flag", 403),
        ("dept_handler", "flag", 403),
        ("dept_head", "flag", 403),
        ("field", "flag", 403),
    ],
)
def test_who_may_add_to_the_blacklist(everyone, api_as, who, kind, status):
    reply = api_as(everyone[who]).post(
        "/telephony/blacklist",
        {"number": AS_PBX_WRITES, "kind": kind, "reason": "辱骂坐席"},
    )
    assert reply.status_code == status, reply.content
    if status == 201:
        body = reply.json()
        assert (body["number"], body["kind"], body["reason"]) == (NUMBER, kind, "辱骂坐席")
        assert body["in_force"] is True and body["until"] is None
        assert body["added_by"] == everyone[who].staff.display_name
        entry = BlacklistEntry.objects.get()
        assert entry.added_by == everyone[who]
        audit = AuditLog.objects.get(action="telephony.blacklist.add")
        assert audit.actor == everyone[who]
        assert audit.detail == {"number": NUMBER, "kind": kind, "reason": "辱骂坐席", "until": None}
    else:
        assert reply.json()["code"] == "forbidden"
        assert not BlacklistEntry.objects.exists() and not AuditLog.objects.exists()


@pytest.mark.parametrize(
    ("who", "status"),
    [
        ("lead", 200),
        ("supervisor", 200),
        ("admin", 200),
        ("agent", 403),
        ("quality", 403),
        ("gm", 403),
        ("dept_handler", 403),
        ("field", 403),
    ],
)
def test_who_may_lift_an_entry_and_the_row_is_kept(everyone, api_as, who, status):
    entry = add_blacklist_entry(NUMBER, actor=everyone["lead"], kind="block", reason="骚扰")
    reply = api_as(everyone[who]).post(
        f"/telephony/blacklist/{entry.id}/lift", {"reason": "客户致歉,解除"}
    )
    assert reply.status_code == status, reply.content
    entry.refresh_from_db()
    if status == 200:
        assert reply.json()["is_active"] is False
        assert (entry.is_active, entry.lifted_by, entry.lift_reason) == (
            False,
            everyone[who],
            "客户致歉,解除",
        )
        assert entry.lifted_at is not None
        audit = AuditLog.objects.get(action="telephony.blacklist.lift")
        assert (audit.actor, audit.object_id) == (everyone[who], str(entry.id))
        assert cti("newCall", "after-lift", number=NUMBER) == {}
    else:
        assert entry.is_active and entry.lifted_at is None
        assert not AuditLog.objects.filter(action="telephony.blacklist.lift").exists()
        assert cti("newCall", "still-blocked", number=NUMBER) == REJECT
    assert BlacklistEntry.objects.count() == 1  # never deleted


def test_refused_changes_write_nothing(lead, api_as):
    api = api_as(lead)
    entry = add_blacklist_entry(NUMBER, actor=lead, kind="flag", reason="骚扰")
    cases = [
        ({"number": NUMBER, "kind": "block", "reason": "再加一次"}, 409, "number"),
        ({"number": "abc", "kind": "block", "reason": "x"}, 422, "number"),
        ({"number": "13812345678", "kind": "mute", "reason": "x"}, 422, "kind"),
        ({"number": "13812345678", "kind": "block", "reason": "  "}, 422, "reason"),
        (
            {
                "number": "13812345678",
                "kind": "block",
                "reason": "x",
                "until": "2020-01-01T00:00:00+08:00",
            },
            422,
            "until",
        ),
    ]
    for body, status, field in cases:
        reply = api.post("/telephony/blacklist", body)
        assert (reply.status_code, reply.json()["field"]) == (status, field), body
    assert list(BlacklistEntry.objects.values_list("id", flat=True)) == [entry.id]

    no_reason = api.post(f"/telephony/blacklist/{entry.id}/lift", {"reason": " "})
    assert no_reason.status_code == 422
    assert api.post(f"/telephony/blacklist/{entry.id}/lift", {"reason": "误标"}).status_code == 200
    twice = api.post(f"/telephony/blacklist/{entry.id}/lift", {"reason": "再解除"})
    assert (twice.status_code, twice.json()["code"]) == (409, "invalid_transition")
    assert api.post("/telephony/blacklist/999999/lift", {"reason": "x"}).status_code == 404
    entry.refresh_from_db()
    assert entry.lift_reason == "误标"
    assert AuditLog.objects.filter(action="telephony.blacklist.lift").count() == 1


# --- reading the list: masking and scope ----------------------------------------------------


@pytest.mark.parametrize(
    ("who", "status", "shown"),
    [
        ("agent", 200, NUMBER),
        ("lead", 200, NUMBER),
        ("gm", 200, NUMBER),
        ("quality", 200, "139****1111"),
        ("dept_handler", 403, None),
        ("dept_head", 403, None),
        ("field", 403, None),
    ],
)
def test_the_list_is_the_centers_and_masked_without_the_pii_right(
    everyone, api_as, web_as, who, status, shown
):
    add_blacklist_entry(NUMBER, actor=everyone["lead"], kind="block", reason="骚扰")
    reply = api_as(everyone[who]).get("/telephony/blacklist")
    assert reply.status_code == status
    page = web_as(everyone[who]).get("/calls/blacklist/")
    assert page.status_code == status
    if status == 200:
        assert [e["number"] for e in reply.json()["items"]] == [shown]
        html = page.content.decode()
        assert shown in html
        if shown != NUMBER:
            assert NUMBER not in html


def test_the_list_filters_by_number_kind_and_state(lead, api_as, django_assert_num_queries):
    add_blacklist_entry("13800000001", actor=lead, kind="block", reason="a")
    flagged = add_blacklist_entry("13800000002", actor=lead, kind="flag", reason="b")
    lifted = add_blacklist_entry("13800000003", actor=lead, kind="flag", reason="c")
    api = api_as(lead)
    api.post(f"/telephony/blacklist/{lifted.id}/lift", {"reason": "误标"})

    def ids(**params):
        return [e["id"] for e in api.get("/telephony/blacklist", params).json()["items"]]

    assert ids(kind="flag") == [flagged.id]
    assert ids(state="lifted") == [lifted.id]
    assert ids(number="+86 138 0000 0002") == [flagged.id]
    assert len(ids(state="all")) == 3
    # the count and the page (people joined); the token and the masking right are kept
    with django_assert_num_queries(2):
        assert len(ids(state="all", per_page="2")) == 2


# --- the page --------------------------------------------------------------------------------


def test_a_lead_adds_and_lifts_on_the_page(lead, web_as):
    client = web_as(lead)
    page = client.get("/calls/blacklist/").content.decode()
    assert '<option value="block"' in page.split('data-testid="blacklist-add"')[1]
    reply = client.post(
        "/calls/blacklist/add",
        {"number": AS_PBX_WRITES, "kind": "block", "reason": "恶意骚扰", "until": ""},
    )
    assert reply.status_code == 302
    entry = BlacklistEntry.objects.get()
    assert (entry.number, entry.kind, entry.until) == (NUMBER, "block", None)
    again = client.post("/calls/blacklist/add", {"number": NUMBER, "kind": "flag", "reason": "x"})
    assert again.status_code == 409
    assert "该号码已在黑名单中" in again.content.decode()
    assert client.post(f"/calls/blacklist/{entry.id}/lift", {"reason": ""}).status_code == 422
    assert client.post(f"/calls/blacklist/{entry.id}/lift", {"reason": "误加"}).status_code == 302
    entry.refresh_from_db()
    assert not entry.is_active
    html = client.get("/calls/blacklist/", {"state": "lifted"}).content.decode()
    assert "误加" in html and "已解除" in html


def test_an_agent_may_only_flag_on_the_page(agent, web_as):
    client = web_as(agent)
    page = client.get("/calls/blacklist/").content.decode()
    form = page.split('data-testid="blacklist-add"')[1]
    assert '<option value="block"' not in form and '<option value="flag"' in form
    assert 'data-testid="lift"' not in page
    assert (
        client.post(
            "/calls/blacklist/add", {"number": NUMBER, "kind": "block", "reason": "x"}
        ).status_code
        == 403
    )
    reply = client.post(
        "/calls/blacklist/add", {"number": NUMBER, "kind": "flag", "reason": "辱骂"}
    )
    assert reply.status_code == 302
    entry = BlacklistEntry.objects.get()
    assert client.post(f"/calls/blacklist/{entry.id}/lift", {"reason": "x"}).status_code == 403
    assert entry.kind == "flag" and BlacklistEntry.objects.get().is_active


def test_the_call_log_marks_a_rejected_call(lead, web_as):
    add_blacklist_entry(NUMBER, actor=lead, kind="block", reason="骚扰")
    cti("newCall", "blk-log", number=NUMBER)
    html = web_as(lead).get("/calls/").content.decode()
    assert 'data-testid="rejected"' in html and "黑名单拒接" in html


def test_the_admin_shows_entries_read_only(lead, client, django_user_model):
    entry = add_blacklist_entry(NUMBER, actor=lead, kind="block", reason="骚扰")
    cti("newCall", "m-adm", number="13800000009")
    cti("hangup", "m-adm", number="13800000009", cause="noAnswer")
    missed = MissedCallback.objects.get()
    root = django_user_model.objects.create_superuser("root", "root@example.com", "pw-123456")
    client.force_login(root)
    for path in (
        "/admin/telephony/blacklistentry/",
        f"/admin/telephony/blacklistentry/{entry.id}/change/",
        "/admin/telephony/missedcallback/",
        f"/admin/telephony/missedcallback/{missed.id}/change/",
    ):
        assert client.get(path).status_code == 200, path
    assert client.get("/admin/telephony/blacklistentry/add/").status_code == 403
    assert client.get(f"/admin/telephony/blacklistentry/{entry.id}/delete/").status_code == 403
