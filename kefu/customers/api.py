"""Customer archive API: CRUD (no hard delete), caller-ID lookup, Excel import."""

from __future__ import annotations

from typing import Any

from django.http import Http404, HttpRequest
from ninja import Field, File, Query, Router, Schema, Status
from ninja.files import UploadedFile

from kefu.core.masking import Masker
from kefu.core.paging import PageOut, PageQuery, page_out, paginate
from kefu.core.schemas import Day
from kefu.core.uploads import checked_upload
from kefu.customers import access, analyses, members, selectors, services
from kefu.customers.importer import import_customers, read_purchases
from kefu.customers.models import Customer, Store
from kefu.customers.schemas import (
    CustomerInSchema,
    CustomerOut,
    ImportResultOut,
    MemberChurnOut,
    MemberDemographicsOut,
    MemberGrowthOut,
    MemberInSchema,
    MemberOut,
    MemberRfmOut,
    MemberSpendingOut,
    PurchaseBatchIn,
    PurchaseImportOut,
    analysis_out,
    customer_out,
    member_out,
)
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


class MemberListQuery(PageQuery):
    store: str = Field("", max_length=20, description="a store's code")
    branch: str = Field("", max_length=20, description="a branch's code")
    level: str = Field("", max_length=10, description="normal, silver, gold or diamond")
    q: str = Field("", max_length=40, description="a member number, or part of the name")
    expiring_days: int | None = Field(None, description="cards expiring within these days")
    churned_days: int | None = Field(None, description="no purchase in these days")


class MemberStoreQuery(Schema):
    store: str = Field("", max_length=20, description="a store's code")
    branch: str = Field("", max_length=20, description="a branch's code")


class MemberGrowthQuery(MemberStoreQuery):
    date_from: Day | None = Field(None, description="joined from (default: 29 days ago)")
    date_to: Day | None = Field(None, description="joined until (default: today)")
    expiring_days: int = Field(30, description="cards expiring within these days, 1–366")


class MemberChurnQuery(MemberStoreQuery):
    days: int = Field(analyses.CHURN_DAYS, description="no purchase in these days, 1–3650")


def _analysis(request: HttpRequest, name: str, **filters: Any) -> dict[str, Any]:
    result = analyses.run(request.user, name, analyses.Filters(**filters))
    return analysis_out(name, result)


@router.get("/members", response=PageOut[MemberOut])
def list_members(request: HttpRequest, filters: Query[MemberListQuery]) -> dict[str, Any]:
    """Members of the stores the caller may analyse (leads, supervisors, the general manager,
    quality, admins; a branch's staff their branch's stores), newest first; the birth date
    masked without core.view_pii."""
    rows = selectors.list_members(
        request.user,
        store=filters.store,
        branch=filters.branch,
        level=filters.level,
        q=filters.q,
        expiring_days=filters.expiring_days,
        churned_days=filters.churned_days,
    )
    masker = Masker(request.user)
    page = paginate(rows, page=filters.page, per_page=filters.per_page)
    return page_out(page, lambda m: member_out(m, masker))


@router.get("/members/growth", response=MemberGrowthOut)
def member_growth(request: HttpRequest, filters: Query[MemberGrowthQuery]) -> dict[str, Any]:
    """Per store: members, those who joined in the period, those expiring in the next days."""
    return _analysis(request, "growth", **filters.dict())


@router.get("/members/spending", response=MemberSpendingOut)
def member_spending(request: HttpRequest, filters: Query[MemberStoreQuery]) -> dict[str, Any]:
    """Per store: members by yuan spent in the last 12 months (无消费, <500, 500–2000,
    2000–5000, ≥5000)."""
    return _analysis(request, "spending", **filters.dict())


@router.get("/members/demographics", response=MemberDemographicsOut)
def member_demographics(request: HttpRequest, filters: Query[MemberStoreQuery]) -> dict[str, Any]:
    """Members by gender and age band."""
    return _analysis(request, "demographics", **filters.dict())


@router.get("/members/rfm", response=MemberRfmOut)
def member_rfm(request: HttpRequest, filters: Query[MemberStoreQuery]) -> dict[str, Any]:
    """Members who bought in the last 12 months by RFM segment (fixed thresholds: ``rules``)."""
    return _analysis(request, "rfm", **filters.dict())


@router.get("/members/churn", response=MemberChurnOut)
def member_churn(request: HttpRequest, filters: Query[MemberChurnQuery]) -> dict[str, Any]:
    """Per store: members with no purchase in ``days`` days (who joined before), those called
    back by a 流失会员回访 list and those who bought again after the call."""
    return _analysis(request, "churn", **filters.dict())


@router.get("/{int:customer_id}/membership", response=MemberOut)
def membership(request: HttpRequest, customer_id: int) -> dict[str, Any]:
    """The customer's membership (whoever may see the customer); 404 when not a member."""
    member = selectors.membership_of(request.user, customer_id)
    if member is None:
        raise Http404
    return member_out(member, Masker(request.user))


@router.put("/{int:customer_id}/membership", response=MemberOut)
def save_membership(
    request: HttpRequest, customer_id: int, payload: MemberInSchema
) -> dict[str, Any]:
    """Enrol the customer as a member, or change the membership (agents, leads, supervisors,
    admins)."""
    members.save_membership(customer_id, members.MemberIn(**payload.dict()), actor=request.user)
    member = selectors.membership_of(request.user, customer_id)
    assert member is not None
    return member_out(member, Masker(request.user))


class StoreOut(Schema):
    code: str
    name: str
    branch: str = Field(description="the branch's code")
    branch_name: str
    is_active: bool = Field(description="open (营业中); a closed store takes no new members")
    members: int = Field(description="members enrolled at the store")


class StoreIn(Schema):
    name: str = Field(max_length=60)
    branch: str = Field(max_length=20, description="the branch's code")
    is_active: bool = True


def store_out(store: Store) -> dict[str, Any]:
    return {
        "code": store.code,
        "name": store.name,
        "branch": store.branch.code,
        "branch_name": store.branch.name,
        "is_active": store.is_active,
        "members": store.member_count,  # type: ignore[attr-defined]  # list_stores counts
    }


@router.get("/stores", response=PageOut[StoreOut])
def stores(request: HttpRequest, filters: Query[PageQuery]) -> dict[str, Any]:
    """The stores of the caller's reach (门店), open and closed, by code: those who enrol,
    import or analyse members."""
    rows = selectors.list_stores(request.user)
    return page_out(paginate(rows, page=filters.page, per_page=filters.per_page), store_out)


@router.put("/stores/{code}", response={200: StoreOut, 201: StoreOut})
def save_store(request: HttpRequest, code: str, payload: StoreIn) -> Status[dict[str, Any]]:
    """Open the store ``code`` (as the till system sends it; 201) or change it (200): name,
    branch, open or closed (the center's supervisors and administrators). A store is never
    deleted; closing it keeps its members and purchases."""
    store, opened = members.save_store(code, members.StoreIn(**payload.dict()), actor=request.user)
    row = selectors.list_stores(request.user).get(pk=store.pk)
    return Status(201 if opened else 200, store_out(row))


@router.post("/purchases", response=PurchaseImportOut)
def import_purchase_batch(request: HttpRequest, payload: PurchaseBatchIn) -> dict[str, Any]:
    """Purchases from a store's till system (supervisors, admins), at most 5000 a call.
    Idempotent by (store, receipt_no): a receipt sent again is counted in ``already``. Each
    item is kept or refused on its own: refused items come back in ``errors`` with their
    position (1 for the first) and field. A malformed body (an amount that is not a number,
    a time that is not one) is refused whole with 422, nothing written."""
    result = members.import_purchases(members.purchase_rows(payload.purchases), actor=request.user)
    return vars(result)


@router.post("/purchases/import", response=PurchaseImportOut)
def import_purchase_file(request: HttpRequest, file: File[UploadedFile]) -> dict[str, Any]:
    """Purchases from a till system's .xlsx or .csv export: columns 门店编码, 小票号, 会员号,
    金额, 消费时间 (or store, receipt_no, member_no, amount, at); refused rows come back with
    their row number in the sheet."""
    checked_upload(file)
    result = members.import_purchases(
        read_purchases(file.read()), actor=request.user, source="file"
    )
    return vars(result)


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
