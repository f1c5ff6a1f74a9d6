"""Customer archive API: CRUD (no hard delete), caller-ID lookup, Excel import."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from ninja import File, Query, Router, Schema, Status
from ninja.files import UploadedFile

from kefu.core.masking import Masker
from kefu.core.paging import PageOut, PageQuery, page_out, paginate
from kefu.customers import access, selectors, services
from kefu.customers.importer import import_customers
from kefu.customers.models import Customer
from kefu.customers.schemas import CustomerInSchema, CustomerOut, ImportResultOut, customer_out
from kefu.customers.services import CustomerIn, PhoneIn
from kefu.tickets.schemas import ticket_brief
from kefu.tickets.selectors import caller_profile

router = Router(tags=["customers"])


class LookupOut(Schema):
    phone: str
    customers: list[CustomerOut]
    recent_tickets: list[dict[str, Any]]


class ListQuery(PageQuery):
    q: str = ""
    area: str = ""
    branch: str = ""
    active: bool | None = None


def _to_input(payload: CustomerInSchema) -> CustomerIn:
    return CustomerIn(
        name=payload.name,
        kind=payload.kind,
        gender=payload.gender,
        phones=[PhoneIn(p.number, p.label, p.contact) for p in payload.phones],
        account_no=payload.account_no,
        id_number=payload.id_number,
        address=payload.address,
        email=payload.email,
        branch=payload.branch,
        area=payload.area,
        tags=payload.tags,
        notes=payload.notes,
        contacts=None if payload.contacts is None else [c.dict() for c in payload.contacts],
    )


def _reload(request: HttpRequest, customer_id: int) -> Customer:
    return (
        access.visible_customers(request.user)
        .select_related("branch", "area")
        .prefetch_related("phones__contact", "tags", "contacts")
        .get(pk=customer_id)
    )


@router.get("/lookup", response=LookupOut)
def lookup(request: HttpRequest, phone: str) -> dict[str, Any]:
    """Caller identification: the customers with this number (any format) and their last tickets."""
    masker = Masker(request.user)
    profile = caller_profile(request.user, phone)
    services.audit_shown(request.user, profile.customers, how="lookup", phone=profile.number)
    return {
        "phone": masker.phone(profile.number),
        "customers": [customer_out(c, masker) for c in profile.customers],
        "recent_tickets": [ticket_brief(t) for t in profile.recent],
    }


@router.get("", response=PageOut[CustomerOut])
def list_customers(request: HttpRequest, filters: Query[ListQuery]) -> dict[str, Any]:
    """The customers the caller may see, newest first, one page (the list contract: README)."""
    qs = selectors.list_customers(
        request.user, q=filters.q, area=filters.area, branch=filters.branch, active=filters.active
    )
    page = paginate(
        qs.prefetch_related("contacts", "phones__contact"),
        page=filters.page,
        per_page=filters.per_page,
    )
    services.audit_shown(
        request.user, page.items, how="list", q=filters.q, area=filters.area, page=page.page
    )
    masker = Masker(request.user)
    return page_out(page, lambda c: customer_out(c, masker))


@router.post("", response={201: CustomerOut})
def create(request: HttpRequest, payload: CustomerInSchema) -> Status[dict[str, Any]]:
    customer = services.create_customer(_to_input(payload), actor=request.user)
    return Status(201, customer_out(_reload(request, customer.id), Masker(request.user)))


@router.get("/{int:customer_id}", response=CustomerOut)
def detail(request: HttpRequest, customer_id: int) -> dict[str, Any]:
    customer = services.view_customer(request.user, customer_id)
    return customer_out(_reload(request, customer.id), Masker(request.user))


@router.put("/{int:customer_id}", response=CustomerOut)
def update(request: HttpRequest, customer_id: int, payload: CustomerInSchema) -> dict[str, Any]:
    services.update_customer(customer_id, _to_input(payload), actor=request.user)
    return customer_out(_reload(request, customer_id), Masker(request.user))


@router.delete("/{int:customer_id}", response=CustomerOut)
def deactivate(request: HttpRequest, customer_id: int) -> dict[str, Any]:
    """Customers are never deleted: this marks the customer inactive and keeps its history."""
    services.deactivate_customer(customer_id, actor=request.user)
    return customer_out(_reload(request, customer_id), Masker(request.user))


@router.post("/import", response=ImportResultOut)
def import_excel(request: HttpRequest, file: File[UploadedFile]) -> dict[str, Any]:
    """Import an .xlsx sheet; each row is created whole or rejected with its reason."""
    result = import_customers(file.read(), actor=request.user)
    return {"created": result.created, "rejected": result.rejected, "errors": result.errors}
