"""Input declarations shared by the API and the pages: one pydantic (ninja) schema per
operation, its errors in the staff's language, and a page's form read through that schema."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Annotated, Any, ClassVar, TypeVar

import pydantic
from annotated_types import MaxLen
from django import forms
from django.utils.translation import gettext_lazy
from pydantic import AfterValidator, BeforeValidator
from pydantic_core import PydanticCustomError


def field_name(loc: Iterable[Any]) -> str:
    """The field of an error's ``loc``: without where ninja found it ("body", "query"...)
    and its schema parameter ("payload") in front, by position only — a field may itself be
    named "body" (a portal message's)."""
    parts = [str(p) for p in loc]
    if len(parts) > 1 and parts[0] in ("body", "query", "path", "form", "file"):
        parts = parts[1:]
    if parts[:1] == ["payload"]:
        parts = parts[1:]
    return ".".join(parts)


# Schema errors in the staff's language, by pydantic's error type; "%(x)s" take its context.
# An unlisted type keeps pydantic's own (English) message.
MESSAGES = {
    "missing": gettext_lazy("必填"),
    "string_type": gettext_lazy("应为文本"),
    "string_too_short": gettext_lazy("至少 %(min_length)s 个字符"),
    "string_too_long": gettext_lazy("最多 %(max_length)s 个字符"),
    "int_type": gettext_lazy("应为整数"),
    "int_parsing": gettext_lazy("应为整数"),
    "int_from_float": gettext_lazy("应为整数"),
    "bool_type": gettext_lazy("应为 true 或 false"),
    "bool_parsing": gettext_lazy("应为 true 或 false"),
    "datetime_type": gettext_lazy("时间格式无效,应如 2025-11-22T08:30:00+08:00"),
    "datetime_parsing": gettext_lazy("时间格式无效,应如 2025-11-22T08:30:00+08:00"),
    "datetime_from_date_parsing": gettext_lazy("时间格式无效,应如 2025-11-22T08:30:00+08:00"),
    "date_type": gettext_lazy("日期格式无效,应如 2025-11-22"),
    "date_parsing": gettext_lazy("日期格式无效,应如 2025-11-22"),
    "date_from_datetime_parsing": gettext_lazy("日期格式无效,应如 2025-11-22"),
    "enum": gettext_lazy("取值无效,可选:%(expected)s"),
    "literal_error": gettext_lazy("取值无效,可选:%(expected)s"),
    "greater_than_equal": gettext_lazy("不能小于 %(ge)s"),
    "greater_than": gettext_lazy("应大于 %(gt)s"),
    "less_than_equal": gettext_lazy("不能大于 %(le)s"),
    "less_than": gettext_lazy("应小于 %(lt)s"),
    "too_long": gettext_lazy("最多 %(max_length)s 项"),
    "too_short": gettext_lazy("至少 %(min_length)s 项"),
    "list_type": gettext_lazy("应为列表"),
    "dict_type": gettext_lazy("应为对象"),
    "model_type": gettext_lazy("应为对象"),
    "model_attributes_type": gettext_lazy("应为对象"),
    "json_invalid": gettext_lazy("不是有效的 JSON"),
    "year_out_of_range": gettext_lazy("年份应在 %(first)s 到 %(last)s 之间"),
}


def _message(error: dict[str, Any]) -> str:
    template = MESSAGES.get(error.get("type", ""))
    if template is None:
        return str(error.get("msg", ""))
    try:
        return str(template) % (error.get("ctx") or {})
    except (KeyError, TypeError, ValueError):
        return str(error.get("msg", ""))


def localized_errors(errors: Iterable[Any]) -> list[dict[str, str]]:
    """pydantic's errors as ``{"field", "type", "message"}``, the message in the staff's
    language (the API's 422 body, a form's field errors)."""
    return [
        {"field": field_name(e.get("loc", ())), "type": e.get("type", ""), "message": _message(e)}
        for e in errors
    ]


# The years a date or time that comes in may fall in (typed on a page, sent to the API, a
# filter): the center's calendar covers them, and the date arithmetic done on them (a day or a
# year added, a time zone applied) stays far from Python's limits — year 1 and 9999 overflowed
# (a 500). A year outside is a typo or a probe: refused, naming the field.
FIRST_YEAR, LAST_YEAR = 2000, 2100
YEARS = {"first": FIRST_YEAR, "last": LAST_YEAR}


def within_years(value: dt.date) -> bool:
    return FIRST_YEAR <= value.year <= LAST_YEAR


D = TypeVar("D", bound=dt.date)


def in_years(value: D) -> D:
    """The range check of ``Day`` and ``Moment`` (pydantic's error type ``year_out_of_range``)."""
    if not within_years(value):
        raise PydanticCustomError(
            "year_out_of_range", "year must be between {first} and {last}", YEARS
        )
    return value


# The date and the date-time every input declaration takes (API bodies, queries, forms' schemas).
Day = Annotated[dt.date, AfterValidator(in_years)]
Moment = Annotated[dt.datetime, AfterValidator(in_years)]


def day_or_none(raw: str | None) -> dt.date | None:
    """A page's ``YYYY-MM-DD`` field as a date within the years Kefu takes; None for anything
    else (the service then names the field, a list shows today)."""
    try:
        day = dt.date.fromisoformat((raw or "").strip())
    except ValueError:
        return None
    return day if within_years(day) else None


def years_message() -> str:
    return str(MESSAGES["year_out_of_range"]) % YEARS


class DayField(forms.DateField):
    """A page's date field: a date within the years inputs may name."""

    def validate(self, value: Any) -> None:
        super().validate(value)
        if value and not within_years(value):
            raise forms.ValidationError(years_message(), code="year_out_of_range")


class MomentField(forms.DateTimeField):
    """A page's date-time field: a time within the years inputs may name."""

    def validate(self, value: Any) -> None:
        super().validate(value)
        if value and not within_years(value):
            raise forms.ValidationError(years_message(), code="year_out_of_range")


class InputSchema(pydantic.BaseModel):
    """An operation's one input declaration, taken by its service, its API endpoint and its
    page's form alike. A plain pydantic model (ninja takes it as a body): the type checker
    knows its fields, defaults and constructor."""

    model_config = pydantic.ConfigDict(extra="ignore")


def _blank_to_none(value: Any) -> Any:
    return None if isinstance(value, str) and not value.strip() else value


# An optional value a page's form sends as an empty field ("") is absent.
BlankIsNone = BeforeValidator(_blank_to_none)
# An optional text sent as null is empty.
NoneIsBlank = BeforeValidator(lambda value: "" if value is None else value)


class SchemaForm(forms.Form):
    """A page's form whose data the API's schema checks. Its fields render and parse (labels,
    widgets, choices, a checkbox's "on", a datetime-local value); what is valid is declared
    once, in ``schema``. After ``is_valid()``, ``input`` is the schema's instance, built from
    the cleaned fields the schema names; a schema error is shown on its field."""

    schema: ClassVar[type[pydantic.BaseModel]]
    input: Any = None

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # The browser stops the typing where the schema would refuse it.
        for name, field in self.schema.model_fields.items():
            limit = next((m.max_length for m in field.metadata if isinstance(m, MaxLen)), None)
            widget = self.fields[name].widget if name in self.fields else None
            if limit is not None and isinstance(widget, forms.TextInput | forms.Textarea):
                widget.attrs.setdefault("maxlength", str(limit))

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if self.errors:
            return data
        values = {name: data[name] for name in self.schema.model_fields if name in data}
        try:
            self.input = self.schema.model_validate(values)
        except pydantic.ValidationError as exc:
            for error in localized_errors(exc.errors()):
                name = error["field"].split(".")[0]
                self.add_error(name if name in self.fields else None, error["message"])
        return data
