"""One list contract for the whole API, walked from its own OpenAPI schema.

Every GET operation answers one of: the list envelope (``PageOut[...]``: ``items``, ``count``,
``count_capped``, ``page``, ``per_page``), an object, or — only for the small fixed reference
lists named below — a bare JSON array. Each list endpoint is called as a user allowed to read it,
over rows made with the factories, with and without ``page``/``per_page``: the envelope's exact
keys and types, the clamping of out-of-range numbers, the 422 for text that is not a number, and
that page 2 repeats nothing of page 1.
"""

from __future__ import annotations

import datetime as dt
import json

import pytest
from django.test import Client
from django.utils import timezone

from kefu.dispatch import services as dispatch
from kefu.notify import services as notify
from tests.customers.factories import make_customer
from tests.dispatch.factories import make_field, make_order
from tests.followups.factories import resolved_complaint
from tests.knowledge.factories import publish
from tests.notices.factories import make_notice
from tests.tickets.factories import make_ticket

PREFIX = "/api/v1"
ENVELOPE = {"items": list, "count": int, "count_capped": bool, "page": int, "per_page": int}

# Small fixed reference lists an administrator keeps (a dozen rows at most), answered whole as
# bare arrays: the only GET operations allowed to.
REFERENCE_LISTS = {
    "/api/v1/complaints/categories",
    "/api/v1/complaints/hotlines",
    "/api/v1/conversations/templates",  # the agent's reply templates, at most 50
    "/api/v1/knowledge/categories",
    "/api/v1/knowledge/synonyms",
    "/api/v1/tickets/views",  # my saved queue views, at most 50
    "/api/v1/triage/matters",
    "/api/v1/triage/models",  # the last 20 trainings
    "/api/v1/triage/tickets/{serial}/similar",  # at most 8
    "/api/v1/lostfound/items/{item_id}/matches",  # at most 10
    "/api/v1/lostfound/reports/{report_id}/matches",  # at most 10
    "/api/v1/frontdesk/handovers/left",  # one row per person who handed a shift over
    "/api/v1/reports/views",  # my saved report views, at most 50
    "/api/v1/reports/subscriptions",  # my report subscriptions, at most 50
}
# GET operations that declare no JSON schema, and what they answer instead of a list.
UNTYPED = {
    "/api/v1/conversations/files/{file_id}": "a file",
    "/api/v1/health": "a status object",
    "/api/v1/quality/evaluation.xlsx": "an Excel workbook",
    "/api/v1/reports/complaints/{month}.xlsx": "an Excel workbook",
    "/api/v1/reports/r/{key}.xlsx": "an Excel workbook",
    "/api/v1/workorders/latency": "a summary object",
    "/api/v1/workorders/photos/{photo_id}": "an image",
    "/api/v1/workorders/{serial}/signature": "an image",
}

SCHEMA = Client().get(f"{PREFIX}/openapi.json").json()


def _resolve(schema: dict) -> dict:
    ref = schema.get("$ref", "")
    if ref:
        return SCHEMA["components"]["schemas"][ref.rsplit("/", 1)[-1]]
    return schema


def _answer(operation: dict) -> dict | None:
    content = operation["responses"].get("200", {}).get("content", {})
    schema = content.get("application/json", {}).get("schema")
    return _resolve(schema) if schema is not None else None


def _is_envelope(schema: dict) -> bool:
    return schema.get("type") == "object" and set(schema.get("properties", {})) == set(ENVELOPE)


GETS = {path: ops["get"] for path, ops in SCHEMA["paths"].items() if "get" in ops}
LIST_ENDPOINTS = sorted(
    path for path, op in GETS.items() if _answer(op) is not None and _is_envelope(_answer(op))
)


def test_every_get_is_a_list_envelope_an_object_or_an_allowed_reference_list():
    bare, untyped = [], []
    for path, operation in GETS.items():
        schema = _answer(operation)
        if schema is None:
            untyped.append(path)
        elif schema.get("type") == "array":
            bare.append(path)
        elif not _is_envelope(schema):
            assert schema.get("type") == "object", (path, schema)
            assert not set(ENVELOPE) <= set(schema.get("properties", {})), (
                f"{path}: an envelope with extra keys; the list envelope has exactly {ENVELOPE}"
            )
    assert sorted(bare) == sorted(REFERENCE_LISTS), "bare JSON arrays outside the reference lists"
    assert sorted(untyped) == sorted(UNTYPED), "a GET without a declared JSON answer"


def test_the_walk_finds_every_list_of_the_api():
    assert sorted(ROWS) == LIST_ENDPOINTS, "a list endpoint without rows to walk it (or stale)"


@pytest.mark.parametrize("path", LIST_ENDPOINTS)
def test_a_list_endpoint_takes_page_and_per_page_as_integers(path):
    params = {p["name"]: p for p in GETS[path].get("parameters", []) if p["in"] == "query"}
    assert params["page"]["schema"]["type"] == "integer"
    assert params["per_page"]["schema"]["type"] == "integer"
    assert (params["page"]["schema"]["default"], params["per_page"]["schema"]["default"]) == (1, 20)
    items = _answer(GETS[path])["properties"]["items"]
    assert items["type"] == "array" and "$ref" in items["items"], items


# ---------------------------------------------------------------------------------- rows
# For each list endpoint: rows it shows (at least three, all different) made with the
# factories, and who reads them, with the filters and path parameters to call it with.


def _tickets(world):
    for n in range(3):
        make_ticket(world["people"]["agent"], content=f"{n}号楼停水")
    return world["people"]["agent"], {}, {}


def _customers(world):
    for n in range(3):
        make_customer(world["people"]["agent"], name=f"客户{n}", phones=(f"1381234560{n}",))
    return world["people"]["agent"], {}, {}


def _members(world):
    from tests.customers.member_factories import make_member, make_store

    store = make_store(world["org"])
    for n in range(3):
        make_member(world["people"]["lead"], store, f"M{n}", phone=f"1391234560{n}")
    return world["people"]["lead"], {}, {}


def _stores(world):
    from tests.customers.member_factories import make_store

    for n in range(3):
        make_store(world["org"], f"S0{n}", f"门店{n}", "sz" if n == 2 else "hq")
    return world["people"]["agent"], {}, {}


def _notifications(world):
    agent = world["people"]["agent"]
    for n in range(3):
        with world["capture"](execute=True):
            notify.notify_users(
                "sla.warning",
                users=[agent],
                context={"target": "结果反馈", "due": "10:00", "serial": f"S{n}"},
                key=f"contract-{n}",
            )
    return agent, {}, {}


def _followups(world):
    for n in range(3):
        resolved_complaint(world["people"], content=f"{n}号楼抄表员态度恶劣")
    return world["people"]["lead"], {"view": "open"}, {}


def _notices(world):
    for n in range(3):
        make_notice(world["people"]["lead"], title=f"公告{n}", publish=n == 0)
    return world["people"]["lead"], {}, {}


def _affected(world):
    for n in range(3):
        make_notice(world["people"]["lead"], title=f"停水{n}", publish=True)
    return world["people"]["agent"], {"area": "yhy"}, {}


def _orders(world):
    world["field"]()
    for n in range(3):
        make_order(world["people"]["agent"], goods=f"{n}号水表漏水")
    return world["people"]["agent"], {}, {}


def _call_tasks(world):
    helper = world["field"]()["helper"]
    helper.staff.phone = ""  # no number: each dispatch to them owes a phone call at once
    helper.staff.save(update_fields=["phone"])
    for n in range(3):
        with world["capture"](execute=True):
            make_order(world["people"]["agent"], dispatch_to=helper, goods=f"{n}号水表漏水")
    return world["people"]["agent"], {}, {}


def _tracking(world):
    world["field"]()
    agent = world["people"]["agent"]
    order = make_order(agent)
    for n in range(3):
        dispatch.add_tracking_note(order.serial, actor=agent, note=f"第{n}次跟进")
    return agent, {}, {"serial": order.serial}


def _articles(world):
    agent, lead = world["people"]["agent"], world["people"]["lead"]
    for n in range(3):
        publish(agent, lead, f"{n}号停水问答", f"第{n}条")
    return agent, {}, {}


def _questions(world):
    from kefu.knowledge.services import ask_question
    from tests.tickets.factories import make_ticket

    agent = world["people"]["agent"]
    ticket = make_ticket(agent, type="inquiry", content="新装水表要交哪些费用")
    for n in range(3):
        ask_question(
            ticket.serial,
            actor=agent,
            text=f"第{n}个疑问",
            promised_at=timezone.now() + dt.timedelta(hours=n + 1),
        )
    return world["people"]["lead"], {"state": "open"}, {}


def _article_search(world):
    _articles(world)
    return world["people"]["agent"], {"q": "停水"}, {}


def _messages(world):
    from kefu.conversations.services import Inbound, receive

    ticket = None
    for n in range(3):
        got = receive(Inbound(channel="sms", address="13900000007", body=f"第{n}条短信"))
        ticket = got.ticket
    return world["people"]["agent"], {}, {"serial": ticket.serial}


def _blacklist(world):
    from kefu.telephony.blacklist import add_blacklist_entry

    lead = world["people"]["lead"]
    for n in range(3):
        add_blacklist_entry(f"1390000000{n}", actor=lead, kind="block", reason=f"骚扰{n}")
    return lead, {}, {}


def _missed_calls(world):
    from tests.telephony.factories import missed_call

    for n in range(3):
        missed_call(f"missed-{n}", number=f"1390000000{n}")
    return world["people"]["agent"], {}, {}


def _ladder(world):
    import datetime as dt
    from zoneinfo import ZoneInfo

    import time_machine

    from kefu.telephony.ladder import check_ladder
    from tests.telephony.factories import cti

    morning = dt.datetime(2026, 12, 3, 10, 0, tzinfo=ZoneInfo("Asia/Shanghai"))  # not the night
    with time_machine.travel(morning, tick=False):
        for n in range(11):
            cti("newCall", f"queued-{n}", number=f"1390000{n:04d}")
        check_ladder()
        raised = check_ladder(morning + dt.timedelta(minutes=6))
    assert len(raised) >= 3, raised  # above 10: every step up to the back office
    return world["people"]["lead"], {}, {}


def _shift_templates(world):
    from kefu.workforce.services import create_template

    lead = world["people"]["lead"]
    for n in range(3):
        create_template(lead, code=f"S{n}", name=f"班次{n}", start=f"0{n + 6}:00", minutes=480)
    return lead, {}, {}


def _rosters(world):
    from kefu.workforce.services import create_roster

    _shift_templates(world)
    lead = world["people"]["lead"]
    for n in range(3):  # asked for, left solving: background work waits for the commit
        create_roster(lead, first_day=None, weeks=1, note=f"第{n}版")
    return lead, {}, {}


def _my_shifts(world):
    import datetime as dt

    from kefu.workforce.models import ShiftTemplate
    from kefu.workforce.services import create_roster, publish_roster, shift_row

    _shift_templates(world)
    lead, agent = world["people"]["lead"], world["people"]["agent"]
    with world["capture"](execute=True):  # no call history: no seats needed, no shifts
        roster = create_roster(lead, first_day=None, weeks=1, time_limit_seconds=5)
    template = ShiftTemplate.objects.get(code="S1")
    for n in range(3):  # three shifts entered for the agent
        shift_row(roster, agent.pk, roster.first_day + dt.timedelta(days=n * 2), template).save()
    publish_roster(lead, roster.pk)
    return agent, {}, {}


def _swaps(world):
    import datetime as dt

    from kefu.accounts.models import Role
    from kefu.workforce.swaps import ask_swap
    from tests.accounts.factories import make_person
    from tests.workforce.factories import published, template

    lead, agent = world["people"]["lead"], world["people"]["agent"]
    other = make_person("swap-mate", Role.AGENT, number="8299", name="同事")
    early = template(lead, "早", "07:00")
    first = dt.date.today() + dt.timedelta(days=2)
    days = [first + dt.timedelta(days=2 * n) for n in range(3)]
    roster = published(lead, first, [(agent, d, early) for d in days])
    for shift in roster.shifts.all():
        ask_swap(agent, shift_id=shift.pk, colleague_id=other.pk, reason="家里有事")
    return agent, {}, {}


def _outbound_lists(world):
    from tests.outbound.factories import excel_list

    lead = world["people"]["lead"]
    for n in range(3):
        excel_list(lead, name=f"外呼{n}")
    return lead, {}, {}


def _outbound_entries(world):
    from tests.outbound.factories import excel_list

    built = excel_list(world["people"]["lead"])
    return world["people"]["agent"], {}, {"list_id": built.outbound.pk}


def _found_items(world):
    from tests.frontdesk.factories import found_item

    agent = world["people"]["agent"]
    for n in range(3):
        found_item(agent, description=f"第{n}件拾获物品")
    return agent, {}, {}


def _loss_reports(world):
    from tests.frontdesk.factories import loss_report

    agent = world["people"]["agent"]
    for n in range(3):
        loss_report(agent, description=f"第{n}件遗失物品")
    return agent, {}, {}


def _finance_batches(world):
    from kefu.frontdesk.services import sweep_to_finance
    from tests.frontdesk.factories import found_item

    lead = world["people"]["lead"]
    for n in range(3):
        found_item(lead, description=f"第{n}件")
        sweep_to_finance(actor=lead, before=timezone.now())
    return lead, {}, {}


def _finance_batch_items(world):
    from kefu.frontdesk.services import sweep_to_finance
    from tests.frontdesk.factories import found_item

    lead = world["people"]["lead"]
    for n in range(3):
        found_item(lead, description=f"第{n}件")
    batch = sweep_to_finance(actor=lead, before=timezone.now())
    return lead, {}, {"batch_id": batch.pk}


def _handovers(world):
    from kefu.frontdesk import shift
    from tests.frontdesk.shift_factories import shift_around

    agent, lead = world["people"]["agent"], world["people"]["lead"]
    _template, day = shift_around("HX", starts_in=-dt.timedelta(hours=7))
    for n in range(3):
        shift.create_handover(
            agent, day=day, shift_code="HX", incoming_id=lead.pk, notes=f"第{n}次交班"
        )
    return lead, {}, {}


def _leave(world):
    import datetime as dt

    from kefu.workforce.leave import ask_leave

    agent = world["people"]["agent"]
    first = dt.date.today() + dt.timedelta(days=3)
    for n in range(3):
        day = first + dt.timedelta(days=3 * n)
        ask_leave(agent, kind="annual", first_day=day, reason=f"第{n}次")
    return agent, {}, {}


def _checklists(world):
    from tests.frontdesk.checklist_factories import safety_checklist

    lead, officer = world["people"]["lead"], world["people"]["supervisor"]
    for n in range(3):
        safety_checklist(lead, officer, name=f"第{n}张班后检查表")
    return world["people"]["agent"], {}, {}


def _checklist_runs(world):
    from kefu.frontdesk import checklists
    from tests.frontdesk.checklist_factories import all_ok, safety_checklist
    from tests.frontdesk.shift_factories import shift_around

    agent, lead = world["people"]["agent"], world["people"]["lead"]
    _template, day = shift_around("CK", starts_in=-dt.timedelta(hours=7))
    for n in range(3):
        made = safety_checklist(lead, world["people"]["supervisor"], name=f"检查表{n}")
        checklists.submit_run(agent, made.pk, day=day, shift_code="CK", answers=all_ok(made))
    return lead, {}, {}


def _training_questions(world):
    return world["people"]["supervisor"], {"topic": "time_limit"}, {}


def _training_exams(world):
    from tests.training.factories import exam

    supervisor = world["people"]["supervisor"]
    for n in range(3):
        exam(supervisor, title=f"第{n}场考试", easy=1, medium=0, hard=0, topics=["time_limit"])
    return supervisor, {}, {}


def _training_attempts(world):
    from kefu.training import services
    from tests.training.factories import exam

    supervisor, agent = world["people"]["supervisor"], world["people"]["agent"]
    first = exam(supervisor, easy=1, medium=0, hard=0, topics=["time_limit"])
    for _n in range(3):
        attempt = services.start_attempt(agent, first.pk)
        services.submit_attempt(agent, attempt.pk)
    return agent, {}, {"exam_id": first.pk}


def _training_results(world):
    from kefu.training import services
    from tests.training.factories import exam

    supervisor = world["people"]["supervisor"]
    first = exam(supervisor, easy=3, medium=0, hard=0, topics=["time_limit"])
    for name in ("agent", "lead", "supervisor"):
        attempt = services.start_attempt(world["people"][name], first.pk)
        services.submit_attempt(world["people"][name], attempt.pk)
    return supervisor, {}, {"exam_id": first.pk}


def _training_procedures(world):
    from kefu.training import services

    supervisor = world["people"]["supervisor"]
    for n in range(3):
        version = services.publish_procedure(
            supervisor, code=f"ZY-{n}", title=f"第{n}份作业指导书", body="正文"
        )
    return supervisor, {}, {"procedure_id": version.procedure_id}


def _quality_rows(world):
    from tests.quality.factories import three_of_each

    made = three_of_each(world["people"])
    return made["quality"], {}, {}


def _quality_own(world):
    from tests.quality.factories import three_of_each

    made = three_of_each(world["people"])
    return made["agent"], {}, {}


def _quality_evaluation(world):
    from tests.quality.factories import three_of_each

    three_of_each(world["people"])
    return world["people"]["lead"], {}, {}


def _problems(world):
    from tests.notebooks.factories import problem

    agent = world["people"]["agent"]
    for n in range(3):
        problem(agent, text=f"第{n}个问题")
    return agent, {}, {}


def _collections(world):
    import time_machine

    from kefu.notebooks.services import collect_week
    from tests.notebooks.factories import problem

    agent, lead = world["people"]["agent"], world["people"]["lead"]
    monday = timezone.make_aware(dt.datetime(2026, 11, 2, 8, 0))
    for n in range(3):
        with time_machine.travel(monday + dt.timedelta(days=7 * n - 5), tick=False):
            problem(agent, text=f"第{n}周的问题")
        with time_machine.travel(monday + dt.timedelta(days=7 * n), tick=False):
            collect_week()
    return lead, {}, {}


def _entries(world):
    from tests.notebooks.factories import entry

    agent = world["people"]["agent"]
    for n in range(3):
        entry(agent, count=n + 1)
    return agent, {}, {}


def _report_drill(world):
    agent = world["people"]["agent"]
    for n in range(3):
        make_ticket(agent, content=f"{n}号楼停水")
    today = timezone.localdate().isoformat()
    filters = {"measure": "intake", "by": "day", "start": today, "end": today}
    return world["people"]["supervisor"], filters, {"key": "intake"}


def _grumbles(world):
    from tests.notebooks.factories import grumble

    agent = world["people"]["agent"]
    for n in range(3):
        grumble(agent, content=f"第{n}次抱怨")
    return agent, {}, {}


ROWS = {
    "/api/v1/reports/r/{key}/drill": _report_drill,
    "/api/v1/frontdesk/checklists": _checklists,
    "/api/v1/frontdesk/checklist-runs": _checklist_runs,
    "/api/v1/training/questions": _training_questions,
    "/api/v1/training/exams": _training_exams,
    "/api/v1/training/attempts": _training_attempts,
    "/api/v1/training/exams/{exam_id}/results": _training_results,
    "/api/v1/training/stats/questions": _training_results,
    "/api/v1/training/procedures": _training_procedures,
    "/api/v1/training/procedures/{procedure_id}/unconfirmed": _training_procedures,
    "/api/v1/workforce/leave": _leave,
    "/api/v1/outbound/lists": _outbound_lists,
    "/api/v1/lostfound/items": _found_items,
    "/api/v1/lostfound/reports": _loss_reports,
    "/api/v1/lostfound/finance-batches": _finance_batches,
    "/api/v1/frontdesk/handovers": _handovers,
    "/api/v1/quality/scorecards": _quality_rows,
    "/api/v1/quality/draws": _quality_rows,
    "/api/v1/quality/samples": _quality_rows,
    "/api/v1/quality/inspections": _quality_own,
    "/api/v1/quality/send-backs": _quality_own,
    "/api/v1/quality/appeals": _quality_rows,
    "/api/v1/quality/evaluation": _quality_evaluation,
    "/api/v1/notebooks/problems": _problems,
    "/api/v1/notebooks/collections": _collections,
    "/api/v1/notebooks/entries": _entries,
    "/api/v1/notebooks/grumbles": _grumbles,
    "/api/v1/lostfound/finance-batches/{batch_id}/items": _finance_batch_items,
    "/api/v1/outbound/lists/{list_id}/entries": _outbound_entries,
    "/api/v1/workforce/swaps": _swaps,
    "/api/v1/workforce/templates": _shift_templates,
    "/api/v1/workforce/rosters": _rosters,
    "/api/v1/workforce/me/shifts": _my_shifts,
    "/api/v1/telephony/blacklist": _blacklist,
    "/api/v1/telephony/ladder": _ladder,
    "/api/v1/telephony/callbacks": _missed_calls,
    "/api/v1/conversations/{serial}/messages": _messages,
    "/api/v1/knowledge/articles": _articles,
    "/api/v1/knowledge/search": _article_search,
    "/api/v1/knowledge/questions": _questions,
    "/api/v1/tickets": _tickets,
    "/api/v1/customers": _customers,
    "/api/v1/customers/members": _members,
    "/api/v1/customers/stores": _stores,
    "/api/v1/notifications": _notifications,
    "/api/v1/followups": _followups,
    "/api/v1/notices": _notices,
    "/api/v1/notices/affected": _affected,
    "/api/v1/workorders": _orders,
    "/api/v1/workorders/call-tasks": _call_tasks,
    "/api/v1/workorders/{serial}/tracking": _tracking,
}


@pytest.fixture
def world(org, people, django_capture_on_commit_callbacks):
    made = {}

    def field():
        if "field" not in made:
            made["field"] = make_field(org, people)
        return made["field"]

    return {
        "org": org,
        "people": people,
        "capture": django_capture_on_commit_callbacks,
        "field": field,
    }


def _keys(items: list) -> list[str]:
    return [json.dumps(item, sort_keys=True, ensure_ascii=False) for item in items]


def _envelope(response, path: str) -> dict:
    assert response.status_code == 200, (path, response.status_code, response.content[:300])
    body = response.json()
    assert list(body) == list(ENVELOPE), (path, list(body))
    for key, kind in ENVELOPE.items():
        assert type(body[key]) is kind, (path, key, body[key])
    return body


@pytest.mark.parametrize("path", LIST_ENDPOINTS)
def test_a_list_endpoint_keeps_the_contract(path, world, api_as):
    user, filters, path_params = ROWS[path](world)
    client = api_as(user)
    url = path.removeprefix(PREFIX).format(**path_params)

    def get(**paging):
        return client.get(url, {**filters, **paging})

    # Without paging: page 1 of 20, every row counted exactly.
    whole = _envelope(get(), path)
    assert (whole["page"], whole["per_page"], whole["count_capped"]) == (1, 20, False)
    assert whole["count"] == len(whole["items"]) >= 3, (path, whole["count"])
    assert len(set(_keys(whole["items"]))) == len(whole["items"])

    # Two a page: page 2 goes on where page 1 stopped, repeating nothing.
    first = _envelope(get(page=1, per_page=2), path)
    second = _envelope(get(page=2, per_page=2), path)
    assert (first["page"], first["per_page"], second["page"], second["per_page"]) == (1, 2, 2, 2)
    assert first["count"] == second["count"] == whole["count"]
    assert _keys(first["items"]) == _keys(whole["items"])[:2]
    assert _keys(second["items"]) == _keys(whole["items"])[2:4]
    assert not set(_keys(first["items"])) & set(_keys(second["items"]))

    # Numbers out of range are clamped: page to 1..100000, per_page to 1..100.
    assert _envelope(get(per_page=1000), path)["per_page"] == 100
    one = _envelope(get(page=0, per_page=0), path)
    assert (one["page"], one["per_page"], _keys(one["items"])) == (1, 1, _keys(whole["items"])[:1])
    far = _envelope(get(page=10**12), path)
    assert (far["page"], far["items"], far["count"]) == (100_000, [], whole["count"])

    # Text that is not a whole number is refused in the one error shape.
    for name in ("page", "per_page"):
        refused = get(**{name: "abc"})
        assert refused.status_code == 422, (path, name, refused.content[:300])
        assert (refused.json()["code"], refused.json()["field"]) == ("invalid", name)
