"""The notebook pages: 我的记录本 with its three tabs, a problem answered by the lead, the
lead's 问题汇总 and the team's count with its Excel; refusals re-rendered as messages."""

from __future__ import annotations

import datetime as dt
import io
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.utils import timezone
from openpyxl import load_workbook

from kefu.notebooks import services
from kefu.notebooks.models import Grumble, Problem, ServiceEntry
from tests.notebooks.factories import entry, grumble, problem

pytestmark = pytest.mark.django_db

SH = ZoneInfo("Asia/Shanghai")


def test_agent_keeps_the_three_tabs(agent, web_as):
    client = web_as(agent)
    page = client.get("/notebooks/")
    assert page.status_code == 200 and 'data-testid="problem-form"' in page.content.decode()
    client.post("/notebooks/problems/new", {"category": "recurring", "text": "很多人问停水时间"})
    assert Problem.objects.get().created_by == agent
    shown = client.get("/notebooks/?tab=problems").content.decode()
    assert "很多人问停水时间" in shown
    client.post(
        "/notebooks/entries/new",
        {"day": timezone.localdate().isoformat(), "kind": "lending", "count": "2", "note": "雨伞"},
    )
    counts = client.get("/notebooks/?tab=counts").content.decode()
    assert ServiceEntry.objects.get().count == 2 and "雨伞" in counts
    client.post(
        "/notebooks/grumbles/new",
        {"channel": "desk", "content": "空调太冷", "handling": "调高温度", "satisfied": "yes"},
    )
    assert Grumble.objects.get().satisfied is True
    assert "空调太冷" in client.get("/notebooks/?tab=grumbles").content.decode()


def test_refused_input_comes_back_as_a_message_and_writes_nothing(agent, web_as):
    client = web_as(agent)
    page = client.post("/notebooks/problems/new", {"category": "policy", "text": ""}, follow=True)
    assert "请填写问题" in page.content.decode()
    page = client.post(
        "/notebooks/entries/new", {"day": "", "kind": "counter", "count": "1"}, follow=True
    )
    assert "请填写日期" in page.content.decode()
    assert not Problem.objects.exists() and not ServiceEntry.objects.exists()


def test_lead_answers_from_the_summary(agent, lead, web_as):
    with time_machine.travel(dt.datetime(2026, 11, 25, 10, 0, tzinfo=SH), tick=False):
        row = problem(agent)
    with time_machine.travel(dt.datetime(2026, 11, 30, 8, 0, tzinfo=SH), tick=False):
        services.collect_week()
    client = web_as(lead)
    summary = client.get("/notebooks/summary/").content.decode()
    assert f"#{row.pk}" in summary and 'data-testid="waiting-row"' in summary
    detail = client.get(f"/notebooks/problems/{row.pk}/").content.decode()
    assert 'data-testid="answer-form"' in detail
    client.post(f"/notebooks/problems/{row.pk}/answer", {"text": "按新政策执行"})
    assert Problem.objects.get(pk=row.pk).status == "answered"
    again = client.post(f"/notebooks/problems/{row.pk}/answer", {"text": "再答"}, follow=True)
    assert "不能再次答复" in again.content.decode()
    assert client.post(f"/notebooks/problems/{row.pk}/delete").status_code == 404


def test_team_count_page_and_excel(agent, lead, web_as):
    entry(agent, count=6)
    grumble(agent)
    client = web_as(lead)
    page = client.get("/notebooks/counts/").content.decode()
    assert "8011" in page and 'data-testid="month-total"' in page
    book = client.get("/notebooks/counts.xlsx")
    assert book.status_code == 200
    sheet = load_workbook(io.BytesIO(book.content)).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][0] == "工号" and rows[-1][-1] == 6


def test_pages_refused_for_department_staff_and_summary_for_agents(agent, people, web_as):
    row = problem(agent)
    client = web_as(people["dept_handler"])
    assert client.get("/notebooks/").status_code == 403
    assert client.get(f"/notebooks/problems/{row.pk}/").status_code == 403
    assert client.get("/notebooks/counts/").status_code == 403
    assert web_as(agent).get("/notebooks/summary/").status_code == 403


def test_the_quality_inspector_reads_grumbles_masked_and_writes_nothing(agent, people, web_as):
    grumble(agent)
    client = web_as(people["quality"])
    page = client.get("/notebooks/?tab=grumbles").content.decode()
    assert "138****5678" in page and "13812345678" not in page and "张**" in page
    assert 'data-testid="grumble-form"' not in page
    client.post("/notebooks/problems/new", {"category": "policy", "text": "质检登记"})
    assert not Problem.objects.exists()
    shown = web_as(agent).get("/notebooks/?tab=grumbles").content.decode()
    assert "13812345678" in shown
