"""Automatic variants of the standard scripts (标准话术): greetings, festivals and addresses.

A center writes its scripts once, with variables, and every call gets the words that fit it:

- ``{greeting}`` says good morning, afternoon or evening, and on a festival adds the festival's
  wishes: "早上好" on an ordinary morning, "早上好,新春快乐" during the Spring Festival.
- ``{title}`` is how the agent addresses the customer: "张先生", "欧阳女士", or a polite
  fallback when the customer is unknown (see :func:`render`).
- ``{agent_no}``, ``{company}``, ``{hotline}`` and any extra variable are filled as given.

Festivals are computed for any year, never read from a table that ends: the lunar ones
(春节, 端午, 中秋 …) through the ``lunar_python`` package (PyPI ``lunar_python``, by 6tail),
which converts between the Gregorian and the Chinese calendar and knows the 24 solar terms
(清明 is a solar term, not a fixed date). The module is pure Python: no models, no database.
"""

from __future__ import annotations

import datetime as dt
import functools
import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

from lunar_python import Lunar, LunarMonth

# --- The time of day -------------------------------------------------------------------------

#: Before this time it is morning: "早上好".
AFTERNOON_STARTS = dt.time(12, 0)
#: From AFTERNOON_STARTS to before this time it is afternoon: "下午好"; from it on "晚上好".
EVENING_STARTS = dt.time(18, 0)

MORNING_GREETING = "早上好"
AFTERNOON_GREETING = "下午好"
EVENING_GREETING = "晚上好"

#: Joins the time greeting and a festival's wishes: "早上好" + "," + "新春快乐". The comma is
#: the half-width one the center's scripts use ("{greeting},请问是{title}吗?").
FESTIVAL_SEPARATOR = ","


def time_greeting(moment: dt.time | dt.datetime) -> str:
    """The greeting for a time of day: "早上好" before 12:00, "下午好" until 18:00, then "晚上好".

    The moment is read as the wall-clock time it shows: pass the center's local time (e.g.
    ``django.utils.timezone.localtime()``), not UTC. Late at night is still "晚上好".
    """
    clock = moment.time() if isinstance(moment, dt.datetime) else moment
    if clock < AFTERNOON_STARTS:
        return MORNING_GREETING
    if clock < EVENING_STARTS:
        return AFTERNOON_GREETING
    return EVENING_GREETING


# --- Festivals -------------------------------------------------------------------------------

#: A lunar festival on the last day of its month, whether the month has 29 or 30 days (除夕).
LAST_DAY = -1
#: The longest festive period a festival may have, in days.
MAX_FESTIVAL_DAYS = 31

#: The 24 solar terms, by their Chinese names.
SOLAR_TERMS = frozenset(Lunar.JIE_QI)

CalendarKind = Literal["solar", "lunar", "solar_term"]


@dataclass(frozen=True)
class Festival:
    """A festival the center greets customers on, and for how many days it greets.

    ``calendar`` says how the first day is found each year:

    - ``"solar"``: Gregorian ``month``/``day`` (元旦 is 1/1).
    - ``"lunar"``: Chinese-calendar ``month``/``day`` (中秋 is 8/15). A leap month (闰月) never
      counts: in a year with a leap 5th month, 端午 is the 5th of the ordinary 5th month only.
      ``day`` may be :data:`LAST_DAY`, the day before the next month begins (除夕 is 12/LAST_DAY:
      the 29th or the 30th).
    - ``"solar_term"``: the day of the solar term named ``term`` (清明).

    The greeting is used from the first day for ``days`` days: 国庆 greets from Oct 1 to Oct 7.
    """

    code: str
    name: str
    greeting: str
    calendar: CalendarKind
    month: int = 0
    day: int = 0
    term: str = ""
    days: int = 1

    def __post_init__(self) -> None:
        if not 1 <= self.days <= MAX_FESTIVAL_DAYS:
            raise ValueError(f"{self.code}: days must be 1…{MAX_FESTIVAL_DAYS}, not {self.days}")
        if self.calendar == "solar_term":
            if self.term not in SOLAR_TERMS:
                raise ValueError(f"{self.code}: {self.term!r} is not a solar term")
        elif self.calendar == "solar":
            dt.date(2000, self.month, self.day)  # a leap year: Feb 29 is allowed, Feb 30 not
        elif self.calendar == "lunar":
            if not 1 <= self.month <= 12 or not (1 <= self.day <= 30 or self.day == LAST_DAY):
                raise ValueError(f"{self.code}: no lunar date {self.month}/{self.day}")
        else:
            raise ValueError(f"{self.code}: unknown calendar {self.calendar!r}")


#: The festivals a center greets on, in the order that breaks a tie (see :func:`festival_on`).
#: 除夕 already wishes "新春快乐": with 春节 (正月初一 to 初七) it makes the Spring Festival
#: period, 除夕 to 正月初七, one greeting. 清明 is a day of remembrance: "安康", not "快乐";
#: so is 端午, traditionally.
FESTIVALS: tuple[Festival, ...] = (
    Festival("new_year", "元旦", "元旦快乐", "solar", month=1, day=1),
    Festival("new_years_eve", "除夕", "新春快乐", "lunar", month=12, day=LAST_DAY),
    Festival("spring_festival", "春节", "新春快乐", "lunar", month=1, day=1, days=7),
    Festival("lantern_festival", "元宵节", "元宵节快乐", "lunar", month=1, day=15),
    Festival("qingming", "清明节", "清明安康", "solar_term", term="清明"),
    Festival("labour_day", "劳动节", "劳动节快乐", "solar", month=5, day=1, days=5),
    Festival("dragon_boat", "端午节", "端午安康", "lunar", month=5, day=5),
    Festival("mid_autumn", "中秋节", "中秋快乐", "lunar", month=8, day=15),
    Festival("national_day", "国庆节", "国庆快乐", "solar", month=10, day=1, days=7),
    Festival("double_ninth", "重阳节", "重阳节快乐", "lunar", month=9, day=9),
)

FESTIVALS_BY_CODE: dict[str, Festival] = {festival.code: festival for festival in FESTIVALS}


def _gregorian(year: int, month: int, day: int) -> dt.date | None:
    """A Gregorian date, or None when it falls outside what ``datetime.date`` can hold."""
    try:
        return dt.date(year, month, day)
    except ValueError:
        return None


def _lunar_to_date(lunar_year: int, month: int, day: int) -> dt.date | None:
    """The Gregorian date of a day in an ordinary (not leap) lunar month, None if none."""
    if day == LAST_DAY:
        # The day before the next month's first day: 除夕 is the eve of 正月初一.
        next_year, next_month = (lunar_year + 1, 1) if month == 12 else (lunar_year, month + 1)
        first = _lunar_to_date(next_year, next_month, 1)
        if first is None or first == dt.date.min:
            return None
        return first - dt.timedelta(days=1)
    lunar_month = LunarMonth.fromYm(lunar_year, month)
    if lunar_month is None or day > int(lunar_month.getDayCount()):
        return None  # e.g. a 30th in a month of 29 days
    solar = Lunar.fromYmd(lunar_year, month, day).getSolar()
    return _gregorian(int(solar.getYear()), int(solar.getMonth()), int(solar.getDay()))


def _solar_term_date(term: str, year: int) -> dt.date | None:
    """The day of a solar term in a Gregorian year (Beijing time, as the Chinese calendar)."""
    # A lunar year's table names the terms from the previous 冬至 to 大雪; 冬至 itself
    # (late December) is in the next lunar year's table.
    for lunar_year in (year, year + 1):
        solar = Lunar.fromYmd(lunar_year, 1, 1).getJieQiTable().get(term)
        if solar is not None and int(solar.getYear()) == year:
            return _gregorian(year, int(solar.getMonth()), int(solar.getDay()))
    return None


@functools.lru_cache(maxsize=4096)
def _first_day(festival: Festival, year: int) -> dt.date | None:
    if festival.calendar == "solar":
        return _gregorian(year, festival.month, festival.day)
    if festival.calendar == "solar_term":
        return _solar_term_date(festival.term, year)
    # A lunar date falls in the Gregorian year of its lunar year, except late in the 12th
    # month (除夕 of lunar 2024 is 2025-01-28): look at both lunar years that touch the year.
    for lunar_year in (year - 1, year):
        if lunar_year < 1:
            continue
        day = _lunar_to_date(lunar_year, festival.month, festival.day)
        if day is not None and day.year == year:
            return day
    return None


def festival_date(festival: Festival | str, year: int) -> dt.date | None:
    """The first day of a festival (a :class:`Festival` or its code) in a Gregorian year.

    None when the festival does not occur that year (a solar Feb 29 in a common year, a lunar
    30th in a month of 29 days). Every festival in :data:`FESTIVALS` occurs once a year.
    """
    if isinstance(festival, str):
        festival = FESTIVALS_BY_CODE[festival]
    if not 1 <= year <= dt.MAXYEAR:
        return None
    return _first_day(festival, year)


def festival_on(day: dt.date, festivals: Sequence[Festival] = FESTIVALS) -> Festival | None:
    """The festival whose greeting period contains the day, or None on an ordinary day.

    When periods overlap, the festival that falls on the day itself wins (中秋 on 2025-10-06,
    inside 国庆's Oct 1–7), then the one that began most recently, then the one listed first
    (:data:`FESTIVALS` lists 中秋 before 国庆 before 重阳: 2020-10-01, 中秋 and 国庆, is 中秋;
    2033-10-01, 国庆 and 重阳, is 国庆).
    """
    if isinstance(day, dt.datetime):
        day = day.date()
    best: Festival | None = None
    best_key: tuple[bool, dt.date] | None = None
    for festival in festivals:
        for year in (day.year - 1, day.year):
            first = festival_date(festival, year)
            if first is None or not 0 <= (day - first).days < festival.days:
                continue
            key = (first == day, first)
            if best_key is None or key > best_key:
                best, best_key = festival, key
    return best


def greeting(moment: dt.datetime, festivals: Sequence[Festival] = FESTIVALS) -> str:
    """What a script's ``{greeting}`` becomes: the time greeting, then any festival's wishes.

    "早上好" on an ordinary morning, "早上好,新春快乐" during the Spring Festival. The time comes
    first so that both ways the scripts use it read naturally: "早上好,新春快乐!这里是…" and
    "早上好,新春快乐,请问是张先生吗?". Pass the center's local time.
    """
    said = time_greeting(moment)
    festival = festival_on(moment.date(), festivals)
    if festival is None:
        return said
    return f"{said}{FESTIVAL_SEPARATOR}{festival.greeting}"


# --- Scripts ---------------------------------------------------------------------------------

#: What an empty ``{title}`` becomes at the start of a sentence: the address turns into a
#: polite greeting ("{title},让您久等了" → "您好,让您久等了").
UNKNOWN_TITLE_ADDRESS = "您好"
#: What an empty ``{title}`` becomes in the question "请问是{title}吗": "请问是机主本人吗".
UNKNOWN_TITLE_QUESTION = "机主本人"
#: What an empty ``{title}`` becomes inside a sentence: "感谢{title}的支持" → "感谢您的支持".
UNKNOWN_TITLE_PRONOUN = "您"

# A variable is a name in braces; an optional comma just before it is taken along so that an
# empty title can drop it. Anything else with braces is text and stays as written.
_VARIABLE = re.compile(r"(?P<comma>[,,][ \t\u3000]*)?\{(?P<name>\w+)\}")
_SENTENCE_END = frozenset("。!?!?;;…\n")
_PAUSE = frozenset(",,!!")
_COMMA = frozenset(",,")


def _unknown_title(head: str, comma: str, tail: str) -> str:
    """What ``{title}`` and the comma before it (``comma``, maybe "") become when the title is
    empty. ``head`` is the text before them, ``tail`` the text after."""
    before = head.rstrip()
    if tail.startswith(("您好", "你好")):
        return comma  # "{title}您好" → "您好"
    if not comma and before.endswith("是") and tail.startswith("吗"):
        return UNKNOWN_TITLE_QUESTION  # "请问是{title}吗" → "请问是机主本人吗"
    if not comma and (not before or before[-1] in _SENTENCE_END) and tail[:1] in _PAUSE:
        return UNKNOWN_TITLE_ADDRESS  # "{title},让您久等了" → "您好,让您久等了"
    if comma and (not tail or tail[0] in _COMMA or tail[0] in _SENTENCE_END):
        return ""  # "早上好,{title},请问" → "早上好,请问"; "再见,{title}。" → "再见。"
    return comma + UNKNOWN_TITLE_PRONOUN  # "感谢{title}的支持" → "感谢您的支持"


def render(
    text: str,
    *,
    moment: dt.datetime,
    title: str = "",
    agent_no: str = "",
    company: str = "",
    hotline: str = "",
    festivals: Sequence[Festival] = FESTIVALS,
    **extra: str,
) -> str:
    """A script's text with its variables filled in, for a call at ``moment`` (local time).

    Variables are ``{greeting}`` (see :func:`greeting`), ``{title}``, ``{agent_no}``,
    ``{company}``, ``{hotline}`` and any name passed as an extra keyword (an extra
    ``greeting`` replaces the computed one). A center edits its scripts by hand, so this never
    raises: an unknown ``{foo}``, a lone brace or ``{}`` stays in the text as written, and a
    value is inserted as it is, never read again for variables.

    When the customer is unknown (``title`` empty), the address is left out politely rather
    than leaving a bare comma or "是吗":

    1. before "您好" it disappears: "{title}您好" → "您好";
    2. in "是{title}吗" it becomes "机主本人": "请问是机主本人吗";
    3. at the start of a sentence and followed by a comma it becomes "您好":
       "{title},让您久等了" → "您好,让您久等了";
    4. after a comma, alone up to the next comma or the sentence end, it goes with that comma:
       "{greeting},{title},请问…" → "早上好,请问…";
    5. anywhere else it becomes "您": "感谢{title}的支持" → "感谢您的支持".
    """
    title = title.strip()
    values: dict[str, str] = {
        "greeting": "",
        "title": title,
        "agent_no": agent_no,
        "company": company,
        "hotline": hotline,
        **{name: str(value) for name, value in extra.items()},
    }
    if "greeting" not in extra and "{greeting}" in text:
        values["greeting"] = greeting(moment, festivals)

    def fill(match: re.Match[str]) -> str:
        name, comma = match["name"], match["comma"] or ""
        if name not in values:
            return match[0]
        if name == "title" and not title:
            return _unknown_title(text[: match.start()], comma, text[match.end() :])
        return comma + values[name]

    return _VARIABLE.sub(fill, text)


# --- Customers -------------------------------------------------------------------------------

MALE_TITLE = "先生"
FEMALE_TITLE = "女士"

#: How the archive may spell a gender, compared after strip() and lower(): the choice values
#: "male"/"female", their initials, the Chinese words, and the national standard's codes
#: (GB/T 2261.1: 1 male, 2 female; 0 unknown and 9 unstated give no title).
MALE_CODES = frozenset({"male", "m", "1", "男", "先生"})
FEMALE_CODES = frozenset({"female", "f", "2", "女", "女士"})

#: Two-character surnames (复姓), simplified and traditional: "欧阳娜娜" is Ms. 欧阳, not 欧.
_COMPOUND_SURNAMES_TEXT = (
    "欧阳 司马 诸葛 上官 东方 皇甫 尉迟 公孙 慕容 令狐 夏侯 长孙 宇文 司徒 西门 独孤 南宫 "
    "司空 端木 轩辕 呼延 澹台 公冶 太史 申屠 钟离 闻人 万俟 鲜于 闾丘 濮阳 淳于 东郭 百里 "
    "拓跋 赫连 左丘 歐陽 司馬 諸葛 東方 尉遲 公孫 長孫 西門 獨孤 南宮 軒轅 鍾離 聞人 鮮于 "
    "閭丘"
)
COMPOUND_SURNAMES = frozenset(_COMPOUND_SURNAMES_TEXT.split())

# A Chinese personal name: one to four Han characters (a surname alone, up to a compound
# surname and a two-character given name).
_CHINESE_NAME = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\U00020000-\U0003134f]{1,4}")
_SPACES = re.compile(r"\s+")


def customer_title(name: str, gender: str) -> str:
    """How an agent addresses a customer from the archive: surname + 先生 or 女士.

    "张伟", male → "张先生"; "欧阳娜娜", female → "欧阳女士" (compound surnames from
    :data:`COMPOUND_SURNAMES`). A name already kept as a title ("王先生") is used as it is.
    Empty when the name is empty, the gender is unknown, or the name is not a Chinese personal
    name of one to four Han characters: "John Smith", "阿依古丽·买买提" or a company name have
    no surname this rule can find, and the scripts then address the customer as "您好"/"您".
    """
    name = _SPACES.sub("", name)
    if name.endswith((MALE_TITLE, FEMALE_TITLE)) and _CHINESE_NAME.fullmatch(name[:-2]):
        return name
    code = gender.strip().lower()
    if code in MALE_CODES:
        suffix = MALE_TITLE
    elif code in FEMALE_CODES:
        suffix = FEMALE_TITLE
    else:
        return ""
    if not _CHINESE_NAME.fullmatch(name):
        return ""
    surname = name[:2] if name[:2] in COMPOUND_SURNAMES else name[:1]
    return surname + suffix
