"""The end-of-shift checklists: keeping them, filling them after a shift (ok, exceptions, the
count of the assets), the officer told, exceptions closed, the day's status, the roles."""

from __future__ import annotations

import datetime as dt
import threading

import pytest
from django.db import connection
from django.utils import timezone

from kefu.core.errors import ServiceError
from kefu.core.models import AuditLog
from kefu.frontdesk import checklists
from kefu.frontdesk.checklists import AnswerIn, ItemIn
from kefu.frontdesk.models import Checklist, ChecklistAnswer, ChecklistRun
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
    _template, day = shift_around("D1", starts_in=-7 * H)
    return day


@pytest.fixture
def officer(people):
    return people["supervisor"]


def _refused(call) -> ServiceError:
    with pytest.raises(ServiceError) as refused:
        call()
    return refused.value


# --- filling ---------------------------------------------------------------------------------


def test_a_checklist_filled_all_ok_tells_nobody(agent, lead, officer, day):
    checklist = safety_checklist(lead, officer)
    run = checklists.submit_run(
        agent, checklist.pk, day=day, shift_code="D1", answers=all_ok(checklist)
    )
    assert (run.name, run.kind, run.shift_code, run.exceptions) == (
        "班后设施、设备安全检查",
        "safety",
        "D1",
        0,
    )
    assert [(a.position, a.text, a.ok, a.note) for a in run.answers.all()] == [
        (1, "灯光电源已关闭", True, ""),
        (2, "空调已关闭", True, ""),
        (3, "电脑、打印机已关机", True, ""),
        (4, "门窗已上锁", True, ""),
    ]
    assert not Delivery.objects.filter(event=checklists.CHECKLIST_EVENT).exists()
    assert AuditLog.objects.filter(
        action="frontdesk.checklist.submitted", object_id=str(run.pk)
    ).exists()
    assert checklists.get_run(agent, run.pk).open_exceptions == 0


def test_an_exception_is_sent_to_the_officer_with_the_item_and_the_note(agent, lead, officer, day):
    checklist = safety_checklist(lead, officer)
    answers = all_ok(checklist)
    answers[1] = AnswerIn(ok=False, note="2号空调遥控失灵,无法关机,已拉闸")
    run = checklists.submit_run(agent, checklist.pk, day=day, shift_code="D1", answers=answers)
    assert run.exceptions == 1
    sent = Delivery.objects.get(event="frontdesk.checklist_exception", user=officer)
    assert sent.subject == "班后检查异常:班后设施、设备安全检查"
    assert sent.body == (
        f"李娜 填写 {day.isoformat()} 班次D1的「班后设施、设备安全检查」时发现异常:空调已关闭。"
        f"说明:2号空调遥控失灵,无法关机,已拉闸。请处理:/frontdesk/checklists/runs/{run.pk}/"
    )
    assert Delivery.objects.filter(event="frontdesk.checklist_exception").count() == 1


def test_assets_counted_below_the_expected_quantity_are_an_exception(agent, lead, officer, day):
    checklist = asset_checklist(lead, officer)
    answers = [
        AnswerIn(ok=True, counted=2, note="一台借给 3 号门游客,押身份证复印件"),
        AnswerIn(counted=4),
        AnswerIn(ok=False, counted=20, note="两把伞骨折断"),
    ]
    run = checklists.submit_run(agent, checklist.pk, day=day, shift_code="D1", answers=answers)
    got = [(a.text, a.expected, a.counted, a.ok) for a in run.answers.all()]
    assert got == [("轮椅", 3, 2, False), ("对讲机", 4, 4, True), ("雨伞", 20, 20, False)]
    assert run.exceptions == 2
    bodies = sorted(
        Delivery.objects.filter(event=checklists.CHECKLIST_EVENT).values_list("body", flat=True)
    )
    assert any("轮椅(应有 3,实点 2)" in b for b in bodies)
    assert len(bodies) == 2


def test_a_count_below_expected_needs_a_note_even_when_tapped_ok(agent, lead, officer, day):
    checklist = asset_checklist(lead, officer)
    answers = [AnswerIn(ok=True, counted=1), AnswerIn(counted=4), AnswerIn(counted=20)]
    refused = _refused(
        lambda: checklists.submit_run(
            agent, checklist.pk, day=day, shift_code="D1", answers=answers
        )
    )
    assert (refused.code, refused.field) == ("invalid", "answers.0.note")
    assert refused.detail == "「轮椅」实点 1,少于应有的 3,请填写异常说明"
    assert not ChecklistRun.objects.exists()


def test_an_exception_without_a_note_is_refused_and_nothing_written(agent, lead, officer, day):
    checklist = safety_checklist(lead, officer)
    answers = all_ok(checklist)
    answers[3] = AnswerIn(ok=False, note="   ")
    refused = _refused(
        lambda: checklists.submit_run(
            agent, checklist.pk, day=day, shift_code="D1", answers=answers
        )
    )
    assert (refused.code, refused.field, refused.detail) == (
        "invalid",
        "answers.3.note",
        "「门窗已上锁」异常,请填写异常说明",
    )
    assert not ChecklistRun.objects.exists() and not ChecklistAnswer.objects.exists()
    assert not Delivery.objects.exists()


def test_every_item_must_be_answered(agent, lead, officer, day):
    checklist = safety_checklist(lead, officer)
    answers = all_ok(checklist)
    answers[2] = AnswerIn()
    refused = _refused(
        lambda: checklists.submit_run(
            agent, checklist.pk, day=day, shift_code="D1", answers=answers
        )
    )
    assert (refused.field, refused.detail) == (
        "answers.2.ok",
        "请选择「电脑、打印机已关机」正常或异常",
    )
    short = _refused(
        lambda: checklists.submit_run(
            agent, checklist.pk, day=day, shift_code="D1", answers=answers[:3]
        )
    )
    assert (short.field, short.detail) == ("answers", "共 4 个检查项目,请逐项填写")
    assets = asset_checklist(lead, officer)
    uncounted = _refused(
        lambda: checklists.submit_run(
            agent, assets.pk, day=day, shift_code="D1", answers=[AnswerIn(ok=True)] * 3
        )
    )
    assert (uncounted.field, uncounted.detail) == ("answers.0.counted", "请填写「轮椅」的实点数量")
    assert not ChecklistRun.objects.exists()


def test_the_same_checklist_twice_for_a_shift_is_refused(agent, lead, officer, day, people):
    checklist = safety_checklist(lead, officer)
    checklists.submit_run(agent, checklist.pk, day=day, shift_code="D1", answers=all_ok(checklist))
    refused = _refused(
        lambda: checklists.submit_run(
            people["supervisor"], checklist.pk, day=day, shift_code="D1", answers=all_ok(checklist)
        )
    )
    assert (refused.code, refused.detail) == ("conflict", "「班后设施、设备安全检查」本班次已填写")
    assert ChecklistRun.objects.count() == 1
    # Another checklist of the same shift is another run.
    other = asset_checklist(lead, officer)
    checklists.submit_run(agent, other.pk, day=day, shift_code="D1", answers=all_ok(other))
    assert ChecklistRun.objects.count() == 2


def test_a_wrong_shift_or_a_shift_not_begun_is_refused(agent, lead, officer, day):
    checklist = safety_checklist(lead, officer)
    wrong = _refused(
        lambda: checklists.submit_run(
            agent, checklist.pk, day=day, shift_code="ZZ", answers=all_ok(checklist)
        )
    )
    assert (wrong.code, wrong.field, wrong.detail) == ("invalid", "shift", "班次不存在")
    no_day = _refused(
        lambda: checklists.submit_run(
            agent, checklist.pk, day=None, shift_code="D1", answers=all_ok(checklist)
        )
    )
    assert no_day.field == "day"
    _t, later = shift_around("D2", starts_in=3 * H)
    early = _refused(
        lambda: checklists.submit_run(
            agent, checklist.pk, day=later, shift_code="D2", answers=all_ok(checklist)
        )
    )
    assert (early.field, early.detail) == ("shift", "该班次还没开始,不能填写班后检查")
    assert not ChecklistRun.objects.exists()


def test_a_retired_checklist_is_not_filled(agent, lead, officer, day):
    checklist = safety_checklist(lead, officer)
    checklists.retire_checklist(lead, checklist.pk)
    refused = _refused(
        lambda: checklists.submit_run(
            agent, checklist.pk, day=day, shift_code="D1", answers=all_ok(checklist)
        )
    )
    assert refused.code == "invalid_transition"


@pytest.mark.django_db(transaction=True)
def test_two_tablets_submitting_at_once_make_one_run(people, reference_data):
    if connection.vendor == "sqlite":
        pytest.skip("SQLite serialises writers: the race is a PostgreSQL one")
    agent, lead, officer = people["agent"], people["lead"], people["supervisor"]
    ShiftTemplate.objects.update(is_active=False)
    _template, day = shift_around("R1", starts_in=-7 * H)
    checklist = safety_checklist(lead, officer)
    barrier = threading.Barrier(2)
    outcomes: list[str] = []

    def submit(who):
        try:
            barrier.wait()
            checklists.submit_run(
                who, checklist.pk, day=day, shift_code="R1", answers=all_ok(checklist)
            )
            outcomes.append("ok")
        except ServiceError as exc:
            outcomes.append(exc.code)
        finally:
            connection.close()

    threads = [threading.Thread(target=submit, args=(u,)) for u in (agent, lead)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(outcomes) == ["conflict", "ok"]
    assert ChecklistRun.objects.filter(checklist=checklist).count() == 1


# --- closing exceptions ----------------------------------------------------------------------


def _with_exception(agent, lead, officer, day):
    checklist = safety_checklist(lead, officer)
    answers = all_ok(checklist)
    answers[0] = AnswerIn(ok=False, note="大厅东侧灯箱无法关闭")
    run = checklists.submit_run(agent, checklist.pk, day=day, shift_code="D1", answers=answers)
    return run, run.answers.get(position=1)


def test_the_officer_closes_an_exception_once(agent, lead, officer, day):
    run, answer = _with_exception(agent, lead, officer, day)
    assert [r.pk for r in checklists.list_runs(agent, open_only=True)] == [run.pk]
    closed = checklists.close_exception(officer, answer.pk, result="已通知电工,灯箱电源已拔除")
    assert (closed.result, closed.closed_by_id, closed.is_open) == (
        "已通知电工,灯箱电源已拔除",
        officer.pk,
        False,
    )
    assert checklists.get_run(agent, run.pk).open_exceptions == 0
    assert list(checklists.list_runs(agent, open_only=True)) == []
    again = _refused(lambda: checklists.close_exception(lead, answer.pk, result="再次处理"))
    assert (again.code, again.detail) == ("conflict", "该异常已处理")
    answer.refresh_from_db()
    assert answer.result == "已通知电工,灯箱电源已拔除"
    assert AuditLog.objects.filter(action="frontdesk.checklist.closed").count() == 1


def test_a_shift_leader_may_close_an_agent_may_not(agent, lead, officer, day):
    run, answer = _with_exception(agent, lead, officer, day)
    refused = _refused(lambda: checklists.close_exception(agent, answer.pk, result="已处理"))
    assert refused.code == "forbidden"
    empty = _refused(lambda: checklists.close_exception(lead, answer.pk, result=" "))
    assert (empty.field, empty.detail) == ("result", "请填写处理结果")
    ok_item = run.answers.get(position=2)
    assert _refused(lambda: checklists.close_exception(lead, ok_item.pk, result="x")).code == (
        "invalid_transition"
    )
    checklists.close_exception(lead, answer.pk, result="班长已关闭灯箱总闸")
    assert not ChecklistAnswer.objects.get(pk=answer.pk).is_open


# --- the checklists --------------------------------------------------------------------------


def test_changing_a_checklist_never_changes_a_filled_run(agent, lead, officer, day, people):
    checklist = asset_checklist(lead, officer)
    run = checklists.submit_run(
        agent, checklist.pk, day=day, shift_code="D1", answers=all_ok(checklist)
    )
    checklists.update_checklist(
        lead,
        checklist.pk,
        name="大厅固定资产清点",
        items=[ItemIn("轮椅", 5), ItemIn("婴儿车", 2)],
        officer_id=people["lead"].pk,
    )
    checklist.refresh_from_db()
    assert checklist.items == [{"text": "轮椅", "expected": 5}, {"text": "婴儿车", "expected": 2}]
    run = checklists.get_run(agent, run.pk)
    assert run.name == "班后固定资产清点"
    assert [(a.text, a.expected) for a in run.answers.all()] == [
        ("轮椅", 3),
        ("对讲机", 4),
        ("雨伞", 20),
    ]
    changed = AuditLog.objects.get(action="frontdesk.checklist.updated")
    assert changed.detail["fields"] == ["items", "name", "officer"]
    assert changed.detail["items_before"][0] == {"text": "轮椅", "expected": 3}
    # Retired, kept with its runs; not retired twice; not changed afterwards.
    checklists.retire_checklist(lead, checklist.pk)
    assert Checklist.objects.filter(pk=checklist.pk, is_active=False).exists()
    assert _refused(lambda: checklists.retire_checklist(lead, checklist.pk)).code == "conflict"
    assert (
        _refused(
            lambda: checklists.update_checklist(
                lead, checklist.pk, name="x", items=[ItemIn("轮椅", 1)], officer_id=lead.pk
            )
        ).code
        == "invalid_transition"
    )
    assert list(checklists.list_checklists(agent)) == []
    assert [c.pk for c in checklists.list_checklists(agent, retired=True)] == [checklist.pk]


def test_a_checklist_is_refused_without_its_parts(lead, officer, people):
    def create(**changes):
        args = {
            "kind": "assets",
            "name": "固定资产",
            "items": [ItemIn("轮椅", 3)],
            "officer_id": officer.pk,
        } | changes
        return _refused(lambda: checklists.create_checklist(lead, **args))

    assert create(kind="food").field == "kind"
    assert create(name="").field == "name"
    assert create(items=[]).field == "items"
    assert (create(items=[ItemIn("轮椅")]).field) == "items.0.expected"
    assert create(items=[ItemIn("轮椅", 1), ItemIn("轮椅", 2)]).field == "items.1.text"
    assert create(officer_id=None).field == "officer"
    assert create(officer_id=people["dept_handler"].pk).field == "officer"
    assert not Checklist.objects.exists()
    safety_checklist(lead, officer)
    assert create(name="班后设施、设备安全检查").code == "conflict"


def test_roles(agent, lead, officer, day, people):
    checklist = safety_checklist(lead, officer)
    for user in (agent, people["quality"]):
        refused = _refused(
            lambda user=user: checklists.create_checklist(
                user, kind="safety", name="x", items=[ItemIn("灯")], officer_id=officer.pk
            )
        )
        assert refused.code == "forbidden"
    assert _refused(lambda: checklists.retire_checklist(agent, checklist.pk)).code == "forbidden"
    # The quality inspector reads but does not fill; department staff see nothing.
    assert (
        _refused(
            lambda: checklists.submit_run(
                people["quality"], checklist.pk, day=day, shift_code="D1", answers=all_ok(checklist)
            )
        ).code
        == "forbidden"
    )
    run = checklists.submit_run(
        lead, checklist.pk, day=day, shift_code="D1", answers=all_ok(checklist)
    )
    assert checklists.get_run(people["quality"], run.pk).pk == run.pk
    for user in (people["dept_handler"], people["dept_head"]):
        assert _refused(lambda user=user: checklists.get_run(user, run.pk)).code == "forbidden"
        assert _refused(lambda user=user: checklists.list_runs(user)).code == "forbidden"
        assert _refused(lambda user=user: checklists.day_status(user, day)).code == "forbidden"
        assert (
            _refused(
                lambda user=user: checklists.submit_run(
                    user, checklist.pk, day=day, shift_code="D1", answers=all_ok(checklist)
                )
            ).code
            == "forbidden"
        )


# --- the day ---------------------------------------------------------------------------------


def test_the_day_shows_filled_missing_and_open_exceptions(agent, lead, officer, day):
    ShiftTemplate.objects.filter(code="D1").update(minutes=6 * 60)  # over an hour ago
    _t, _d = shift_around("D3", starts_in=-H, hours=8)
    ShiftTemplate.objects.filter(code="D3").update(start=(timezone.localtime() - H).time())
    safety = safety_checklist(lead, officer)
    assets = asset_checklist(lead, officer)
    answers = all_ok(safety)
    answers[0] = AnswerIn(ok=False, note="灯箱无法关闭")
    checklists.submit_run(agent, safety.pk, day=day, shift_code="D1", answers=answers)
    status = checklists.day_status(lead, day)
    by_shift = {s["shift"]: s for s in status}
    d1 = by_shift["D1"]
    assert [(c["name"], c["state"], c["open_exceptions"]) for c in d1["checklists"]] == [
        ("班后固定资产清点", "missing", 0),
        ("班后设施、设备安全检查", "filled", 1),
    ]
    assert (d1["missing"], d1["open_exceptions"]) == (1, 1)
    if _d == day:
        assert {c["state"] for c in by_shift["D3"]["checklists"]} == {"pending"}
    assert checklists.shift_of_now(day) in {"D1", "D3"}
    # A retired checklist's run stays on its day.
    checklists.retire_checklist(lead, safety.pk)
    d1 = {s["shift"]: s for s in checklists.day_status(lead, day)}["D1"]
    assert [(c["name"], c["state"]) for c in d1["checklists"]] == [
        ("班后固定资产清点", "missing"),
        ("班后设施、设备安全检查", "filled"),
    ]
    assert assets.is_active


def test_the_lists_read_in_a_fixed_number_of_queries(
    agent, lead, officer, day, django_assert_num_queries
):
    for n in range(3):
        made = safety_checklist(lead, officer, name=f"检查表{n}")
        checklists.submit_run(agent, made.pk, day=day, shift_code="D1", answers=all_ok(made))
    checklists.day_status(agent, day)  # the actor's scope is read once and kept
    with django_assert_num_queries(1):
        runs = list(checklists.list_runs(agent, day=day))
        assert [r.filled_by.staff.display_name for r in runs] == ["李娜"] * 3
    with django_assert_num_queries(3):  # the shifts, the checklists, the runs
        status = checklists.day_status(agent, day)
    assert [c["state"] for c in status[0]["checklists"]] == ["filled"] * 3
