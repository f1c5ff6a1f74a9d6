"""API shapes of the customer archive, and the one function that renders a customer."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from ninja import Field, Schema

from kefu.core.masking import Masker
from kefu.core.schemas import NoneIsBlank
from kefu.customers.models import Customer


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
