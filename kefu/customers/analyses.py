"""The member analyses (会员分析) of a chain's stores, each aggregated in the database.

Every analysis takes the stores to count (kefu.customers.member_access.analysed_stores) and
counts their members — a member counts in the store the card was opened at — with GROUP BY
queries: purchases are summed per member in SQL (the indexes purchase_member_at and
purchase_at), never read row by row, so the figures stay quick at millions of purchases.

- 新增与到期 (growth): members who joined in a period; members whose card expires in the next
  N days (from today, today included).
- 消费水平 (spending): members by what they spent in the last 12 months: 无消费, under 500,
  500–2000, 2000–5000, 5000 yuan and more (SPENDING_BANDS, lower bound included).
- 性别与年龄 (demographics): members by gender and age band (AGE_BANDS, age on today).
- 消费能力 RFM (rfm): members who bought in the last 12 months, scored 1–5 on fixed
  thresholds (RFM_RULES): R the days since the last purchase (today's date minus its date), F the purchases, M the yuan
  spent, all in those 12 months; a score of 3 or more is "high". The eight segments are the
  usual ones (重要价值: R, F and M high; 重要保持: F and M high, R low; 重要发展: R and M high,
  F low; 重要挽留: M high, R and F low; 一般价值, 一般保持, 一般发展, 一般挽留 the same with M low).
- 流失会员 (churn): members with no purchase in the last N days (default 90) who joined
  before that; per store with the churned members called back by an outbound list of purpose
  流失会员回访 and how many of those bought again after the call (the win-back figures come
  from kefu.outbound, which registers them here: ``register_win_back``).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.db import connection
from django.db.models import (
    Case,
    Count,
    Exists,
    IntegerField,
    OuterRef,
    Q,
    QuerySet,
    Value,
    When,
)
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from kefu.core.actor import Actor
from kefu.core.calendar import start_of_day
from kefu.core.errors import Code, ServiceError
from kefu.core.excel import one_sheet
from kefu.customers import member_months
from kefu.customers.member_access import analysed_stores
from kefu.customers.member_months import year_ago
from kefu.customers.models import Customer, Member, MemberMonth, MemberYear, Store

# Lower bounds in yuan; a member with no purchase in the 12 months is 无消费.
SPENDING_BANDS: list[tuple[Decimal, Any]] = [
    (Decimal("0.01"), _("500元以下")),
    (Decimal(500), _("500–2000元")),
    (Decimal(2000), _("2000–5000元")),
    (Decimal(5000), _("5000元及以上")),
]
NO_SPENDING = _("无消费")
# (lowest age, label); the last band has no upper bound.
AGE_BANDS: list[tuple[int, Any]] = [
    (0, _("18岁以下")),
    (18, _("18–24岁")),
    (25, _("25–34岁")),
    (35, _("35–44岁")),
    (45, _("45–54岁")),
    (55, _("55–64岁")),
    (65, _("65岁及以上")),
]
AGE_UNKNOWN = _("未知")
# Score 5, 4, 3, 2 from each threshold on; 1 below the last. R: at most this many days since
# the last purchase; F: at least this many purchases; M: at least this many yuan.
RFM_RULES: dict[str, list[int]] = {
    "r": [30, 60, 90, 180],
    "f": [12, 6, 3, 2],
    "m": [5000, 2000, 1000, 500],
}
HIGH = 3
SEGMENTS: dict[tuple[bool, bool, bool], tuple[str, Any]] = {
    (True, True, True): ("important_value", _("重要价值客户")),
    (False, True, True): ("important_keep", _("重要保持客户")),
    (True, False, True): ("important_develop", _("重要发展客户")),
    (False, False, True): ("important_retain", _("重要挽留客户")),
    (True, True, False): ("general_value", _("一般价值客户")),
    (False, True, False): ("general_keep", _("一般保持客户")),
    (True, False, False): ("general_develop", _("一般发展客户")),
    (False, False, False): ("general_retain", _("一般挽留客户")),
}
CHURN_DAYS = 90
# Half a cent: sums of amounts are compared a half cent below each bound, so that a float sum
# (SQLite) of 499.99 + 0.01 still counts as 500.
_HALF_CENT = Decimal("0.005")

WinBack = Callable[[QuerySet[Store], dt.datetime], dict[int, tuple[int, int]]]
_win_back: list[WinBack] = []


def register_win_back(figures: WinBack) -> None:
    """``figures(stores, since)``: per store id, (churned members called since ``since``,
    those of them who bought after the call) — kefu.outbound fills it in."""
    if figures not in _win_back:
        _win_back.append(figures)


def _years_before(today: dt.date, years: int) -> dt.date:
    try:
        return today.replace(year=today.year - years)
    except ValueError:
        return today.replace(year=today.year - years, day=28)


@dataclass
class StoreRow:
    store: str
    store_name: str
    values: dict[str, Any] = field(default_factory=dict)


def _store_rows(stores: QuerySet[Store]) -> dict[int, StoreRow]:
    return {
        pk: StoreRow(code, name)
        for pk, code, name in stores.order_by("code").values_list("pk", "code", "name")
    }


def _grouped(
    inner: tuple[str, list[Any]], columns: dict[str, str], *, outer_params: list[Any] | None = None
) -> list[tuple[Any, ...]]:
    """``SELECT columns, COUNT(*) FROM (inner) t GROUP BY columns``: counts over a per-member
    aggregate, done by the database. ``columns`` maps each name to its SQL expression over
    the inner query's aliases (``t.``), whose parameters are ``outer_params``; the rows come
    in ``columns``' order."""
    sql, inner_params = inner
    params = [*(outer_params or []), *inner_params]
    names = ", ".join(f"{expression} AS {name}" for name, expression in columns.items())
    ordinals = ", ".join(str(n) for n in range(1, len(columns) + 1))
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT {names}, COUNT(*) FROM ({sql}) t GROUP BY {ordinals}",  # noqa: S608 - ours
            params,
        )
        return [tuple(row) for row in cursor.fetchall()]


# --- new and expiring ----------------------------------------------------------------------


@dataclass
class Growth:
    date_from: dt.date
    date_to: dt.date
    expiring_days: int
    expiring_until: dt.date
    rows: list[StoreRow]
    total: dict[str, int]


def growth(
    stores: QuerySet[Store],
    *,
    date_from: dt.date,
    date_to: dt.date,
    expiring_days: int,
    today: dt.date,
) -> Growth:
    """Per store: its members, those who joined between the two days (both included), those
    whose card expires from today to ``expiring_days`` days on (both included). One query."""
    until = today + dt.timedelta(days=expiring_days)
    rows = _store_rows(stores)
    counted = stores.annotate(
        n_members=Count("members"),
        n_new=Count("members", filter=Q(members__joined_on__range=(date_from, date_to))),
        n_expiring=Count("members", filter=Q(members__expires_on__range=(today, until))),
    ).values_list("pk", "n_members", "n_new", "n_expiring")
    for pk, members, new, expiring in counted:
        rows[pk].values = {"members": members, "new": new, "expiring": expiring}
    listed = list(rows.values())
    total = {k: sum(r.values[k] for r in listed) for k in ("members", "new", "expiring")}
    return Growth(date_from, date_to, expiring_days, until, listed, total)


# --- spending ------------------------------------------------------------------------------


def _spent_since(stores: QuerySet[Store], since: dt.datetime) -> tuple[str, list[Any]]:
    """Per member of ``stores`` who bought at or after ``since``: ``mid``, their store
    ``sid``, the purchases ``n``, the yuan ``spent`` and the ``last`` purchase time — the SQL
    and its parameters. From the members' 12-month rows (MemberYear, no GROUP BY) when they
    hold this period, else one GROUP BY over the monthly rollup (member_months.window_sql)."""
    quote = connection.ops.quote_name
    stores_sql, stores_params = stores.order_by().values("pk").query.sql_with_params()
    if member_months.year_since() == timezone.localtime(since).date() and since == start_of_day(
        since
    ):
        figures = (
            f"SELECT y.member_id AS mid, y.purchases AS n, y.amount AS spent, "  # noqa: S608
            f"y.last_at AS last FROM {quote(MemberYear._meta.db_table)} y"
        )
        params: list[Any] = []
    else:
        members = Member.objects.filter(store__in=stores).order_by().values("pk")
        figures, params = member_months.window_sql(since, members=members.query.sql_with_params())
    sql = f"""SELECT u.mid AS mid, m.store_id AS sid, u.n AS n, u.spent AS spent, u.last AS last
        FROM ({figures}) u JOIN {quote(Member._meta.db_table)} m ON m.id = u.mid
        WHERE m.store_id IN ({stores_sql})"""  # noqa: S608 - the models' tables
    return sql, [*params, *stores_params]


def _band_of(column: str, bounds: list[Decimal]) -> str:
    """SQL: the index of the highest bound ``column`` reaches (0 for the first), a half cent
    below each bound (_HALF_CENT). The bounds are this module's constants, written as
    literals (a float sum on SQLite compares with a number, not with a text parameter)."""
    whens = " ".join(
        f"WHEN {column} >= {bound - _HALF_CENT} THEN {index}"
        for index, bound in reversed(list(enumerate(bounds)))
    )
    return f"CASE {whens} ELSE 0 END"


@dataclass
class Spending:
    since: dt.date
    bands: list[str]
    rows: list[StoreRow]  # values: {"counts": [n per band]}
    total: list[int]


def spending(stores: QuerySet[Store], *, today: dt.date) -> Spending:
    """Members per store by what they spent in the 12 months to today (SPENDING_BANDS)."""
    since = year_ago(today)
    rows = _store_rows(stores)
    bounds = [b for b, _label in SPENDING_BANDS]
    inner = _spent_since(stores, start_of_day(since))
    counts = {pk: [0] * (len(bounds) + 1) for pk in rows}
    for store_id, band, n in _grouped(inner, {"sid": "t.sid", "band": _band_of("t.spent", bounds)}):
        counts[store_id][int(band) + 1] += n
    members = dict(stores.annotate(n=Count("members")).values_list("pk", "n"))
    for pk, row in rows.items():
        bought = sum(counts[pk])
        counts[pk][0] = members.get(pk, 0) - bought
        row.values = {"counts": counts[pk]}
    listed = list(rows.values())
    total = [sum(r.values["counts"][i] for r in listed) for i in range(len(bounds) + 1)]
    labels = [str(NO_SPENDING)] + [str(label) for _b, label in SPENDING_BANDS]
    return Spending(since, labels, listed, total)


# --- gender and age ------------------------------------------------------------------------


@dataclass
class Demographics:
    age_bands: list[str]
    rows: list[dict[str, Any]]  # {"gender", "label", "counts": [n per age band]}
    total: list[int]


def demographics(stores: QuerySet[Store], *, today: dt.date) -> Demographics:
    """Members by gender (男, 女, 未填) and age band on ``today`` (AGE_BANDS, then 未知)."""
    whens = [When(birth_date__isnull=True, then=Value(len(AGE_BANDS)))]
    for index, (age, _label) in reversed(list(enumerate(AGE_BANDS))):
        if age:
            whens.append(When(birth_date__lte=_years_before(today, age), then=Value(index)))
    band = Case(*whens, default=Value(0), output_field=IntegerField())
    found = (
        Member.objects.filter(store__in=stores)
        .order_by()
        .annotate(band=band)
        .values("customer__gender", "band")
        .annotate(n=Count("id"))
        .values_list("customer__gender", "band", "n")
    )
    genders = [*Customer.Gender.choices, ("", _("未填"))]
    counts = {g: [0] * (len(AGE_BANDS) + 1) for g, _label in genders}
    for gender, index, n in found:
        counts[gender or ""][index] += n
    rows: list[dict[str, Any]] = [
        {"gender": g, "label": str(label), "counts": counts[g]} for g, label in genders
    ]
    total = [sum(counts[g][i] for g, _label in genders) for i in range(len(AGE_BANDS) + 1)]
    labels = [str(label) for _a, label in AGE_BANDS] + [str(AGE_UNKNOWN)]
    return Demographics(labels, rows, total)


# --- RFM -----------------------------------------------------------------------------------


def score(value: float, thresholds: list[int], *, at_most: bool = False) -> int:
    """The 1–5 score of one figure by RFM_RULES (the same rule the SQL applies)."""
    for index, bound in enumerate(thresholds):
        if (value <= bound) if at_most else (value >= bound):
            return 5 - index
    return 1


@dataclass
class Rfm:
    since: dt.date
    segments: list[dict[str, Any]]  # {"segment", "name", "r_high", "f_high", "m_high", "members"}
    scores: dict[str, list[int]]  # members per score 1..5 of each letter
    bought: int
    no_purchase: int


def rfm(stores: QuerySet[Store], *, today: dt.date) -> Rfm:
    """The members of ``stores`` who bought in the 12 months to today by RFM segment (the
    module's docstring), with the members per score of each letter. Two queries."""
    since = year_ago(today)
    ops = connection.ops
    params: list[Any] = []
    r_whens = []
    for index, days in enumerate(RFM_RULES["r"]):
        r_whens.append(f"WHEN t.last >= %s THEN {5 - index}")
        params.append(ops.adapt_datetimefield_value(start_of_day(today - dt.timedelta(days=days))))
    f_whens = [f"WHEN t.n >= {bound} THEN {5 - i}" for i, bound in enumerate(RFM_RULES["f"])]
    m_whens = [
        f"WHEN t.spent >= {Decimal(bound) - _HALF_CENT} THEN {5 - i}"
        for i, bound in enumerate(RFM_RULES["m"])
    ]
    sql, inner_params = _spent_since(stores, start_of_day(since))
    columns = {
        "r": f"CASE {' '.join(r_whens)} ELSE 1 END",
        "f": f"CASE {' '.join(f_whens)} ELSE 1 END",
        "m": f"CASE {' '.join(m_whens)} ELSE 1 END",
    }
    segments = {key: 0 for key in SEGMENTS}
    scores = {letter: [0] * 5 for letter in "rfm"}
    bought = 0
    # The outer SELECT's parameters (R's instants) come before the inner query's.
    for r, f, m, n in _grouped((sql, inner_params), columns, outer_params=params):
        r, f, m = int(r), int(f), int(m)
        segments[(r >= HIGH, f >= HIGH, m >= HIGH)] += n
        for letter, value in (("r", r), ("f", f), ("m", m)):
            scores[letter][value - 1] += n
        bought += n
    members = Member.objects.filter(store__in=stores).count()
    rows = [
        {
            "segment": code,
            "name": str(name),
            "r_high": key[0],
            "f_high": key[1],
            "m_high": key[2],
            "members": segments[key],
        }
        for key, (code, name) in SEGMENTS.items()
    ]
    return Rfm(since, rows, scores, bought, members - bought)


# --- churn ---------------------------------------------------------------------------------


def churn_cutoff(today: dt.date, days: int) -> dt.datetime:
    """The instant from which a purchase keeps a member: the start of the day ``days`` days
    before today (a member whose last purchase is more than ``days`` days old is churned)."""
    return start_of_day(today - dt.timedelta(days=days))


def churned_members(members: QuerySet[Member], *, days: int, today: dt.date) -> QuerySet[Member]:
    """Those of ``members`` with no purchase in the last ``days`` days who joined before
    them (a new member has not had the time to leave): ``_bought_since``."""
    cutoff = churn_cutoff(today, days)
    return members.filter(joined_on__lt=cutoff.date()).exclude(_bought_since(cutoff))


def _bought_since(cutoff: dt.datetime) -> Exists:
    """Has the member (OuterRef "pk") a purchase at or after ``cutoff``: asked of the
    member's 12-month row (MemberYear, its last purchase) when that period covers the cutoff,
    else of the monthly rollup (any month's last purchase at or after it). One query."""
    since = member_months.year_since()
    if since is not None and cutoff >= start_of_day(since):
        return Exists(MemberYear.objects.filter(member=OuterRef("pk"), last_at__gte=cutoff))
    return Exists(MemberMonth.objects.filter(member=OuterRef("pk"), last_at__gte=cutoff))


@dataclass
class Churn:
    days: int
    since: dt.datetime
    rows: list[StoreRow]  # values: members, churned, called, bought_again
    total: dict[str, int]


def churn(stores: QuerySet[Store], *, days: int, today: dt.date) -> Churn:
    """Per store: members, those churned (``churned_members``), and of the churned members
    called back since the period began, how many bought after the call."""
    cutoff = churn_cutoff(today, days)
    rows = _store_rows(stores)
    # churned = joined before the cutoff - of those, who bought since: two GROUP BYs joined
    # by hash, not a lookup per member (an EXISTS inside an aggregate's FILTER is one).
    counted = (
        Member.objects.filter(store__in=stores)
        .order_by()
        .values("store_id")
        .annotate(n=Count("id"), old=Count("id", filter=Q(joined_on__lt=cutoff.date())))
        .values_list("store_id", "n", "old")
    )
    since = member_months.year_since()
    by_year = since is not None and cutoff >= start_of_day(since)
    recent: QuerySet[Any] = MemberYear.objects.all() if by_year else MemberMonth.objects.all()
    stayed = dict(
        recent.filter(
            last_at__gte=cutoff,
            member__store__in=stores,
            member__joined_on__lt=cutoff.date(),
        )
        .order_by()
        .values("member__store_id")
        .annotate(n=Count("member_id", distinct=not by_year))  # a row a month: distinct
        .values_list("member__store_id", "n")
    )
    for row in rows.values():
        row.values = {"members": 0, "churned": 0, "called": 0, "bought_again": 0}
    for store_id, n, old in counted:
        rows[store_id].values.update(members=n, churned=old - stayed.get(store_id, 0))
    for figures in _win_back:
        for store_id, (called, again) in figures(stores, cutoff).items():
            if store_id in rows:
                rows[store_id].values["called"] += called
                rows[store_id].values["bought_again"] += again
    listed = list(rows.values())
    keys = ("members", "churned", "called", "bought_again")
    return Churn(days, cutoff, listed, {k: sum(r.values[k] for r in listed) for k in keys})


# --- one entry for the pages and the API ---------------------------------------------------

NAMES = ("growth", "spending", "demographics", "rfm", "churn")
MAX_PERIOD_DAYS = 3 * 366


@dataclass
class Filters:
    store: str = ""
    branch: str = ""
    date_from: dt.date | None = None
    date_to: dt.date | None = None
    expiring_days: int = 30
    days: int = CHURN_DAYS


def run(actor: Actor | None, name: str, filters: Filters, *, today: dt.date | None = None) -> Any:
    """The analysis ``name`` (NAMES) of the stores ``actor`` may read, narrowed by
    ``filters``. FORBIDDEN for roles that may not read statistics; INVALID naming the field
    for a store outside the reach, a period backwards or longer than three years, a number
    of days out of range; NOT_FOUND for an unknown analysis."""
    stores = analysed_stores(actor, store=filters.store.strip(), branch=filters.branch.strip())
    today = today or timezone.localdate()
    match name:
        case "growth":
            date_to = filters.date_to or today
            date_from = filters.date_from or date_to - dt.timedelta(days=29)
            if date_from > date_to:
                raise ServiceError(Code.INVALID, _("开始日期不能晚于结束日期"), field="date_from")
            if (date_to - date_from).days > MAX_PERIOD_DAYS:
                raise ServiceError(Code.INVALID, _("统计期间最长三年"), field="date_to")
            if not 1 <= filters.expiring_days <= 366:
                raise ServiceError(
                    Code.INVALID, _("到期天数应在 1 到 366 之间"), field="expiring_days"
                )
            return growth(
                stores,
                date_from=date_from,
                date_to=date_to,
                expiring_days=filters.expiring_days,
                today=today,
            )
        case "spending":
            return spending(stores, today=today)
        case "demographics":
            return demographics(stores, today=today)
        case "rfm":
            return rfm(stores, today=today)
        case "churn":
            if not 1 <= filters.days <= 3650:
                raise ServiceError(Code.INVALID, _("天数应在 1 到 3650 之间"), field="days")
            return churn(stores, days=filters.days, today=today)
    raise ServiceError(Code.NOT_FOUND, _("没有这项分析"))


TITLES = {
    "growth": _("新增与到期会员"),
    "spending": _("消费水平"),
    "demographics": _("性别与年龄"),
    "rfm": _("消费能力(RFM)"),
    "churn": _("流失会员"),
}


def table(name: str, result: Any) -> tuple[list[str], list[list[Any]]]:
    """The header and rows an analysis is shown and downloaded as (the page's table and the
    Excel sheet are the same rows; the last row is the total)."""
    header: list[Any]
    rows: list[list[Any]]
    match name:
        case "growth":
            header = [_("门店编码"), _("门店"), _("会员数"), _("期间新增"), _("即将到期")]
            rows = [
                [r.store, r.store_name, r.values["members"], r.values["new"], r.values["expiring"]]
                for r in result.rows
            ]
            t = result.total
            rows.append(["", _("合计"), t["members"], t["new"], t["expiring"]])
        case "spending":
            header = [_("门店编码"), _("门店"), *result.bands]
            rows = [[r.store, r.store_name, *r.values["counts"]] for r in result.rows]
            rows.append(["", _("合计"), *result.total])
        case "demographics":
            header = [_("性别"), *result.age_bands]
            rows = [[r["label"], *r["counts"]] for r in result.rows]
            rows.append([_("合计"), *result.total])
        case "rfm":
            header = [_("客户分群"), "R", "F", "M", _("会员数")]
            high, low = _("高"), _("低")
            rows = [
                [
                    s["name"],
                    high if s["r_high"] else low,
                    high if s["f_high"] else low,
                    high if s["m_high"] else low,
                    s["members"],
                ]
                for s in result.segments
            ]
            rows.append([_("近12个月无消费"), "", "", "", result.no_purchase])
        case "churn":
            header = [
                _("门店编码"),
                _("门店"),
                _("会员数"),
                _("流失会员"),
                _("已回访"),
                _("回访后再消费"),
            ]
            keys = ("members", "churned", "called", "bought_again")
            rows = [[r.store, r.store_name, *(r.values[k] for k in keys)] for r in result.rows]
            rows.append(["", _("合计"), *(result.total[k] for k in keys)])
        case _other:
            raise ServiceError(Code.NOT_FOUND, _("没有这项分析"))
    return [str(h) for h in header], [
        [str(v) if isinstance(v, Promise) else v for v in row] for row in rows
    ]


def workbook(name: str, result: Any) -> bytes:
    """The analysis as an .xlsx of one sheet (``table``)."""
    header, rows = table(name, result)
    return one_sheet(str(TITLES[name])[:31], header, rows)
