"""The OpenAPI schema names each enum once: two choices sharing a class name (a ticket's and a
work order's Status) must not overwrite each other's values in the published schema."""

from __future__ import annotations

import enum
import typing

from django.test import Client
from ninja import Schema

import kefu.api  # noqa: F401 - every router, and so every schema, loaded


def _subclasses(cls):
    for sub in cls.__subclasses__():
        yield sub
        yield from _subclasses(sub)


def _enums(annotation, seen: set, found: dict) -> None:
    if isinstance(annotation, type) and issubclass(annotation, enum.Enum):
        found.setdefault(annotation.__name__, set()).add(annotation)
    elif isinstance(annotation, type) and issubclass(annotation, Schema):
        if annotation not in seen:
            seen.add(annotation)
            for field in annotation.model_fields.values():
                _enums(field.annotation, seen, found)
    else:
        for argument in typing.get_args(annotation):
            _enums(argument, seen, found)


def test_every_enum_the_api_uses_has_its_own_name_and_its_own_values(db):
    found: dict[str, set] = {}
    seen: set = set()
    for schema in _subclasses(Schema):
        if schema.__module__.startswith("kefu."):
            _enums(schema, seen, found)
    shared = {name: sorted(c.__qualname__ for c in classes) for name, classes in found.items()}
    assert {n: q for n, q in shared.items() if len(q) > 1} == {}
    components = Client().get("/api/v1/openapi.json").json()["components"]["schemas"]
    for name, (choices,) in ((n, tuple(c)) for n, c in found.items()):
        if name in components:
            assert components[name]["enum"] == [m.value for m in choices], name
    assert {"TicketStatus", "WorkOrderStatus"} <= set(components)
