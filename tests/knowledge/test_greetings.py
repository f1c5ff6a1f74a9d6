"""Greetings, festivals and addresses of the standard scripts (kefu.knowledge.greetings).

The festival dates below are written out by hand, not computed: they are the Hong Kong
Observatory / 中国科学院紫金山天文台 calendar, cross-checked against two other packages
(lunardate and zhdate) that the module does not use.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
from pathlib import Path
from typing import Any

import pytest

import kefu.knowledge
from kefu.knowledge.greetings import (
    FESTIVALS,
    FESTIVALS_BY_CODE,
    LAST_DAY,
    Festival,
    customer_title,
    festival_date,
    festival_on,
    greeting,
    render,
    time_greeting,
)

D = dt.date
DAY = dt.timedelta(days=1)

# year -> festival code -> date, by hand.
DATES: dict[int, dict[str, dt.date]] = {
    2025: {
        "new_years_eve": D(2025, 1, 28),  # 腊月廿九: lunar 2024's 12th month has 29 days
        "spring_festival": D(2025, 1, 29),
        "lantern_festival": D(2025, 2, 12),
        "qingming": D(2025, 4, 4),
        "dragon_boat": D(2025, 5, 31),
        "mid_autumn": D(2025, 10, 6),
        "double_ninth": D(2025, 10, 29),
    },
    2026: {
        "new_years_eve": D(2026, 2, 16),
        "spring_festival": D(2026, 2, 17),
        "lantern_festival": D(2026, 3, 3),
        "qingming": D(2026, 4, 5),
        "dragon_boat": D(2026, 6, 19),
        "mid_autumn": D(2026, 9, 25),
        "double_ninth": D(2026, 10, 18),
    },
    2027: {
        "new_years_eve": D(2027, 2, 5),
        "spring_festival": D(2027, 2, 6),
        "lantern_festival": D(2027, 2, 20),
        "qingming": D(2027, 4, 5),
        "dragon_boat": D(2027, 6, 9),
        "mid_autumn": D(2027, 9, 15),
        "double_ninth": D(2027, 10, 8),
    },
    2028: {
        "new_years_eve": D(2028, 1, 25),
        "spring_festival": D(2028, 1, 26),
        "lantern_festival": D(2028, 2, 9),
        "qingming": D(2028, 4, 4),
        "dragon_boat": D(2028, 5, 28),  # 2028 has a leap 5th month: no second 端午 on 6-27
        "mid_autumn": D(2028, 10, 3),
        "double_ninth": D(2028, 10, 26),
    },
    2029: {
        "new_years_eve": D(2029, 2, 12),
        "spring_festival": D(2029, 2, 13),
        "lantern_festival": D(2029, 2, 27),
        "qingming": D(2029, 4, 4),
        "dragon_boat": D(2029, 6, 16),
        "mid_autumn": D(2029, 9, 22),
        "double_ninth": D(2029, 10, 16),
    },
    2030: {
        "new_years_eve": D(2030, 2, 2),  # 腊月三十: lunar 2029's 12th month has 30 days
        "spring_festival": D(2030, 2, 3),
        "lantern_festival": D(2030, 2, 17),
        "qingming": D(2030, 4, 5),
        "dragon_boat": D(2030, 6, 5),
        "mid_autumn": D(2030, 9, 12),
        "double_ninth": D(2030, 10, 5),
    },
}
FESTIVAL_DAYS = [(code, day) for dates in DATES.values() for code, day in dates.items()]
SINGLE_DAY = ("lantern_festival", "qingming", "dragon_boat", "mid_autumn", "double_ninth")


def _ordinary(day: dt.date) -> str | None:
    """What a day next to a festival is: inside 国庆's Oct 1–7, else nothing."""
    return "national_day" if day.month == 10 and day.day <= 7 else None


def _code(day: dt.date) -> str | None:
    festival = festival_on(day)
    return festival.code if festival else None


# --- Dates -----------------------------------------------------------------------------------


@pytest.mark.parametrize(("code", "day"), FESTIVAL_DAYS, ids=lambda v: str(v))
def test_festival_date_matches_the_calendar(code: str, day: dt.date) -> None:
    assert festival_date(code, day.year) == day
    assert _code(day) == code


@pytest.mark.parametrize(("code", "day"), FESTIVAL_DAYS, ids=lambda v: str(v))
def test_the_days_around_a_festival_are_not_that_festival(code: str, day: dt.date) -> None:
    assert _code(day - DAY) != code
    if code != "spring_festival":  # 春节 greets until 正月初七
        assert _code(day + DAY) != code


@pytest.mark.parametrize(("code", "day"), [(c, d) for c, d in FESTIVAL_DAYS if c in SINGLE_DAY])
def test_single_day_festival_neighbours_are_ordinary_days(code: str, day: dt.date) -> None:
    assert _code(day - DAY) == _ordinary(day - DAY)
    assert _code(day + DAY) == _ordinary(day + DAY)


@pytest.mark.parametrize("year", sorted(DATES))
def test_spring_festival_period_runs_from_new_years_eve_to_the_seventh(year: int) -> None:
    eve = DATES[year]["new_years_eve"]
    first = DATES[year]["spring_festival"]
    assert eve + DAY == first
    assert _code(eve - DAY) is None
    assert festival_on(eve) == FESTIVALS_BY_CODE["new_years_eve"]
    for offset in range(7):  # 正月初一 … 初七
        festival = festival_on(first + offset * DAY)
        assert festival is not None and festival.code == "spring_festival"
    assert _code(first + 7 * DAY) is None  # 初八
    festivals = [festival_on(eve + n * DAY) for n in range(8)]
    assert {f.greeting if f else None for f in festivals} == {"新春快乐"}


@pytest.mark.parametrize(
    ("eve", "lunar_day"),
    [(D(2025, 1, 28), 29), (D(2026, 2, 16), 29), (D(2029, 2, 12), 29), (D(2030, 2, 2), 30)],
)
def test_new_years_eve_is_the_last_day_of_the_12th_month(eve: dt.date, lunar_day: int) -> None:
    assert _code(eve) == "new_years_eve"
    # A festival fixed on 腊月三十 misses the years whose 12th month has only 29 days.
    on_the_30th = Festival("eve30", "腊月三十", "x", "lunar", month=12, day=30)
    assert (festival_date(on_the_30th, eve.year) == eve) is (lunar_day == 30)
    last_day = Festival("eve", "除夕", "x", "lunar", month=12, day=LAST_DAY)
    assert festival_date(last_day, eve.year) == eve


@pytest.mark.parametrize(
    ("leap_day", "code", "real_day"),
    [
        (D(2028, 6, 27), "dragon_boat", D(2028, 5, 28)),  # 2028 闰五月初五
        (D(2009, 6, 27), "dragon_boat", D(2009, 5, 28)),  # 2009 闰五月初五
        (D(1995, 10, 9), "mid_autumn", D(1995, 9, 9)),  # 1995 闰八月十五
        (D(2014, 11, 1), "double_ninth", D(2014, 10, 2)),  # 2014 闰九月初九
    ],
)
def test_a_leap_month_brings_no_second_festival(
    leap_day: dt.date, code: str, real_day: dt.date
) -> None:
    assert _code(leap_day) is None
    assert _code(real_day) == code
    assert festival_date(code, real_day.year) == real_day


@pytest.mark.parametrize("year", [1995, 2009, 2014, 2020, 2025, 2028, 2033])
def test_each_single_day_festival_happens_once_a_year(year: int) -> None:
    # 1995 leap 8th, 2009 leap 5th, 2014 leap 9th, 2020 leap 4th, 2025 leap 6th,
    # 2028 leap 5th, 2033 leap 11th month. Without 国庆, which takes 2033-10-01 from 重阳.
    festivals = [f for f in FESTIVALS if f.code != "national_day"]
    seen: dict[str, list[dt.date]] = {code: [] for code in SINGLE_DAY}
    day = D(year, 1, 1)
    while day.year == year:
        festival = festival_on(day, festivals)
        if festival and festival.code in seen:
            seen[festival.code].append(day)
        day += DAY
    assert {code: len(days) for code, days in seen.items()} == dict.fromkeys(SINGLE_DAY, 1)


@pytest.mark.parametrize(
    ("day", "code"),
    [
        (D(2025, 12, 31), None),
        (D(2026, 1, 1), "new_year"),
        (D(2026, 1, 2), None),
        (D(2026, 4, 30), None),
        (D(2026, 5, 1), "labour_day"),
        (D(2026, 5, 5), "labour_day"),
        (D(2026, 5, 6), None),
        (D(2026, 9, 30), None),
        (D(2026, 10, 1), "national_day"),
        (D(2026, 10, 7), "national_day"),
        (D(2026, 10, 8), None),
        (D(2026, 7, 15), None),
    ],
)
def test_statutory_festival_periods(day: dt.date, code: str | None) -> None:
    assert _code(day) == code


@pytest.mark.parametrize(
    ("day", "code"),
    [
        (D(2025, 10, 5), "national_day"),
        (D(2025, 10, 6), "mid_autumn"),  # inside 国庆: the day-exact festival wins
        (D(2025, 10, 7), "national_day"),
        (D(2028, 10, 3), "mid_autumn"),
        (D(2027, 10, 8), "double_ninth"),
        (D(2030, 10, 5), "double_ninth"),
        (D(2014, 10, 2), "double_ninth"),
        (D(2020, 10, 1), "mid_autumn"),  # both begin that day: FESTIVALS lists 中秋 first
        (D(2033, 10, 1), "national_day"),  # 重阳 too: FESTIVALS lists 国庆 first
        (D(2033, 10, 2), "national_day"),
    ],
)
def test_overlapping_festivals_prefer_the_one_of_the_day(day: dt.date, code: str) -> None:
    assert _code(day) == code


def test_festival_on_accepts_a_datetime_and_the_ends_of_the_calendar() -> None:
    assert _code(dt.datetime(2026, 2, 17, 23, 59)) == "spring_festival"
    assert _code(dt.date.min) == "new_year"
    assert _code(dt.date.max) is None


@pytest.mark.parametrize("year", [1901, 1950, 2050, 2099, 2100, 2200])
def test_every_festival_is_found_in_any_year(year: int) -> None:
    for festival in FESTIVALS:
        day = festival_date(festival, year)
        assert day is not None and day.year == year, festival.code
        assert festival_on(day) is not None


def test_festival_greetings() -> None:
    wishes = {f.name: f.greeting for f in FESTIVALS}
    assert wishes["清明节"] == "清明安康"  # remembrance, never 快乐
    assert wishes["端午节"] == "端午安康"
    assert wishes["除夕"] == wishes["春节"] == "新春快乐"
    assert len({f.code for f in FESTIVALS}) == len(FESTIVALS)


def test_solar_festival_on_a_day_some_years_lack() -> None:
    leap_day = Festival("leap", "闰日", "x", "solar", month=2, day=29)
    assert festival_date(leap_day, 2025) is None
    assert festival_date(leap_day, 2028) == D(2028, 2, 29)


def test_a_center_can_change_periods_and_add_festivals() -> None:
    qixi = Festival("qixi", "七夕", "七夕快乐", "lunar", month=7, day=7)
    short_national_day = dataclasses.replace(FESTIVALS_BY_CODE["national_day"], days=3)
    mine = (*[f for f in FESTIVALS if f.code != "national_day"], short_national_day, qixi)
    assert festival_on(D(2026, 8, 19), mine) == qixi  # 2026 七夕
    assert festival_on(D(2026, 8, 19)) is None
    assert festival_on(D(2026, 10, 3), mine) == short_national_day
    assert festival_on(D(2026, 10, 4), mine) is None
    assert greeting(dt.datetime(2026, 8, 19, 20, 0), mine) == "晚上好,七夕快乐"


@pytest.mark.parametrize(
    "fields",
    [
        {"calendar": "solar", "month": 1, "day": 1, "days": 0},
        {"calendar": "solar", "month": 1, "day": 1, "days": 32},
        {"calendar": "solar", "month": 2, "day": 30},
        {"calendar": "lunar", "month": 13, "day": 1},
        {"calendar": "lunar", "month": 1, "day": 31},
        {"calendar": "solar_term", "term": "春节"},
        {"calendar": "julian", "month": 1, "day": 1},
    ],
)
def test_festival_rejects_impossible_rules(fields: dict[str, Any]) -> None:
    with pytest.raises(ValueError):
        Festival("bad", "坏", "x", **fields)


# --- Time of day and greeting ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("clock", "said"),
    [
        (dt.time(0, 0), "早上好"),
        (dt.time(8, 30), "早上好"),
        (dt.time(11, 59), "早上好"),
        (dt.time(11, 59, 59, 999999), "早上好"),
        (dt.time(12, 0), "下午好"),
        (dt.time(15, 0), "下午好"),
        (dt.time(17, 59), "下午好"),
        (dt.time(18, 0), "晚上好"),
        (dt.time(23, 59), "晚上好"),
    ],
)
def test_time_greeting_boundaries(clock: dt.time, said: str) -> None:
    assert time_greeting(clock) == said
    assert time_greeting(dt.datetime.combine(D(2026, 7, 15), clock)) == said


def test_time_greeting_reads_the_wall_clock_of_an_aware_datetime() -> None:
    shanghai = dt.timezone(dt.timedelta(hours=8))
    assert time_greeting(dt.datetime(2026, 7, 15, 11, 59, tzinfo=shanghai)) == "早上好"
    assert time_greeting(dt.datetime(2026, 7, 15, 18, 0, tzinfo=dt.UTC)) == "晚上好"


@pytest.mark.parametrize(
    ("moment", "said"),
    [
        (dt.datetime(2026, 7, 15, 9, 0), "早上好"),
        (dt.datetime(2026, 2, 16, 20, 0), "晚上好,新春快乐"),  # 除夕
        (dt.datetime(2026, 2, 17, 9, 0), "早上好,新春快乐"),  # 春节
        (dt.datetime(2026, 2, 23, 12, 0), "下午好,新春快乐"),  # 正月初七
        (dt.datetime(2026, 2, 24, 9, 0), "早上好"),  # 正月初八
        (dt.datetime(2026, 4, 5, 14, 0), "下午好,清明安康"),
        (dt.datetime(2026, 6, 19, 11, 59), "早上好,端午安康"),
        (dt.datetime(2026, 9, 25, 18, 0), "晚上好,中秋快乐"),
        (dt.datetime(2025, 10, 6, 10, 0), "早上好,中秋快乐"),
        (dt.datetime(2025, 10, 7, 10, 0), "早上好,国庆快乐"),
        (dt.datetime(2026, 1, 1, 17, 59), "下午好,元旦快乐"),
        (dt.datetime(2026, 5, 5, 9, 0), "早上好,劳动节快乐"),
    ],
)
def test_greeting_adds_the_festival_after_the_time(moment: dt.datetime, said: str) -> None:
    assert greeting(moment) == said


# --- Rendering scripts -----------------------------------------------------------------------

SCRIPTS: dict[str, dict[str, str]] = json.loads(
    (Path(kefu.knowledge.__file__).parent / "fixtures" / "scripts.json").read_text("utf-8")
)
SPRING = dt.datetime(2026, 2, 17, 9, 30)
CENTER: dict[str, Any] = {"agent_no": "8001", "company": "阳光水务", "hotline": "96116"}


@pytest.mark.parametrize("key", sorted(SCRIPTS))
def test_every_script_renders_with_a_title(key: str) -> None:
    text = SCRIPTS[key]["text"]
    rendered = render(text, moment=SPRING, title="张先生", **CENTER)
    assert rendered == text.format(greeting="早上好,新春快乐", title="张先生", **CENTER)
    assert "{" not in rendered and "}" not in rendered


@pytest.mark.parametrize("key", sorted(SCRIPTS))
def test_every_script_renders_without_a_title(key: str) -> None:
    text = SCRIPTS[key]["text"]
    rendered = render(text, moment=SPRING, **CENTER)
    if text.startswith("{title},"):
        assert rendered == text.format(greeting="", title="您好", **CENTER)
    else:
        assert rendered == text.format(greeting="早上好,新春快乐", title="机主本人", **CENTER)
    assert "{" not in rendered and "}" not in rendered
    assert not rendered.startswith((",", ","))
    for bad in (",,", ",,", ",。", "是吗", "您好您好"):
        assert bad not in rendered


def test_the_fixture_is_the_one_the_tests_expect() -> None:
    assert len(SCRIPTS) >= 14
    for script in SCRIPTS.values():
        text = script["text"]
        assert text.startswith(("{title},", "{greeting}")), script["name"]


def test_render_known_scripts_exactly() -> None:
    inbound = SCRIPTS["inbound_greeting"]["text"]
    assert render(inbound, moment=dt.datetime(2026, 7, 15, 15, 0), **CENTER).startswith(
        "下午好!这里是阳光水务客服中心,我是8001号客服,"
    )
    opener = SCRIPTS["outbound_opener"]["text"]
    assert render(opener, moment=dt.datetime(2026, 7, 15, 19, 0)).startswith(
        "晚上好,请问是机主本人吗?"
    )
    assert render(opener, moment=SPRING, title="欧阳女士").startswith(
        "早上好,新春快乐,请问是欧阳女士吗?"
    )


@pytest.mark.parametrize(
    ("text", "rendered"),
    [
        ("{title},让您久等了", "您好,让您久等了"),
        ("{title},让您久等了", "您好,让您久等了"),
        ("请问是{title}吗?", "请问是机主本人吗?"),
        ("{title}您好,我是{agent_no}号", "您好,我是8001号"),
        ("{greeting},{title},请问您方便吗", "早上好,请问您方便吗"),
        ("{greeting}!{title},请问您方便吗", "早上好!您好,请问您方便吗"),
        ("好的,再见,{title}。", "好的,再见。"),
        ("好的。{title},再见", "好的。您好,再见"),
        ("感谢{title}的支持", "感谢您的支持"),
        ("{title}", "您"),
    ],
)
def test_render_without_a_title_follows_the_rule(text: str, rendered: str) -> None:
    moment = dt.datetime(2026, 7, 15, 9, 0)
    assert render(text, moment=moment, **CENTER) == rendered
    assert render(text, moment=moment, title="   ", **CENTER) == rendered


@pytest.mark.parametrize(
    ("text", "rendered"),
    [
        ("{foo}", "{foo}"),
        ("{title}:{foo}!", "张先生:{foo}!"),
        ("{", "{"),
        ("}", "}"),
        ("{}", "{}"),
        ("{ title }", "{ title }"),
        ("{title", "{title"),
        ("title}", "title}"),
        ("{{title}}", "{张先生}"),
        ("{0} {1!r} {title:>10}", "{0} {1!r} {title:>10}"),
        ("%s {hotline} %(x)s", "%s 96116 %(x)s"),
        ("拨打{hotline}}}", "拨打96116}}"),
        ("{company", "{company"),
    ],
)
def test_render_never_raises_on_unknown_variables_or_stray_braces(text: str, rendered: str) -> None:
    moment = dt.datetime(2026, 7, 15, 9, 0)
    assert render(text, moment=moment, title="张先生", **CENTER) == rendered


def test_render_extra_variables_and_values_are_not_read_again() -> None:
    moment = dt.datetime(2026, 7, 15, 9, 0)
    text = "{greeting},工单{order_no}已受理,{company}"
    assert render(text, moment=moment, order_no="GD-1", company="{hotline}") == (
        "早上好,工单GD-1已受理,{hotline}"
    )
    assert render("{greeting}", moment=moment, greeting="您好") == "您好"
    not_text: dict[str, Any] = {"count": 3}
    assert render("共{count}件", moment=moment, **not_text) == "共3件"
    assert render("", moment=moment) == ""


# --- Customer titles -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "gender", "title"),
    [
        ("张伟", "male", "张先生"),
        ("李娜", "female", "李女士"),
        ("王小明", "M", "王先生"),
        ("赵敏", " F ", "赵女士"),
        ("刘洋", "男", "刘先生"),
        ("陈静", "女", "陈女士"),
        ("孙强", "1", "孙先生"),
        ("周芳", "2", "周女士"),
        (" 吴 刚 ", "male", "吴先生"),
        ("欧阳娜娜", "female", "欧阳女士"),
        ("司马懿", "male", "司马先生"),
        ("诸葛亮", "male", "诸葛先生"),
        ("上官婉儿", "female", "上官女士"),
        ("东方明", "male", "东方先生"),
        ("慕容复", "male", "慕容先生"),
        ("令狐冲", "male", "令狐先生"),
        ("尉迟恭", "male", "尉迟先生"),
        ("歐陽修", "male", "歐陽先生"),
        ("欧阳", "female", "欧阳女士"),
        ("张", "male", "张先生"),
        ("王先生", "", "王先生"),
        ("欧阳女士", "male", "欧阳女士"),
        ("张伟", "", ""),
        ("张伟", "0", ""),
        ("张伟", "9", ""),
        ("张伟", "unknown", ""),
        ("", "male", ""),
        ("   ", "female", ""),
        ("John Smith", "male", ""),
        ("Li Na", "female", ""),
        ("张John", "male", ""),
        ("阿依古丽·买买提", "female", ""),
        ("阳光水务有限公司", "male", ""),
    ],
)
def test_customer_title(name: str, gender: str, title: str) -> None:
    assert customer_title(name, gender) == title


def test_customer_title_feeds_render() -> None:
    title = customer_title("欧阳娜娜", "female")
    moment = dt.datetime(2026, 7, 15, 9, 0)
    assert render("{title},让您久等了", moment=moment, title=title) == "欧阳女士,让您久等了"
    assert render("{title},让您久等了", moment=moment, title=customer_title("John", "m")) == (
        "您好,让您久等了"
    )
