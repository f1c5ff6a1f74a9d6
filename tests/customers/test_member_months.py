"""The members' monthly rollup (MemberMonth): every path that writes purchases keeps it equal
to the purchases (summed here in Python), and the analyses read from it give the figures
computed here from the Purchase rows themselves — at the edges of the months too (a period
starting inside a month, midnight in the center's zone, a purchase on the cutoff instant),
after a second import and a re-import of the same receipts (nothing counted twice)."""

from __future__ import annotations

import datetime as dt
import importlib
import io
from decimal import Decimal
from types import SimpleNamespace
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.apps import apps
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.db import connection

from kefu.customers import analyses, members, tasks
from kefu.customers.member_months import rebuild_member_months, roll_member_year, year_since
from kefu.customers.models import (
    Member,
    MemberMonth,
    MemberYear,
    MemberYearMark,
    Purchase,
    Store,
)
from kefu.customers.tasks import sweep_member_months
from tests.customers.member_factories import (
    make_member,
    make_store,
    months_from_purchases,
    rollup_rows,
)

ZONE = ZoneInfo("Asia/Shanghai")
TODAY = dt.date(2026, 12, 7)
NOW = dt.datetime(2026, 12, 7, 15, 0, tzinfo=ZONE)
SINCE = dt.datetime(2025, 12, 7, tzinfo=ZONE)  # the 12 months' first instant
BANDS = [Decimal("0.01"), Decimal(500), Decimal(2000), Decimal(5000)]
RFM = {"r": [30, 60, 90, 180], "f": [12, 6, 3, 2], "m": [5000, 2000, 1000, 500]}


def at(*parts: int) -> dt.datetime:
    return dt.datetime(*parts, tzinfo=ZONE)


@pytest.fixture
def chain(org, people):
    with time_machine.travel(NOW, tick=False):
        s1, s2 = make_store(org, "S01", "人民路店"), make_store(org, "S02", "解放路店")
        joined = dt.date(2024, 3, 1)
        cards = {
            name: make_member(people["lead"], store, name, joined=joined)
            for name, store in (
                ("STRADDLE", s1),  # the 12 months' first month: before and after SINCE
                ("BEFORE", s1),  # only a second before SINCE: no purchase in the 12 months
                ("ON", s2),  # exactly on SINCE: counts
                ("EDGES", s2),  # local midnight of a month's first day (UTC: the month before)
                ("OFTEN", s1),  # a dozen purchases
                ("CENTS", s2),  # 499.99 + 0.01: exactly 500
                ("CUTOFF", s1),  # a purchase on the churn cutoff's first instant
                ("GONE", s2),  # last purchase a second before the churn cutoff
                ("NEVER", s1),
            )
        }
        cards["NEW"] = make_member(people["lead"], s2, "NEW", joined=TODAY)
        yield {"stores": (s1, s2), "cards": cards, "supervisor": people["supervisor"]}


FIRST = [
    ("STRADDLE", "300.00", at(2025, 12, 3, 10, 0)),
    ("STRADDLE", "450.00", at(2025, 12, 20, 10, 0)),
    ("STRADDLE", "80.00", at(2026, 11, 30, 23, 30)),
    ("BEFORE", "999.00", at(2025, 12, 6, 23, 59, 59)),
    ("ON", "1200.00", SINCE),
    ("EDGES", "2500.00", at(2025, 11, 30, 23, 0)),
    ("EDGES", "2600.00", at(2026, 12, 1, 0, 10)),
    ("EDGES", "10.00", at(2026, 3, 1, 0, 0)),
    *(("OFTEN", f"{100 + n}.50", at(2026, 1 + n % 11, 5 + n, 9, 0)) for n in range(12)),
    ("CENTS", "499.99", at(2026, 6, 1, 12, 0)),
    ("CENTS", "0.01", at(2026, 6, 2, 12, 0)),
    ("CUTOFF", "60.00", at(2026, 9, 8, 0, 0)),  # TODAY - 90 days, midnight
    ("GONE", "70.00", at(2026, 9, 7, 23, 59, 59)),
]
SECOND = [
    ("STRADDLE", "5000.00", at(2025, 12, 10, 8, 0)),  # the straddled month again
    ("BEFORE", "20.00", at(2025, 12, 7, 12, 0)),  # now BEFORE's month straddles SINCE
    ("NEVER", "3000.00", at(2026, 12, 7, 9, 0)),  # a first purchase, today
    ("GONE", "15.00", at(2026, 1, 15, 12, 0)),  # an old receipt, sent late: still gone
]


def receipts(rows, prefix: str) -> list[tuple[int, members.PurchaseIn]]:
    return [
        (n, members.PurchaseIn("S01", f"{prefix}{n:03d}", number, amount, moment))
        for n, (number, amount, moment) in enumerate(rows, start=1)
    ]


def expected_from_purchases(stores) -> dict:
    """The analyses' figures, computed here from the Purchase and Member rows."""
    cutoff = dt.datetime.combine(TODAY - dt.timedelta(days=90), dt.time.min, ZONE)
    bought: dict[int, list] = {}
    for member_id, amount, moment in Purchase.objects.values_list("member_id", "amount", "at"):
        bought.setdefault(member_id, []).append((moment, amount))
    spending = {s.pk: [0] * 5 for s in stores}
    churned = {s.pk: 0 for s in stores}
    segments: dict[tuple[bool, bool, bool], int] = {}
    scores = {letter: [0] * 5 for letter in "rfm"}
    for member in Member.objects.filter(store__in=stores):
        mine = bought.get(member.pk, [])
        year = [(m, a) for m, a in mine if m >= SINCE]
        spent = sum((a for _m, a in year), Decimal(0))
        band = 0 if not year else max(i for i, b in enumerate(BANDS) if spent >= b) + 1
        spending[member.store_id][band] += 1
        if member.joined_on < cutoff.date() and not any(m >= cutoff for m, _a in mine):
            churned[member.store_id] += 1
        if year:
            last = max(m for m, _a in year)
            r = next(
                (5 - i for i, d in enumerate(RFM["r"]) if last >= cutoff_of(d)),
                1,
            )
            f = next((5 - i for i, b in enumerate(RFM["f"]) if len(year) >= b), 1)
            m = next((5 - i for i, b in enumerate(RFM["m"]) if spent >= b), 1)
            key = (r >= 3, f >= 3, m >= 3)
            segments[key] = segments.get(key, 0) + 1
            for letter, value in (("r", r), ("f", f), ("m", m)):
                scores[letter][value - 1] += 1
    return {"spending": spending, "churned": churned, "segments": segments, "scores": scores}


def cutoff_of(days: int) -> dt.datetime:
    return dt.datetime.combine(TODAY - dt.timedelta(days=days), dt.time.min, ZONE)


def assert_analyses_match(stores) -> dict:
    """The analyses equal the figures computed here: from MemberYear when it holds the 12
    months (its rows equal too), and summed from the monthly rollup without it."""
    expected = _assert_analyses_match(stores)
    if year_since() is not None:
        assert year_since() == SINCE.date()
        assert year_rows() == year_from_purchases()
        MemberYearMark.objects.all().delete()
        assert _assert_analyses_match(stores) == expected
        assert roll_member_year(TODAY) == len(year_from_purchases())
    return expected


def year_from_purchases() -> dict:
    found: dict = {}
    for member_id, amount, moment in Purchase.objects.filter(at__gte=SINCE).values_list(
        "member_id", "amount", "at"
    ):
        n, spent, last = found.get(member_id, (0, Decimal(0), moment))
        found[member_id] = (n + 1, spent + amount, max(last, moment))
    return found


def year_rows() -> dict:
    return {y.member_id: (y.purchases, y.amount, y.last_at) for y in MemberYear.objects.all()}


def _assert_analyses_match(stores) -> dict:
    expected = expected_from_purchases(stores)
    queryset = Store.objects.filter(pk__in=[s.pk for s in stores])
    spending = analyses.spending(queryset, today=TODAY)
    assert {r.store: r.values["counts"] for r in spending.rows} == {
        s.code: expected["spending"][s.pk] for s in stores
    }
    rfm = analyses.rfm(queryset, today=TODAY)
    assert {
        (s["r_high"], s["f_high"], s["m_high"]): s["members"] for s in rfm.segments if s["members"]
    } == expected["segments"]
    assert rfm.scores == expected["scores"]
    churn = analyses.churn(queryset, days=90, today=TODAY)
    assert {r.store: r.values["churned"] for r in churn.rows} == {
        s.code: expected["churned"][s.pk] for s in stores
    }
    churned = analyses.churned_members(
        Member.objects.filter(store__in=stores), days=90, today=TODAY
    )
    assert churned.count() == sum(expected["churned"].values())
    return expected


def test_an_import_keeps_the_rollup_and_the_analyses_exact(chain):
    stores, who = chain["stores"], chain["supervisor"]
    with time_machine.travel(NOW, tick=False):
        # The worker's roll of the day, before any purchase: the imports keep it right.
        assert tasks.sweep_member_year.call_local() == 0
        assert year_since() == SINCE.date()
        first = members.import_purchases(receipts(FIRST, "A"), actor=who)
        assert first.created == len(FIRST)
        assert rollup_rows() == months_from_purchases()
        # EDGES: local midnight of 1 March is 28 February in UTC; it is March's.
        edges = chain["cards"]["EDGES"].pk
        assert rollup_rows()[(edges, dt.date(2026, 3, 1))][:2] == (1, Decimal("10.00"))
        expected = assert_analyses_match(stores)
        # The edges by hand: STRADDLE spent 450 + 80 in the 12 months (the 300 of 3 December
        # is before SINCE), BEFORE nothing, OFTEN 1272, CUTOFF 60 (and is not churned);
        # ON 1200 (and is churned), EDGES 2610 (not the 2500 of 30 November), CENTS exactly
        # 500, GONE 70 (churned by a second), NEW nothing (and too new to be churned).
        s1, s2 = stores
        assert expected["spending"][s1.pk] == [2, 1, 2, 0, 0]
        assert expected["spending"][s2.pk] == [1, 1, 2, 1, 0]
        assert expected["churned"] == {s1.pk: 2, s2.pk: 3}

        second = members.import_purchases(receipts(SECOND, "B"), actor=who)
        assert second.created == len(SECOND)
        assert rollup_rows() == months_from_purchases()
        expected = assert_analyses_match(stores)
        # STRADDLE 5530, BEFORE 20 (its month straddles SINCE now), NEVER 3000 today.
        assert expected["spending"][s1.pk] == [0, 2, 1, 1, 1]
        assert expected["spending"][s2.pk] == [1, 1, 2, 1, 0]
        assert expected["churned"] == {s1.pk: 1, s2.pk: 3}

        # The same two files again: nothing new, nothing counted twice.
        rows_before = rollup_rows()
        for batch, prefix in ((FIRST, "A"), (SECOND, "B")):
            again = members.import_purchases(receipts(batch, prefix), actor=who)
            assert (again.created, again.already) == (0, len(batch))
        assert rollup_rows() == rows_before == months_from_purchases()
        assert_analyses_match(stores)
        assert MemberMonth.objects.count() == len(months_from_purchases())


def test_the_file_import_and_the_api_batch_write_the_rollup_too(chain, api_as):
    client = api_as(chain["supervisor"])
    with time_machine.travel(NOW, tick=False):
        csv = "门店编码,小票号,会员号,金额,消费时间\n" + "".join(
            f"S01,F{n},{number},{amount},{moment:%Y-%m-%d %H:%M:%S}\n"
            for n, (number, amount, moment) in enumerate(FIRST)
        )
        resp = client.client.post(
            "/api/v1/customers/purchases/import",
            {"file": SimpleUploadedFile("till.csv", csv.encode())},
            **client.auth,
        )
        assert resp.status_code == 200, resp.content
        assert resp.json()["created"] == len(FIRST)
        assert rollup_rows() == months_from_purchases()
        batch = {
            "purchases": [
                {
                    "store": "S02",
                    "receipt_no": f"API{n}",
                    "member_no": number,
                    "amount": amount,
                    "at": moment.isoformat(),
                }
                for n, (number, amount, moment) in enumerate(SECOND)
            ]
        }
        for created in (len(SECOND), 0):
            body = client.post("/customers/purchases", batch).json()
            assert body["created"] == created
            assert rollup_rows() == months_from_purchases()
        assert_analyses_match(chain["stores"])


def test_the_worker_sweep_mends_purchases_written_around_the_import(chain):
    cards = chain["cards"]
    with time_machine.travel(NOW, tick=False):
        members.import_purchases(receipts(FIRST, "A"), actor=chain["supervisor"])
        # A bulk load straight into the table: the rollup does not know these.
        Purchase.objects.bulk_create(
            Purchase(
                store=chain["stores"][0],
                receipt_no=f"RAW{n}",
                member=cards[number],
                amount=Decimal(amount),
                at=moment,
            )
            for n, (number, amount, moment) in enumerate(SECOND)
        )
        assert rollup_rows() != months_from_purchases()
        written = sweep_member_months.call_local()
        # The pairs of every purchase imported in the last two hours: all of them here.
        assert written == len(months_from_purchases())
        assert rollup_rows() == months_from_purchases()
        assert_analyses_match(chain["stores"])
        # A raw row whose import time is past the sweep's look-back (two hours): only the
        # rebuild mends it.
        late = Purchase.objects.create(
            store=chain["stores"][0],
            receipt_no="LATE",
            member=cards["CUTOFF"],  # a month no other purchase of the last hours is in
            amount=Decimal("9.90"),
            at=at(2026, 10, 7, 11, 0),
        )
        Purchase.objects.filter(pk=late.pk).update(imported_at=NOW - dt.timedelta(hours=3))
        sweep_member_months.call_local()
        assert rollup_rows() != months_from_purchases()
        call_command("rebuild_member_months", stdout=io.StringIO())
        assert rollup_rows() == months_from_purchases()
        assert_analyses_match(chain["stores"])


def test_the_rebuild_and_the_migrations_fill_give_the_importers_rows(chain):
    with time_machine.travel(NOW, tick=False):
        members.import_purchases(receipts(FIRST + SECOND, "A"), actor=chain["supervisor"])
    imported = rollup_rows()
    assert imported == months_from_purchases()
    MemberMonth.objects.all().delete()
    assert rebuild_member_months() == len(imported)
    assert rollup_rows() == imported
    # An upgraded center: the migration that adds the rollup fills it from the purchases.
    MemberMonth.objects.all().delete()
    migration = importlib.import_module("kefu.customers.migrations.0006_member_months")
    migration.fill_member_months(apps, SimpleNamespace(connection=connection))
    assert rollup_rows() == imported
    out = io.StringIO()
    call_command("rebuild_member_months", stdout=out)
    assert out.getvalue().startswith(f"{len(imported)} member months in ")
    assert rollup_rows() == imported


def test_without_any_purchase_every_member_is_without_spending(chain):
    stores = chain["stores"]
    with time_machine.travel(NOW, tick=False):
        expected = assert_analyses_match(stores)
    assert MemberMonth.objects.count() == 0
    # 5 members a store, none bought; all but NEW (joined today) churned.
    assert expected["spending"] == {s.pk: [5, 0, 0, 0, 0] for s in stores}
    assert expected["churned"] == {stores[0].pk: 5, stores[1].pk: 4}
    assert expected["segments"] == {}
