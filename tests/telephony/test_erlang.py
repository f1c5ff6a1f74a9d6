"""Erlang C staffing of a slot (kefu.telephony.erlang): published worked examples, no calls,
monotonicity, the occupancy cap deciding, shrinkage rounding and refused input."""

from __future__ import annotations

import math

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pyworkforce.queuing import ErlangC

from kefu.telephony.erlang import Staffing, achieved, required_seats

# Published figures are printed to 7 significant digits (R's default) or 3 decimals.
R_PRINT = 5e-8
THREE_DECIMALS = 5e-4


# --- Published worked examples -------------------------------------------------------------

# Call Centre Helper, "Erlang C Formula – Made Simple With an Easy Worked Example",
# https://www.callcentrehelper.com/erlang-c-formula-example-121281.htm — 100 calls in 30 minutes,
# AHT 180 s, 80 % answered within 20 s, maximum occupancy 85 %, shrinkage 30 %: 10 Erlangs,
# starting from 11 agents and adding one at a time. The agent-by-agent table of that example as
# printed by the R package ErlangC 0.1.0 (README, calculate_agents(); an independent
# implementation): https://stat.ethz.ch/CRAN/web/packages/ErlangC/readme/README.html
#   agents  P(wait)    service level  ASA                 occupancy
#   11      0.6821182  0.3896138      122.78127684408 s   0.9090909
#   12      0.4493882  0.640158       40.4449401868444 s  0.8333333
#   13      0.2852705  0.7955948      17.1162271821896 s  0.7692308
#   14      0.1741319  0.88835        7.83593701177724 s  0.7142857
# → 14 agents, 20 after shrinkage ($agents_shrinked). pyworkforce's own tutorial publishes the
# same answer: raw_positions 14, positions 20, service level 0.888, occupancy 0.714, waiting
# probability 0.174 (https://pyworkforce.readthedocs.io/en/stable/tutorials/erlangc_example.html).
CCH_TABLE = [
    (11, 0.6821182, 0.3896138, 122.78127684408, 0.9090909),
    (12, 0.4493882, 0.640158, 40.4449401868444, 0.8333333),
    (13, 0.2852705, 0.7955948, 17.1162271821896, 0.7692308),
    (14, 0.1741319, 0.88835, 7.83593701177724, 0.7142857),
]


def test_call_centre_helper_example_needs_14_agents_and_20_scheduled():
    staffing = required_seats(100, aht_seconds=180)

    assert staffing.traffic_erlangs == 10.0
    assert (staffing.seats, staffing.scheduled) == (14, 20)
    assert staffing.waiting_probability == pytest.approx(0.1741319, abs=R_PRINT)
    assert staffing.service_level == pytest.approx(0.88835, abs=R_PRINT)
    assert staffing.asa_seconds == pytest.approx(7.83593701177724, rel=1e-12)
    assert staffing.occupancy == pytest.approx(0.7142857, abs=R_PRINT)


@pytest.mark.parametrize(("seats", "waiting", "service_level", "asa", "occupancy"), CCH_TABLE)
def test_call_centre_helper_table_agent_by_agent(seats, waiting, service_level, asa, occupancy):
    assert achieved(100, seats, aht_seconds=180) == (
        pytest.approx(service_level, abs=R_PRINT),
        pytest.approx(occupancy, abs=R_PRINT),
    )
    # A service-level target just under the row's own makes that row the answer, with its
    # waiting probability and ASA (the 95 % cap lets 11 agents at 90.9 % occupancy through).
    staffing = required_seats(
        100, aht_seconds=180, service_level=service_level - 0.01, max_occupancy=0.95
    )
    assert staffing.seats == seats
    assert staffing.waiting_probability == pytest.approx(waiting, abs=R_PRINT)
    assert staffing.asa_seconds == pytest.approx(asa, rel=1e-12)


# Patrick Hubers, "Erlang: Queuing and Staffing Functions for Contact Centers" (R package
# vignette), https://rdrr.io/github/phubers/erlang/f/vignettes/vignette.Rmd — 200 calls per half
# hour at 3 minutes is a workload of 20 Erlangs; for 80 % answered within 60 s "we need 23 agents
# to hit our service level target", an occupancy of "20/23 or 87%". No occupancy cap there.
def test_hubers_vignette_needs_23_agents_at_87_percent_occupancy():
    staffing = required_seats(
        200, aht_seconds=180, target_seconds=60, max_occupancy=1.0, shrinkage=0.0
    )

    assert staffing.traffic_erlangs == 20.0
    assert (staffing.seats, staffing.scheduled) == (23, 23)
    assert staffing.occupancy == pytest.approx(20 / 23)
    assert round(staffing.occupancy * 100) == 87
    assert achieved(200, 22, aht_seconds=180, target_seconds=60)[0] < 0.8


# RubyGems erlang_c_calculator 0.1.1 (built on Ger Koole's "Call Center Mathematics"), README,
# https://rubygems.org/gems/erlang_c_calculator — ErlangC::Calculator.new(0.01, 300, 20): 0.01
# calls a second (18 per 30 minutes), 300 s each: traffic_intensity 3.0, agents_needed 6, the
# fewest agents whose average wait is below 20 s.
def test_koole_based_example_needs_6_agents_for_an_average_wait_under_20_seconds():
    six = required_seats(18, aht_seconds=300)
    five = required_seats(18, aht_seconds=300, service_level=0.75)

    assert six.traffic_erlangs == 3.0
    assert (six.seats, five.seats) == (6, 5)
    assert six.asa_seconds < 20 <= five.asa_seconds


# pyworkforce's own test suite (rodrigo-arenas/pyworkforce, pyworkforce/queuing/tests/
# test_erlang.py, test_over_occupancy_erlangc): the Call Centre Helper slot with a target of
# 0.33 minutes (19.8 s) and at most 70 % occupancy needs 15 raw positions — 14 would meet the
# service level — and 22 after 30 % shrinkage; service level 0.941, occupancy 0.667, waiting
# probability 0.102.
def test_occupancy_cap_decides_in_pyworkforce_published_case():
    staffing = required_seats(100, aht_seconds=180, target_seconds=19.8, max_occupancy=0.7)

    assert (staffing.seats, staffing.scheduled) == (15, 22)
    assert staffing.service_level == pytest.approx(0.941, abs=THREE_DECIMALS)
    assert staffing.occupancy == pytest.approx(0.667, abs=THREE_DECIMALS)
    assert staffing.waiting_probability == pytest.approx(0.102, abs=THREE_DECIMALS)
    assert achieved(100, 14, aht_seconds=180, target_seconds=19.8)[0] >= 0.8


# --- The occupancy cap, the seat search and shrinkage ---------------------------------------


def test_occupancy_cap_decides_at_the_default_targets():
    # 247 calls at 180 s are 24.7 Erlangs: 29 agents answer 80 % within 20 s, but at 85.2 %
    # occupancy; the 85 % cap asks for ceil(24.7 / 0.85) = 30.
    service_level, occupancy = achieved(247, 29, aht_seconds=180)
    assert service_level >= 0.8
    assert occupancy > 0.85

    staffing = required_seats(247, aht_seconds=180)

    assert staffing.seats == 30
    assert staffing.occupancy == pytest.approx(24.7 / 30)


def test_an_exact_occupancy_cap_is_met_not_exceeded_by_one():
    # 85 calls at 180 s are 8.5 Erlangs; with the cap at 8.5 / 10 the 10 seats reach it exactly.
    staffing = required_seats(85, aht_seconds=180, service_level=0.01, max_occupancy=0.85)

    assert staffing.seats == 10
    assert staffing.occupancy == pytest.approx(0.85)


def test_the_fewest_seats_are_found_where_pyworkforce_starts_one_above():
    # 16 calls at 180 s are 1.6 Erlangs; for 80 % within 10 minutes 2 agents suffice (81.3 %,
    # occupancy 80 %). ErlangC.required_positions starts from round(1.6 + 1) = 3.
    staffing = required_seats(16, aht_seconds=180, target_seconds=600)

    assert staffing.seats == 2
    assert staffing.service_level == pytest.approx(0.8125531462288165)
    assert staffing.occupancy == pytest.approx(0.8)
    pyworkforce = ErlangC(transactions=16, aht=180, asa=600, interval=1800).required_positions(
        service_level=0.8, max_occupancy=0.85
    )
    assert pyworkforce["raw_positions"] == 3


@pytest.mark.parametrize(
    ("calls", "target_seconds", "max_occupancy"),
    [(100, 20, 0.85), (100, 19.8, 0.7), (200, 60, 1.0), (18, 20, 0.85), (247, 20, 0.85)],
)
def test_seats_agree_with_pyworkforce_on_the_published_cases(calls, target_seconds, max_occupancy):
    aht = 300 if calls == 18 else 180
    pyworkforce = ErlangC(
        transactions=calls, aht=aht, asa=target_seconds, interval=1800
    ).required_positions(service_level=0.8, max_occupancy=max_occupancy)

    staffing = required_seats(
        calls, aht_seconds=aht, target_seconds=target_seconds, max_occupancy=max_occupancy
    )

    assert staffing.seats == pyworkforce["raw_positions"]


@pytest.mark.parametrize(
    ("calls", "shrinkage", "seats", "scheduled"),
    [
        (100, 0.3, 14, 20),  # 14 / 0.7 = 20 exactly
        (164, 0.3, 21, 30),  # 21 / (1 - 0.3) is 30.000000000000004 in floating point
        (100, 0.35, 14, 22),  # 21.54 rounds up
        (100, 0.0, 14, 14),
    ],
)
def test_shrinkage_rounds_up_to_whole_agents_without_float_noise(
    calls, shrinkage, seats, scheduled
):
    staffing = required_seats(calls, aht_seconds=180, shrinkage=shrinkage)

    assert (staffing.seats, staffing.scheduled) == (seats, scheduled)


def test_pyworkforce_would_schedule_31_for_21_seats_at_30_percent_shrinkage():
    result = ErlangC(
        transactions=164, aht=180, asa=20, interval=1800, shrinkage=0.3
    ).required_positions(service_level=0.8, max_occupancy=0.85)

    assert (result["raw_positions"], result["positions"]) == (21, 31)
    assert required_seats(164, aht_seconds=180).scheduled == 30


# --- No calls, too few seats ----------------------------------------------------------------


def test_no_calls_need_no_one():
    assert required_seats(0, aht_seconds=180) == Staffing(
        calls=0.0,
        aht_seconds=180,
        traffic_erlangs=0.0,
        seats=0,
        scheduled=0,
        service_level=1.0,
        occupancy=0.0,
        waiting_probability=0.0,
        asa_seconds=0.0,
    )
    assert achieved(0, 0, aht_seconds=180) == (1.0, 0.0)
    assert achieved(0, 5, aht_seconds=180) == (1.0, 0.0)


@pytest.mark.parametrize("seats", [0, 9, 10])
def test_calls_with_no_more_seats_than_traffic_are_never_answered_in_time(seats):
    # 10 Erlangs: up to 10 seats the queue grows without end.
    assert achieved(100, seats, aht_seconds=180) == (0.0, 1.0)


def test_a_single_call_needs_one_seat():
    staffing = required_seats(1, aht_seconds=180)

    assert (staffing.seats, staffing.scheduled) == (1, 2)
    assert staffing.traffic_erlangs == pytest.approx(0.1)


# --- Monotonicity and the contract, over many slots ------------------------------------------

SLOTS = settings(max_examples=60, derandomize=True, database=None, deadline=None)


@SLOTS
@given(
    calls=st.integers(0, 600),
    more=st.integers(1, 120),
    aht=st.integers(20, 900),
    target=st.sampled_from([10, 20, 30, 60]),
)
def test_more_calls_never_need_fewer_seats(calls, more, aht, target):
    fewer = required_seats(calls, aht_seconds=aht, target_seconds=target)
    busier = required_seats(calls + more, aht_seconds=aht, target_seconds=target)

    assert busier.seats >= fewer.seats
    assert busier.scheduled >= fewer.scheduled


@SLOTS
@given(
    calls=st.integers(1, 600),
    aht=st.integers(20, 900),
    targets=st.lists(st.floats(0.05, 1.0), min_size=2, max_size=2).map(sorted),
)
def test_a_higher_service_level_never_needs_fewer_seats(calls, aht, targets):
    lower, higher = targets

    assert (
        required_seats(calls, aht_seconds=aht, service_level=higher).seats
        >= required_seats(calls, aht_seconds=aht, service_level=lower).seats
    )


@SLOTS
@given(
    calls=st.floats(0.5, 600),
    aht=st.floats(20, 900),
    target=st.floats(0.5, 0.99),
    cap=st.floats(0.6, 1.0),
    shrinkage=st.floats(0.0, 0.6),
)
def test_seats_are_the_fewest_that_meet_both_targets(calls, aht, target, cap, shrinkage):
    staffing = required_seats(
        calls, aht_seconds=aht, service_level=target, max_occupancy=cap, shrinkage=shrinkage
    )
    service_level, occupancy = achieved(calls, staffing.seats, aht_seconds=aht)
    fewer_level, fewer_occupancy = achieved(calls, staffing.seats - 1, aht_seconds=aht)

    assert (service_level, occupancy) == (staffing.service_level, staffing.occupancy)
    assert service_level >= target - 1e-9
    assert occupancy <= cap + 1e-9
    assert fewer_level < target or fewer_occupancy > cap
    assert staffing.scheduled == math.ceil(staffing.seats / (1 - shrinkage) - 1e-9)
    assert staffing.traffic_erlangs == pytest.approx(calls * aht / 1800)


# --- Refused input ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("calls", "options", "message"),
    [
        (-1, {}, "calls must be a finite number, 0 or more"),
        (math.nan, {}, "calls must be"),
        (math.inf, {}, "calls must be"),
        (100, {"aht_seconds": 0}, "aht_seconds must be a finite number above 0"),
        (100, {"aht_seconds": -30}, "aht_seconds must be"),
        (0, {"aht_seconds": 0}, "aht_seconds must be"),
        (100, {"slot_minutes": 0}, "slot_minutes must be a finite number above 0"),
        (100, {"target_seconds": 0}, "target_seconds must be a finite number above 0"),
        (100, {"service_level": 0}, "service_level must be above 0 and at most 1"),
        (100, {"service_level": 1.2}, "service_level must be"),
        (100, {"max_occupancy": 0}, "max_occupancy must be above 0 and at most 1"),
        (100, {"max_occupancy": 1.01}, "max_occupancy must be"),
        (100, {"shrinkage": 1}, "shrinkage must be at least 0 and below 1"),
        (100, {"shrinkage": -0.1}, "shrinkage must be"),
    ],
)
def test_invalid_input_is_refused_with_a_clear_message(calls, options, message):
    with pytest.raises(ValueError, match=message):
        required_seats(calls, **({"aht_seconds": 180} | options))


@pytest.mark.parametrize(
    ("calls", "seats", "options", "message"),
    [
        (100, -1, {}, "seats must be 0 or more"),
        (-5, 3, {}, "calls must be"),
        (100, 12, {"aht_seconds": 0}, "aht_seconds must be"),
        (100, 12, {"target_seconds": -1}, "target_seconds must be"),
    ],
)
def test_invalid_input_to_achieved_is_refused(calls, seats, options, message):
    with pytest.raises(ValueError, match=message):
        achieved(calls, seats, **({"aht_seconds": 180} | options))


def test_the_bounds_themselves_are_accepted():
    staffing = required_seats(
        100, aht_seconds=180, service_level=1.0, max_occupancy=1.0, shrinkage=0.0
    )

    assert staffing.service_level == pytest.approx(1.0, abs=1e-9)
    assert staffing.scheduled == staffing.seats
