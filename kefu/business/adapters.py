"""One interface to the business systems, two implementations.

``LocalAdapter`` reads the store in this database (filled by Excel import);
``HttpAdapter`` asks a center's own system over HTTP/JSON, as a ``Connector`` row in the admin
configures it. Both answer an ``Outcome``: the data, or why there is none, as a value
(not found, unavailable, slow) — a business system that fails never fails the workbench.

Each connector has a circuit breaker (kefu.business.breaker): after ``fail_max`` failures or
timeouts in a minute it opens and every lookup answers "unavailable" at once for
``reset_seconds``; then one lookup is let through (half-open) and its result closes or reopens
it.
"""

from __future__ import annotations

import concurrent.futures
import datetime as dt
import time
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from enum import StrEnum
from typing import Any, Generic, Protocol, TypeVar
from urllib.parse import quote

import httpx
from django.utils import timezone
from django.utils.dateparse import parse_date, parse_datetime

from kefu.business.breaker import Breaker
from kefu.business.breaker import store as breaker_store
from kefu.business.models import Account, Connector, Shipment, ShipmentEvent
from kefu.core import refcache

T = TypeVar("T")

RECENT_BILLS = 6  # a half year of monthly bills
RECENT_SHIPMENTS = 5
RECENT_EVENTS = 10


class State(StrEnum):
    OK = "ok"
    NOT_FOUND = "not_found"
    UNAVAILABLE = "unavailable"
    SLOW = "slow"


@dataclass(frozen=True)
class BillInfo:
    period: str
    usage: Decimal
    amount: Decimal
    paid: bool


@dataclass(frozen=True)
class AccountInfo:
    account_no: str
    owner: str
    address: str
    phone: str
    balance: Decimal
    arrears: Decimal
    bills: list[BillInfo] = field(default_factory=list)


@dataclass(frozen=True)
class TrackEvent:
    at: dt.datetime | None
    place: str
    description: str


@dataclass(frozen=True)
class ShipmentInfo:
    waybill: str
    status: str
    origin: str
    destination: str
    phone: str
    events: list[TrackEvent] = field(default_factory=list)


@dataclass(frozen=True)
class Outcome(Generic[T]):
    """What one lookup found: ``data`` when ``state`` is OK, else None and the reason."""

    state: State
    data: T | None = None
    source: str = ""
    elapsed_ms: int = 0

    @property
    def ok(self) -> bool:
        return self.state == State.OK


class BusinessAdapter(Protocol):
    """A business system. Each method answers an Outcome and never raises for the system's
    own failures."""

    name: str

    def account(
        self, account_no: str, *, deadline: float | None = None
    ) -> Outcome[AccountInfo]: ...

    def shipments(
        self, *, waybill: str = "", phone: str = "", deadline: float | None = None
    ) -> Outcome[list[ShipmentInfo]]: ...


# ----------------------------------------------------------------------------- local store


class LocalAdapter:
    """The local store: two indexed queries for an account with its bills, two for shipments."""

    name = "local"

    def account(self, account_no: str, *, deadline: float | None = None) -> Outcome[AccountInfo]:
        start = time.perf_counter()
        row = Account.objects.filter(account_no=account_no).first() if account_no else None
        if row is None:
            return Outcome(State.NOT_FOUND, source=self.name, elapsed_ms=_since(start))
        bills = [
            BillInfo(b.period, b.usage, b.amount, b.paid)
            for b in row.bills.order_by("-period")[:RECENT_BILLS]
        ]
        info = AccountInfo(
            row.account_no, row.owner, row.address, row.phone, row.balance, row.arrears, bills
        )
        return Outcome(State.OK, info, source=self.name, elapsed_ms=_since(start))

    def shipments(
        self, *, waybill: str = "", phone: str = "", deadline: float | None = None
    ) -> Outcome[list[ShipmentInfo]]:
        start = time.perf_counter()
        if waybill:
            rows = list(Shipment.objects.filter(waybill=waybill)[:1])
        elif phone:
            rows = list(Shipment.objects.filter(phone=phone)[:RECENT_SHIPMENTS])
        else:
            rows = []
        if not rows:
            return Outcome(State.NOT_FOUND, source=self.name, elapsed_ms=_since(start))
        events: dict[int, list[TrackEvent]] = {s.pk: [] for s in rows}
        for e in ShipmentEvent.objects.filter(shipment__in=rows).order_by("-at", "-id"):
            if len(events[e.shipment_id]) < RECENT_EVENTS:
                events[e.shipment_id].append(TrackEvent(e.at, e.place, e.description))
        found = [
            ShipmentInfo(s.waybill, s.status, s.origin, s.destination, s.phone, events[s.pk])
            for s in rows
        ]
        return Outcome(State.OK, found, source=self.name, elapsed_ms=_since(start))


def _since(start: float) -> int:
    return int((time.perf_counter() - start) * 1000)


# ----------------------------------------------------------------------------- HTTP/JSON


class MappingError(Exception):
    """The system answered, but not with what its field mapping says (counts as a failure)."""


ACCOUNT_FIELDS = ("account_no", "owner", "address", "phone", "balance", "arrears", "bills")
BILL_FIELDS = ("period", "usage", "amount", "paid")
SHIPMENT_FIELDS = ("waybill", "status", "origin", "destination", "phone", "events")
EVENT_FIELDS = ("at", "place", "description")
# What the field mapping may name: ours → their dotted JSON path. "items" is where a list of
# shipments is (absent: the answer is one shipment); "bills.amount" is relative to one bill.
MAPPABLE = (
    {"items"}
    | set(ACCOUNT_FIELDS)
    | {f"bills.{f}" for f in BILL_FIELDS}
    | set(SHIPMENT_FIELDS)
    | {f"events.{f}" for f in EVENT_FIELDS}
)
_MISSING = object()


def get_path(data: Any, path: str) -> Any:
    """``data`` at a dotted path (``data.bills.0.amount``); _MISSING when it is not there."""
    for part in path.split(".") if path else []:
        if isinstance(data, dict) and part in data:
            data = data[part]
        elif (
            isinstance(data, list)
            and part.lstrip("-").isdigit()
            and -len(data) <= int(part) < len(data)
        ):
            data = data[int(part)]
        else:
            return _MISSING
    return data


class Mapper:
    """Reads our fields out of their JSON by the connector's field mapping (identity for a
    field it does not name)."""

    def __init__(self, field_map: dict[str, str]) -> None:
        self.map = field_map

    def _get(self, data: Any, name: str, *, required: bool = False) -> Any:
        value = get_path(data, self.map.get(name, name.rsplit(".", 1)[-1]))
        if value is _MISSING or value is None:
            if required:
                raise MappingError(f"missing {name}")
            return None
        return value

    def _text(self, data: Any, name: str, *, required: bool = False) -> str:
        value = self._get(data, name, required=required)
        return "" if value is None else str(value).strip()

    def _money(self, data: Any, name: str) -> Decimal:
        value = self._get(data, name)
        try:
            return Decimal(str(value)) if value not in (None, "") else Decimal(0)
        except InvalidOperation:
            raise MappingError(f"{name} is not a number: {value!r}")

    def _list(self, data: Any, name: str) -> list:
        value = self._get(data, name)
        if value is None:
            return []
        if not isinstance(value, list):
            raise MappingError(f"{name} is not a list")
        return value

    def account(self, data: Any) -> AccountInfo:
        bills = [
            BillInfo(
                self._text(b, "bills.period", required=True),
                self._money(b, "bills.usage"),
                self._money(b, "bills.amount"),
                to_bool(self._get(b, "bills.paid")),
            )
            for b in self._list(data, "bills")
        ]
        bills.sort(key=lambda b: b.period, reverse=True)
        return AccountInfo(
            self._text(data, "account_no", required=True),
            self._text(data, "owner"),
            self._text(data, "address"),
            self._text(data, "phone"),
            self._money(data, "balance"),
            self._money(data, "arrears"),
            bills[:RECENT_BILLS],
        )

    def shipments(self, data: Any) -> list[ShipmentInfo]:
        items = self._list(data, "items") if "items" in self.map else [data]
        found = []
        for item in items[:RECENT_SHIPMENTS]:
            events = [
                TrackEvent(
                    to_datetime(self._get(e, "events.at")),
                    self._text(e, "events.place"),
                    self._text(e, "events.description"),
                )
                for e in self._list(item, "events")
            ]
            events.sort(key=lambda e: e.at or _EPOCH, reverse=True)
            found.append(
                ShipmentInfo(
                    self._text(item, "waybill", required=True),
                    self._text(item, "status"),
                    self._text(item, "origin"),
                    self._text(item, "destination"),
                    self._text(item, "phone"),
                    events[:RECENT_EVENTS],
                )
            )
        return found


_EPOCH = dt.datetime(1970, 1, 1, tzinfo=dt.UTC)
TRUE_WORDS = {"1", "true", "yes", "y", "是", "已缴", "已付", "paid"}


def to_bool(value: Any) -> bool:
    if isinstance(value, bool):
        return value
    return str(value).strip().lower() in TRUE_WORDS if value is not None else False


def to_datetime(value: Any) -> dt.datetime | None:
    """An ISO date-time (naive ones in the center's time zone), a date, or a Unix time."""
    if value in (None, ""):
        return None
    if isinstance(value, int | float) and not isinstance(value, bool):
        try:
            return dt.datetime.fromtimestamp(value, tz=dt.UTC)
        except (OverflowError, OSError, ValueError):  # 1e20, Infinity, NaN from their JSON
            raise MappingError(f"not a time: {value!r}") from None
    text = str(value).strip().replace("/", "-")
    try:
        moment = parse_datetime(text)
        if moment is None:
            day = parse_date(text)
            moment = dt.datetime.combine(day, dt.time()) if day else None
    except ValueError:
        moment = None
    if moment is None:
        raise MappingError(f"not a time: {value!r}")
    return timezone.make_aware(moment) if timezone.is_naive(moment) else moment


_pool = concurrent.futures.ThreadPoolExecutor(max_workers=32, thread_name_prefix="kefu-business")
# One client for every connector and thread: connections to a business system are kept
# open between lookups (no new TCP and TLS handshake for each pop).
_http = httpx.Client(limits=httpx.Limits(max_connections=64, max_keepalive_connections=16))


def breaker_for(connector: Connector) -> Breaker:
    """The connector's circuit breaker (kefu.business.breaker), with its thresholds as set."""
    return Breaker(
        f"{connector.pk}",
        fail_max=connector.fail_max,
        reset_seconds=connector.reset_seconds,
        trial_seconds=connector.timeout_ms / 1000 + 1,
    )


def reset_breakers() -> None:
    """Forget every breaker's state (tests)."""
    breaker_store().clear()


class HttpAdapter:
    """A Connector's system over HTTP/JSON: GET the URL template filled in, with the auth
    header, within ``timeout_ms`` in all (the workbench waits no longer, whatever the server
    does), through the connector's circuit breaker. 404 means not found; any other non-2xx,
    a network error, a timeout or JSON that does not fit the mapping is a failure."""

    def __init__(self, connector: Connector) -> None:
        self.connector = connector
        self.name = connector.name
        self.mapper = Mapper(connector.field_map or {})

    def account(self, account_no: str, *, deadline: float | None = None) -> Outcome[AccountInfo]:
        if not account_no:
            return Outcome(State.NOT_FOUND, source=self.name)
        return self._call({"account_no": account_no}, self.mapper.account, deadline)

    def shipments(
        self, *, waybill: str = "", phone: str = "", deadline: float | None = None
    ) -> Outcome[list[ShipmentInfo]]:
        if not (waybill or phone):
            return Outcome(State.NOT_FOUND, source=self.name)
        values = {"waybill": waybill, "phone": phone}
        outcome = self._call(values, self.mapper.shipments, deadline)
        if outcome.ok and not outcome.data:
            return Outcome(State.NOT_FOUND, source=self.name, elapsed_ms=outcome.elapsed_ms)
        return outcome

    def url(self, values: dict[str, str]) -> str:
        url = self.connector.url_template
        for key in ("account_no", "waybill", "phone"):
            url = url.replace("{" + key + "}", quote(values.get(key, ""), safe=""))
        return url

    def _fetch(self, url: str, parse: Any) -> Any:
        headers = {"Accept": "application/json"}
        if self.connector.auth_header:
            headers[self.connector.auth_header] = self.connector.auth_value
        seconds = self.connector.timeout_ms / 1000
        response = _http.get(url, headers=headers, timeout=httpx.Timeout(seconds))
        if response.status_code == 404:
            return None  # an answer, not a failure: the breaker counts it as a success
        response.raise_for_status()
        try:
            data = response.json()
        except ValueError as exc:
            raise MappingError("not JSON") from exc
        return parse(data)

    def _guarded(self, url: str, parse: Any) -> Any:
        """The fetch, its failure or success told to the breaker (in the request's thread:
        a timeout the workbench stopped waiting for still counts)."""
        breaker = breaker_for(self.connector)
        try:
            found = self._fetch(url, parse)
        except Exception:
            breaker.failure()
            raise
        breaker.success()
        return found

    def _call(self, values: dict[str, str], parse: Any, deadline: float | None) -> Outcome:
        """Wait for the answer until the connector's timeout or ``deadline`` (a
        time.monotonic() value: several lookups of one pop share one budget), whichever
        comes first."""
        start = time.perf_counter()
        budget = self.connector.timeout_ms / 1000
        if deadline is not None:
            budget = min(budget, deadline - time.monotonic())
        if budget <= 0:
            return Outcome(State.SLOW, source=self.name)
        if not breaker_for(self.connector).allow():
            return Outcome(State.UNAVAILABLE, source=self.name)  # open: asks nothing
        future = _pool.submit(self._guarded, self.url(values), parse)
        try:
            data = future.result(timeout=budget)
        except concurrent.futures.TimeoutError:
            # The request goes on in its thread until httpx's own timeout ends it; that failure
            # is counted there. The workbench has waited the budget and no longer.
            return Outcome(State.SLOW, source=self.name, elapsed_ms=_since(start))
        except httpx.TimeoutException:
            return Outcome(State.SLOW, source=self.name, elapsed_ms=_since(start))
        except (httpx.HTTPError, MappingError, ValueError):
            return Outcome(State.UNAVAILABLE, source=self.name, elapsed_ms=_since(start))
        if data is None:
            return Outcome(State.NOT_FOUND, source=self.name, elapsed_ms=_since(start))
        return Outcome(State.OK, data, source=self.name, elapsed_ms=_since(start))


def adapter_for(kind: str) -> BusinessAdapter:
    """The first enabled connector of ``kind``, else the local store (the connectors are kept
    per process: kefu.core.refcache, watched in BusinessConfig.ready)."""
    connector = refcache.get(
        ("business-connector", kind),
        lambda: Connector.objects.filter(kind=kind, enabled=True).order_by("id").first(),
        keep_none=True,
    )
    return HttpAdapter(connector) if connector is not None else LocalAdapter()
