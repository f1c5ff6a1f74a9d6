"""The member analyses: every figure equals a count computed here, in Python, from the
fixture's own data (never read back from the database), through the API, the page and the
Excel download; who may read them and of which stores."""

from __future__ import annotations

import datetime as dt
import io
import random
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
import time_machine
from openpyxl import load_workbook

from kefu.accounts.models import Role
from tests.accounts.factories import make_person
from tests.customers.member_factories import buy, make_member, make_store

ZONE = ZoneInfo("Asia/Shanghai")
TODAY = dt.date(2026, 12, 7)
NOW = dt.datetime(2026, 12, 7, 15, 0, tzinfo=ZONE)
YEAR_AGO = dt.date(2025, 12, 7)
BANDS = [Decimal("0.01"), Decimal(500), Decimal(2000), Decimal(5000)]
AGES = [0, 18, 25, 35, 45, 55, 65]


@pytest.fixture
def clock():
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture
def shop(org, people, clock):
    """Three stores (two of the head office, one of 深圳), 36 members, ~250 purchases over 18
    months; ``expected`` keeps each member's facts as plain Python values."""
    rng = random.Random(16)
    stores = [
        make_store(org, "S01", "人民路店"),
        make_store(org, "S02", "解放路店"),
        make_store(org, "S03", "南山店", "sz"),
    ]
    facts = []
    for n in range(36):
        store = stores[n % 3]
        gender = ["male", "female", ""][n % 3 if n % 4 else 2]
        birth = None if n % 7 == 0 else dt.date(1950 + (n * 13) % 60, 1 + n % 12, 1 + n % 27)
        joined = TODAY - dt.timedelta(days=rng.randint(0, 700))
        expires = TODAY + dt.timedelta(days=rng.randint(-40, 90)) if n % 5 else None
        member = make_member(
            people["lead"],
            store,
            f"M{n:03d}",
            gender=gender,
            birth=birth,
            joined=joined,
            expires=expires,
        )
        buys = []
        kind = n % 6  # some buy often, some rarely, some stopped, some never
        count = [0, 1, 3, 8, 14, 5][kind]
        for _ in range(count):
            back = rng.randint(0, 540) if kind != 5 else rng.randint(120, 540)
            at = dt.datetime.combine(TODAY - dt.timedelta(days=back), dt.time(10, 30), ZONE)
            amount = Decimal(rng.randint(1000, 150000)) / 100
            buy(member, amount, at)
            buys.append((at, amount))
        facts.append(
            {
                "store": store.code,
                "gender": gender,
                "birth": birth,
                "joined": joined,
                "expires": expires,
                "buys": buys,
                "customer_id": member.customer_id,
            }
        )
    return {"stores": stores, "facts": facts}


def _in_year(member):
    return [(at, amount) for at, amount in member["buys"] if at.date() >= YEAR_AGO]


def _band(spent: Decimal) -> int:
    if not spent:
        return 0
    return max(i for i, bound in enumerate(BANDS) if spent >= bound) + 1


def _age(birth: dt.date) -> int:
    return TODAY.year - birth.year - ((TODAY.month, TODAY.day) < (birth.month, birth.day))


def _score(value, thresholds, at_most=False):
    for index, bound in enumerate(thresholds):
        if (value <= bound) if at_most else (value >= bound):
            return 5 - index
    return 1


def test_growth_counts_new_and_expiring_members_per_store(shop, api_as, lead):
    date_from, date_to = dt.date(2026, 6, 1), dt.date(2026, 11, 30)
    resp = api_as(lead).get(
        "/customers/members/growth",
        {"date_from": date_from, "date_to": date_to, "expiring_days": 45},
    )
    assert resp.status_code == 200, resp.content
    body = resp.json()
    until = TODAY + dt.timedelta(days=45)
    for row in body["stores"]:
        mine = [m for m in shop["facts"] if m["store"] == row["store"]]
        assert row["members"] == len(mine) == 12
        assert row["new"] == sum(date_from <= m["joined"] <= date_to for m in mine)
        assert row["expiring"] == sum(
            m["expires"] is not None and TODAY <= m["expires"] <= until for m in mine
        )
    assert body["total"]["new"] == sum(r["new"] for r in body["stores"]) > 0
    assert body["total"]["expiring"] > 0
    assert body["expiring_until"] == until.isoformat()


def test_spending_bands_are_the_sums_of_the_last_twelve_months(shop, api_as, lead):
    body = api_as(lead).get("/customers/members/spending").json()
    assert body["bands"] == ["无消费", "500元以下", "500–2000元", "2000–5000元", "5000元及以上"]
    for row in body["stores"]:
        expected = [0] * 5
        for m in shop["facts"]:
            if m["store"] == row["store"]:
                expected[_band(sum((a for _t, a in _in_year(m)), Decimal(0)))] += 1
        assert row["counts"] == expected
    assert sum(body["total"]) == 36
    assert all(body["total"]), body["total"]  # every band has someone


def test_gender_and_age_bands(shop, api_as, lead):
    body = api_as(lead).get("/customers/members/demographics").json()
    expected = {g: [0] * 8 for g in ("male", "female", "")}
    for m in shop["facts"]:
        index = (
            7 if m["birth"] is None else max(i for i, a in enumerate(AGES) if _age(m["birth"]) >= a)
        )
        expected[m["gender"]][index] += 1
    assert {r["gender"]: r["counts"] for r in body["genders"]} == expected
    assert sum(body["total"]) == 36


def test_rfm_segments_from_recency_frequency_and_money(shop, api_as, lead):
    body = api_as(lead).get("/customers/members/rfm").json()
    segments = {
        key: 0
        for key in (
            "important_value",
            "important_keep",
            "important_develop",
            "important_retain",
            "general_value",
            "general_keep",
            "general_develop",
            "general_retain",
        )
    }
    names = {
        (True, True, True): "important_value",
        (False, True, True): "important_keep",
        (True, False, True): "important_develop",
        (False, False, True): "important_retain",
        (True, True, False): "general_value",
        (False, True, False): "general_keep",
        (True, False, False): "general_develop",
        (False, False, False): "general_retain",
    }
    scores = {"r": [0] * 5, "f": [0] * 5, "m": [0] * 5}
    bought = 0
    for m in shop["facts"]:
        year = _in_year(m)
        if not year:
            continue
        bought += 1
        days = (TODAY - max(at for at, _a in year).date()).days
        r = _score(days, [30, 60, 90, 180], at_most=True)
        f = _score(len(year), [12, 6, 3, 2])
        money = _score(sum(a for _t, a in year), [5000, 2000, 1000, 500])
        segments[names[(r >= 3, f >= 3, money >= 3)]] += 1
        for letter, value in (("r", r), ("f", f), ("m", money)):
            scores[letter][value - 1] += 1
    assert {s["segment"]: s["members"] for s in body["segments"]} == segments
    assert body["scores"] == scores
    assert (body["bought"], body["no_purchase"]) == (bought, 36 - bought)
    assert sum(1 for v in segments.values() if v) >= 3
    assert [s["name"] for s in body["segments"]][:2] == ["重要价值客户", "重要保持客户"]


@pytest.mark.parametrize("days", [90, 30])
def test_churned_members_per_store(shop, api_as, lead, days):
    body = api_as(lead).get("/customers/members/churn", {"days": days}).json()
    cutoff = TODAY - dt.timedelta(days=days)
    for row in body["stores"]:
        mine = [m for m in shop["facts"] if m["store"] == row["store"]]
        churned = [
            m
            for m in mine
            if m["joined"] < cutoff and not any(at.date() >= cutoff for at, _a in m["buys"])
        ]
        assert (row["members"], row["churned"]) == (len(mine), len(churned))
        assert (row["called"], row["bought_again"]) == (0, 0)
    assert body["total"]["churned"] > 0


def test_each_analysis_narrows_to_a_store_or_a_branch(shop, api_as, lead):
    client = api_as(lead)
    one = client.get("/customers/members/spending", {"store": "S02"}).json()
    assert [r["store"] for r in one["stores"]] == ["S02"]
    assert sum(one["total"]) == 12
    sz = client.get("/customers/members/churn", {"branch": "sz"}).json()
    assert [r["store"] for r in sz["stores"]] == ["S03"]
    listed = client.get("/customers/members", {"store": "S01", "per_page": 100}).json()
    assert listed["count"] == 12


ANALYSES = ["growth", "spending", "demographics", "rfm", "churn"]


@pytest.mark.parametrize("name", ANALYSES)
def test_the_excel_download_holds_the_figures_of_the_json(shop, api_as, web_as, lead, name):
    body = api_as(lead).get(f"/customers/members/{name}").json()
    resp = web_as(lead).get(f"/customers/members/{name}.xlsx")
    assert resp.status_code == 200
    sheet = load_workbook(io.BytesIO(resp.content)).worksheets[0]
    rows = [list(r) for r in sheet.iter_rows(values_only=True)][1:]
    match name:
        case "growth":
            assert [r[:5] for r in rows[:-1]] == [
                [s["store"], s["store_name"], s["members"], s["new"], s["expiring"]]
                for s in body["stores"]
            ]
            assert rows[-1][2:] == [body["total"][k] for k in ("members", "new", "expiring")]
        case "spending":
            assert [r[2:] for r in rows[:-1]] == [s["counts"] for s in body["stores"]]
            assert rows[-1][2:] == body["total"]
        case "demographics":
            assert [r[1:] for r in rows[:-1]] == [g["counts"] for g in body["genders"]]
            assert rows[-1][1:] == body["total"]
        case "rfm":
            assert [(r[0], r[4]) for r in rows[:-1]] == [
                (s["name"], s["members"]) for s in body["segments"]
            ]
            assert rows[-1][4] == body["no_purchase"]
        case "churn":
            keys = ("members", "churned", "called", "bought_again")
            assert [r[2:] for r in rows[:-1]] == [[s[k] for k in keys] for s in body["stores"]]


def test_the_page_shows_every_analysis_with_its_download(shop, web_as, lead):
    resp = web_as(lead).get("/customers/members/", {"store": "S01", "days": "60"})
    assert resp.status_code == 200
    text = resp.content.decode()
    for name in ANALYSES:
        assert f'data-testid="analysis-{name}"' in text
        assert f"/customers/members/{name}.xlsx?store=S01&amp;days=60" in text


# --- who ----------------------------------------------------------------------------------


@pytest.mark.parametrize("role", ["agent", "dept_handler", "sz_agent"])
def test_agents_and_departments_may_not_read_the_analyses(shop, api_as, web_as, people, role):
    user = people[role]
    for name in ANALYSES:
        resp = api_as(user).get(f"/customers/members/{name}")
        assert resp.status_code == 403, (name, resp.content)
        assert resp.json()["code"] == "forbidden"
    assert api_as(user).get("/customers/members").status_code == 403
    assert web_as(user).get("/customers/members/").status_code == 403
    assert web_as(user).get("/customers/members/rfm.xlsx").status_code == 403


@pytest.mark.parametrize("role", ["lead", "supervisor", "gm", "quality"])
def test_the_center_readers_of_statistics_read_every_store(shop, api_as, people, role):
    body = api_as(people[role]).get("/customers/members/growth").json()
    assert [r["store"] for r in body["stores"]] == ["S01", "S02", "S03"]


def test_a_branch_lead_reads_only_the_branch_stores(shop, api_as, org):
    sz_lead = make_person("sz-lead", Role.TEAM_LEAD, number="8501", branch=org["sz"])
    client = api_as(sz_lead)
    body = client.get("/customers/members/spending").json()
    assert [r["store"] for r in body["stores"]] == ["S03"]
    assert sum(body["total"]) == 12
    refused = client.get("/customers/members/churn", {"store": "S01"})
    assert refused.status_code == 422 and refused.json()["field"] == "store"
    assert client.get("/customers/members", {"per_page": 100}).json()["count"] == 12


def test_an_agent_sees_the_membership_on_the_customer_page(shop, api_as, web_as, agent):
    customer_id = shop["facts"][0]["customer_id"]
    body = api_as(agent).get(f"/customers/{customer_id}/membership").json()
    assert (body["number"], body["level_label"], body["store_name"]) == ("M000", "普通", "人民路店")
    page = web_as(agent).get(f"/customers/{customer_id}/").content.decode()
    assert 'data-testid="member-number">M000<' in page


# --- bad filters ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("path", "query", "field"),
    [
        ("growth", {"date_from": "2026-12-01", "date_to": "2026-11-01"}, "date_from"),
        ("growth", {"date_from": "2020-01-01", "date_to": "2026-11-01"}, "date_to"),
        ("growth", {"expiring_days": 0}, "expiring_days"),
        ("churn", {"days": 0}, "days"),
        ("churn", {"days": "abc"}, "days"),
        ("spending", {"store": "NOPE"}, "store"),
        ("growth", {"date_from": "1999-12-31"}, "date_from"),
    ],
)
def test_bad_filters_are_422_naming_the_field(shop, api_as, lead, path, query, field):
    resp = api_as(lead).get(f"/customers/members/{path}", query)
    assert resp.status_code == 422, resp.content
    body = resp.json()
    assert body["code"] == "invalid"
    assert body["field"] == field or field in [e["field"] for e in body["errors"]]
    assert body["detail"]


def test_the_analyses_are_a_fixed_number_of_queries(shop, lead, django_assert_num_queries):
    from kefu.customers import analyses

    filters = analyses.Filters()
    analyses.run(lead, "growth", filters)  # the actor's staff profile, read once per process
    for name, queries in (
        ("growth", 2),
        ("spending", 4),  # 3 and the period MemberYear holds
        ("demographics", 1),
        ("rfm", 3),
        ("churn", 5),  # stores, members, MemberYear's period, who bought since, win-back
    ):
        with django_assert_num_queries(queries):
            analyses.run(lead, name, filters)
