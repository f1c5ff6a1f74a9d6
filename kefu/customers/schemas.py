"""API shapes of the customer archive, and the one function that renders a customer."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Annotated, Any, Literal

from ninja import Field, Schema

from kefu.core.masking import Masker
from kefu.core.schemas import Day, Moment, NoneIsBlank
from kefu.customers.analyses import RFM_RULES
from kefu.customers.models import Customer, Member, MemberLevel


class PhoneSchema(Schema):
    number: str = Field(..., min_length=1, max_length=40, examples=["138 1234 5678"])
    label: str = Field("", max_length=20)
    contact: str = Field("", max_length=40)


class ContactSchema(Schema):
    name: str = Field(..., min_length=1, max_length=40)
    relation: str = Field("", max_length=40)


class CustomerInSchema(Schema):
    name: str = Field(..., min_length=1, max_length=80, examples=["王先生"])
    kind: Customer.CustomerKind = Customer.Kind.PERSON
    gender: Annotated[Customer.Gender | Literal[""], NoneIsBlank] = Field(
        "", description="male, female or empty: how the agent addresses them (王先生, 李女士)"
    )
    phones: list[PhoneSchema] = Field(default_factory=list, max_length=10)
    account_no: str = Field("", max_length=40)
    id_number: str = Field("", max_length=30)
    address: str = Field("", max_length=200)
    email: str | None = Field(
        None,
        max_length=254,
        description="e-mail address; a mail from it is this customer's. "
        "Left out on an update: it stays as it is",
    )
    branch: str = Field("", max_length=20, description="branch code; default: the area's branch")
    area: str = Field("", max_length=30, description="service area code (小区/片区)")
    tags: list[str] = Field(default_factory=list, max_length=20)
    notes: str = Field("", max_length=2000)
    contacts: list[ContactSchema] | None = Field(
        None, max_length=20, description="replaces the contacts; left out: they stay as they are"
    )


class PhoneOut(Schema):
    number: str
    label: str
    contact: str
    is_primary: bool


class CustomerOut(Schema):
    id: int
    name: str
    kind: str
    gender: str
    account_no: str
    id_number: str
    address: str
    email: str
    branch: str
    area: str
    area_name: str
    tags: list[str]
    notes: str
    is_active: bool
    phones: list[PhoneOut]
    contacts: list[ContactSchema]
    masked: bool


class ImportErrorOut(Schema):
    row: int
    field: str
    message: str


class ImportResultOut(Schema):
    created: int
    rejected: int
    errors: list[ImportErrorOut]


def customer_out(customer: Customer, masker: Masker) -> dict[str, Any]:
    """A customer as the API shows it to a viewer, personal data masked by permission."""
    return {
        "id": customer.id,
        "name": customer.name,
        "kind": customer.kind,
        "gender": customer.gender,
        "account_no": customer.account_no or "",
        "id_number": masker.id_number(customer.id_number),
        "address": masker.address(customer.address),
        "email": masker.email(customer.email),
        "branch": customer.branch.code,
        "area": customer.area.code if customer.area is not None else "",
        "area_name": customer.area.name if customer.area is not None else "",
        "tags": [t.name for t in customer.tags.all()],
        "notes": customer.notes,
        "is_active": customer.is_active,
        "phones": [
            {
                "number": masker.phone(p.number),
                "label": p.label,
                "contact": p.contact.name if p.contact is not None else "",
                "is_primary": p.is_primary,
            }
            for p in customer.phones.all()
        ],
        "contacts": [{"name": c.name, "relation": c.relation} for c in customer.contacts.all()],
        "masked": not masker.full,
    }


# --- members -------------------------------------------------------------------------------


class MemberInSchema(Schema):
    number: str = Field(..., min_length=1, max_length=30, examples=["VIP000123"])
    level: MemberLevel = MemberLevel.NORMAL
    store: str = Field(..., min_length=1, max_length=20, description="the store's code")
    joined_on: Day
    expires_on: Day | None = None
    birth_date: str = Field(
        "", max_length=10, description="YYYY-MM-DD (1900 to today), empty for unknown"
    )


class MemberOut(Schema):
    id: int
    customer_id: int
    customer_name: str
    number: str
    level: str
    level_label: str
    store: str
    store_name: str
    joined_on: dt.date
    expires_on: dt.date | None
    birth_date: str = Field(description="YYYY-MM-DD, or ****-**-** without core.view_pii")
    masked: bool


def member_out(member: Member, masker: Masker) -> dict[str, Any]:
    """A membership as the API shows it, the birth date masked by permission."""
    return {
        "id": member.pk,
        "customer_id": member.customer_id,
        "customer_name": member.customer.name,
        "number": member.number,
        "level": member.level,
        "level_label": str(member.get_level_display()),
        "store": member.store.code,
        "store_name": member.store.name,
        "joined_on": member.joined_on,
        "expires_on": member.expires_on,
        "birth_date": masker.birth_date(member.birth_date),
        "masked": not masker.full,
    }


class PurchaseItemIn(Schema):
    store: str = Field(..., max_length=20, description="the store's code")
    receipt_no: str = Field(..., max_length=40, description="the receipt number in that store")
    member_no: str = Field(..., max_length=30)
    amount: Decimal = Field(..., max_digits=12, decimal_places=2, description="yuan")
    at: Moment


class PurchaseBatchIn(Schema):
    purchases: list[PurchaseItemIn] = Field(..., min_length=1, max_length=5000)


class PurchaseImportOut(Schema):
    created: int
    already: int = Field(description="receipts imported before (or twice in this batch)")
    rejected: int
    errors: list[ImportErrorOut] = Field(description="the refused rows: row 1 is the first")


class MemberStoreCountsOut(Schema):
    store: str
    store_name: str


class MemberGrowthRowOut(MemberStoreCountsOut):
    members: int
    new: int
    expiring: int


class MemberGrowthTotalOut(Schema):
    members: int
    new: int
    expiring: int


class MemberGrowthOut(Schema):
    date_from: dt.date
    date_to: dt.date
    expiring_days: int
    expiring_until: dt.date
    stores: list[MemberGrowthRowOut]
    total: MemberGrowthTotalOut


class MemberBandsRowOut(MemberStoreCountsOut):
    counts: list[int]


class MemberSpendingOut(Schema):
    since: dt.date
    bands: list[str]
    stores: list[MemberBandsRowOut]
    total: list[int]


class MemberGenderRowOut(Schema):
    gender: str
    label: str
    counts: list[int]


class MemberDemographicsOut(Schema):
    age_bands: list[str]
    genders: list[MemberGenderRowOut]
    total: list[int]


class MemberSegmentOut(Schema):
    segment: str
    name: str
    r_high: bool
    f_high: bool
    m_high: bool
    members: int


class MemberRfmOut(Schema):
    since: dt.date
    rules: dict[str, list[int]] = Field(
        description="thresholds for scores 5, 4, 3, 2: r at most days, f at least purchases, "
        "m at least yuan; 3 or more is high"
    )
    segments: list[MemberSegmentOut]
    scores: dict[str, list[int]] = Field(description="members per score 1..5 of r, f and m")
    bought: int
    no_purchase: int


class MemberChurnRowOut(MemberStoreCountsOut):
    members: int
    churned: int
    called: int
    bought_again: int


class MemberChurnTotalOut(Schema):
    members: int
    churned: int
    called: int
    bought_again: int


class MemberChurnOut(Schema):
    days: int
    since: dt.datetime
    stores: list[MemberChurnRowOut]
    total: MemberChurnTotalOut


def analysis_out(name: str, result: Any) -> dict[str, Any]:
    """An analysis of kefu.customers.analyses as its API answer."""

    def stores() -> list[dict[str, Any]]:
        return [{"store": r.store, "store_name": r.store_name, **r.values} for r in result.rows]

    match name:
        case "growth":
            return {
                "date_from": result.date_from,
                "date_to": result.date_to,
                "expiring_days": result.expiring_days,
                "expiring_until": result.expiring_until,
                "stores": stores(),
                "total": result.total,
            }
        case "spending":
            return {
                "since": result.since,
                "bands": result.bands,
                "stores": stores(),
                "total": result.total,
            }
        case "demographics":
            return {"age_bands": result.age_bands, "genders": result.rows, "total": result.total}
        case "rfm":
            return {
                "since": result.since,
                "rules": RFM_RULES,
                "segments": result.segments,
                "scores": result.scores,
                "bought": result.bought,
                "no_purchase": result.no_purchase,
            }
    return {"days": result.days, "since": result.since, "stores": stores(), "total": result.total}
