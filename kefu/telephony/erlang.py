"""Erlang C staffing for one slot of the inbound phone queue.

How many agents must be on the phones during a slot (30 minutes by default) so that a share of
the calls (the service level, e.g. 80 %) is answered within a target time (e.g. 20 seconds),
without keeping agents busier than a maximum occupancy (e.g. 85 %) — and how many to schedule
once shrinkage (breaks, training, meetings, absence; e.g. 30 %) is allowed for.

The queueing arithmetic is pyworkforce's ``ErlangC`` (waiting probability, service level and
occupancy for a number of seats); this module validates the input, chooses the seats and
applies shrinkage.

What Erlang C assumes (the M/M/n queue):
- calls arrive at random (a Poisson process) at a steady rate through the slot, and each slot
  is taken on its own, in steady state (no queue carried over from the slot before);
- handling times (talk plus wrap-up) are exponentially distributed around the AHT;
- one first-come-first-served queue, served by identical agents;
- nobody hangs up while waiting, nobody is refused, and nobody calls again.
Real callers abandon, which shortens the queue for those who stay, so the figures here are
conservative: the service level reached is usually better and the seats are on the safe side.

Units: ``calls`` is the number of calls offered in the slot; ``aht_seconds`` and
``target_seconds`` are seconds; ``slot_minutes`` is minutes. pyworkforce only needs its times
in one unit, so it is given seconds throughout (``interval = slot_minutes * 60``). Traffic is
in Erlangs (calls x AHT / slot length: the average number of calls in progress). Service level,
occupancy, shrinkage and waiting probability are fractions between 0 and 1.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from pyworkforce.queuing import ErlangC

# Room for floating-point noise when a ratio should land exactly on a whole number or on a
# target: 21 / (1 - 0.3) is 30.000000000000004, which must schedule 30 agents, not 31.
_EPSILON = 1e-9
# The center's defaults: no agent busier than 85 % of a slot, 30 % of paid time off the phones.
MAX_OCCUPANCY = 0.85
SHRINKAGE = 0.3


@dataclass(frozen=True)
class Staffing:
    """The staffing of one slot, with what the seats on the phones achieve."""

    calls: float  # calls offered in the slot
    aht_seconds: float
    traffic_erlangs: float  # calls * aht / slot length
    seats: int  # agents needed on the phones (raw positions, before shrinkage)
    scheduled: int  # agents to schedule after shrinkage (ceil(seats / (1 - shrinkage)))
    service_level: float  # achieved fraction answered within target with `seats`
    occupancy: float  # achieved occupancy with `seats`
    waiting_probability: float  # probability that a call waits at all, with `seats`
    asa_seconds: float  # average speed of answer with `seats`


def required_seats(
    calls: float,
    *,
    aht_seconds: float,
    slot_minutes: int = 30,
    service_level: float = 0.8,
    target_seconds: float = 20,
    max_occupancy: float = MAX_OCCUPANCY,
    shrinkage: float = SHRINKAGE,
) -> Staffing:
    """The fewest seats that answer ``service_level`` of ``calls`` within ``target_seconds``
    while no agent is busier than ``max_occupancy``, and the agents to schedule for them.

    With no calls nothing is needed: 0 seats, service level 1, occupancy 0. Raises ValueError
    (English text, for the caller to translate) for negative or non-finite calls, AHT, slot or
    target time not above 0, service level or maximum occupancy outside (0, 1], shrinkage
    outside [0, 1). A service level of 1 is met once the shortfall is below one in a billion.
    """
    _check_slot(
        calls, aht_seconds=aht_seconds, slot_minutes=slot_minutes, target_seconds=target_seconds
    )
    _require(0 < service_level <= 1, "service_level must be above 0 and at most 1", service_level)
    _require(0 < max_occupancy <= 1, "max_occupancy must be above 0 and at most 1", max_occupancy)
    _require(0 <= shrinkage < 1, "shrinkage must be at least 0 and below 1", shrinkage)
    if calls == 0:
        return Staffing(
            calls=0.0,
            aht_seconds=aht_seconds,
            traffic_erlangs=0.0,
            seats=0,
            scheduled=0,
            service_level=1.0,
            occupancy=0.0,
            waiting_probability=0.0,
            asa_seconds=0.0,
        )
    erlang = _erlang(
        calls, aht_seconds=aht_seconds, slot_minutes=slot_minutes, target_seconds=target_seconds
    )
    traffic = float(erlang.intensity)
    # The search is done here rather than by ErlangC.required_positions, which starts from
    # round(traffic + 1) — one seat too many when the fewest seats that keep the queue finite
    # already meet the targets and the traffic's fraction is .5 or more — and compares the
    # occupancy and applies shrinkage without room for floating-point noise.
    seats = max(
        math.floor(traffic + _EPSILON) + 1,  # more seats than traffic, or the queue never ends
        _ceil(traffic / max_occupancy),
    )
    # The service level rises with every seat added, towards 1.
    while float(erlang.service_level(seats)) < service_level - _EPSILON:
        seats += 1
    waiting = float(erlang.waiting_probability(seats))
    return Staffing(
        calls=float(calls),
        aht_seconds=aht_seconds,
        traffic_erlangs=traffic,
        seats=seats,
        scheduled=_ceil(seats / (1 - shrinkage)),
        service_level=float(erlang.service_level(seats)),
        occupancy=float(erlang.achieved_occupancy(seats)),
        waiting_probability=waiting,
        # A waiting call waits AHT / (seats - traffic) on average.
        asa_seconds=waiting * aht_seconds / (seats - traffic),
    )


def achieved(
    calls: float,
    seats: int,
    *,
    aht_seconds: float,
    slot_minutes: int = 30,
    target_seconds: float = 20,
) -> tuple[float, float]:
    """(service level, occupancy) that ``seats`` agents on the phones reach for ``calls``.

    No calls: (1.0, 0.0). Calls but no more seats than the traffic (0 seats included): the
    queue grows without end — (0.0, 1.0). Raises ValueError as ``required_seats`` does, and for
    negative seats.
    """
    _check_slot(
        calls, aht_seconds=aht_seconds, slot_minutes=slot_minutes, target_seconds=target_seconds
    )
    _require(seats >= 0, "seats must be 0 or more", seats)
    if calls == 0:
        return 1.0, 0.0
    erlang = _erlang(
        calls, aht_seconds=aht_seconds, slot_minutes=slot_minutes, target_seconds=target_seconds
    )
    if seats <= float(erlang.intensity) + _EPSILON:
        return 0.0, 1.0
    return float(erlang.service_level(seats)), float(erlang.achieved_occupancy(seats))


def _erlang(
    calls: float, *, aht_seconds: float, slot_minutes: int, target_seconds: float
) -> ErlangC:
    # pyworkforce calls the target answer time "asa"; all its times are in seconds here.
    return ErlangC(
        transactions=calls, aht=aht_seconds, asa=target_seconds, interval=slot_minutes * 60
    )


def _check_slot(
    calls: float, *, aht_seconds: float, slot_minutes: int, target_seconds: float
) -> None:
    _require(0 <= calls < math.inf, "calls must be a finite number, 0 or more", calls)
    _require(0 < aht_seconds < math.inf, "aht_seconds must be a finite number above 0", aht_seconds)
    _require(
        0 < slot_minutes < math.inf, "slot_minutes must be a finite number above 0", slot_minutes
    )
    _require(
        0 < target_seconds < math.inf,
        "target_seconds must be a finite number above 0",
        target_seconds,
    )


def _require(condition: bool, message: str, value: object) -> None:
    # Written as `0 < x <= 1` and the like, a NaN fails every condition too.
    if not condition:
        raise ValueError(f"{message} (got {value!r})")


def _ceil(value: float) -> int:
    return math.ceil(value - _EPSILON)
