"""Customer archive: create, update, deactivate, caller-ID lookup."""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from kefu.accounts import org
from kefu.accounts.models import Branch, ServiceArea
from kefu.accounts.scope import scope_of
from kefu.core.actor import Actor, user_of
from kefu.core.errors import Code, ServiceError
from kefu.core.masking import can_view_pii
from kefu.core.phones import normalize_phone
from kefu.core.services import get_or_create_tags, record_audit, record_unmasked_read
from kefu.customers.access import access_customer
from kefu.customers.models import Contact, Customer, CustomerPhone

MAX_PHONES = 10
MAX_CONTACTS = 20
# Phones keep their inner spaces ("138 1234 5678"); only list separators split them.
_PHONE_SEPARATORS = re.compile(r"[,;,;/、\n]+")
_TAG_SEPARATORS = re.compile(r"[,;,;/、\s]+")


def split_phones(text: str) -> list[str]:
    """``"138 1234 5678, 010-88881234"`` → two numbers (as a form or a spreadsheet cell has them)."""
    return [n.strip() for n in _PHONE_SEPARATORS.split(text or "") if n.strip()]


def split_tags(text: str) -> list[str]:
    return [t for t in _TAG_SEPARATORS.split(text or "") if t]


@dataclass
class PhoneIn:
    number: str
    label: str = ""
    contact: str = ""


@dataclass
class CustomerIn:
    """A customer's fields as a form, an API call or an import row gives them."""

    name: str
    phones: list[PhoneIn] = field(default_factory=list)
    kind: str = Customer.Kind.PERSON
    gender: str = ""
    account_no: str = ""
    id_number: str = ""
    address: str = ""
    # None on an update: the address stays as it is (a client that does not know it).
    email: str | None = None
    branch: str = ""
    area: str = ""
    tags: list[str] = field(default_factory=list)
    notes: str = ""
    # None on an update: the contacts stay as they are (a client that does not know them).
    contacts: list[dict[str, Any]] | None = None


def default_branch() -> Branch:
    """The branch a request goes to when nothing names one."""
    branch = org.default_branch()
    if branch is None:
        raise ServiceError(Code.INVALID, _("尚未设置分支机构"), field="branch")
    return branch


def resolve_branch_area(branch_code: str, area_code: str) -> tuple[Branch, ServiceArea | None]:
    """The branch and area named by code; an area alone decides the branch."""
    area = None
    if area_code:
        area = org.area_by_code(area_code)
        if area is None or not area.is_active:
            raise ServiceError(Code.INVALID, _("片区不存在:%s") % area_code, field="area")
    if branch_code:
        branch = org.active_branch(branch_code)
        if branch is None:
            raise ServiceError(Code.INVALID, _("分支机构不存在:%s") % branch_code, field="branch")
        if area is not None and area.branch_id != branch.id:
            raise ServiceError(Code.INVALID, _("片区不属于该分支机构"), field="area")
    else:
        branch = area.branch if area is not None else default_branch()
    return branch, area


def _clean(data: CustomerIn) -> tuple[CustomerIn, list[tuple[str, str, str]]]:
    name = (data.name or "").strip()
    if not name:
        raise ServiceError(Code.INVALID, _("请填写客户姓名或名称"), field="name")
    if len(name) > 80:
        raise ServiceError(Code.INVALID, _("姓名最长 80 个字符"), field="name")
    if data.kind not in Customer.Kind.values:
        raise ServiceError(Code.INVALID, _("客户类别无效"), field="kind")
    data.gender = (data.gender or "").strip()
    if data.gender not in ("", *Customer.Gender.values):
        raise ServiceError(Code.INVALID, _("性别无效"), field="gender")
    if len(data.phones) > MAX_PHONES:
        raise ServiceError(Code.INVALID, _("电话最多 %d 个") % MAX_PHONES, field="phones")
    phones: list[tuple[str, str, str]] = []
    seen = set()
    for index, phone in enumerate(data.phones):
        number = normalize_phone(phone.number)
        if not number:
            raise ServiceError(
                Code.INVALID, _("电话号码无效:%s") % phone.number, field=f"phones.{index}"
            )
        if number in seen:
            continue
        seen.add(number)
        phones.append((number, (phone.label or "")[:20], (phone.contact or "").strip()[:40]))
    for attr, limit, label in (
        ("account_no", 40, _("户号")),
        ("id_number", 30, _("证件号")),
        ("address", 200, _("地址")),
    ):
        value = (getattr(data, attr) or "").strip()
        if len(value) > limit:
            raise ServiceError(
                Code.INVALID, _("%(f)s最长 %(n)d 个字符") % {"f": label, "n": limit}, field=attr
            )
        setattr(data, attr, value)
    if data.email is not None:
        data.email = clean_email(data.email)
    data.name = name
    if data.contacts is not None:
        data.contacts = _clean_contacts(data.contacts)
        # Phones may name contacts too: together they keep to the limit.
        named = {c["name"] for c in data.contacts} | {
            contact for _, _, contact in phones if contact
        }
        if len(named) > MAX_CONTACTS:
            raise ServiceError(Code.INVALID, _("联系人最多 %d 个") % MAX_CONTACTS, field="contacts")
    return data, phones


def clean_email(value: str) -> str:
    """An e-mail address as the archive keeps it (lower-cased), "" for none; ServiceError
    for one that is not an address."""
    value = (value or "").strip().lower()
    if not value:
        return ""
    try:
        validate_email(value)
    except ValidationError:
        raise ServiceError(Code.INVALID, _("电子邮箱无效:%s") % value[:60], field="email")
    if len(value) > 254:
        raise ServiceError(Code.INVALID, _("电子邮箱无效:%s") % value[:60], field="email")
    return value


def _clean_contacts(contacts: list[dict[str, Any]]) -> list[dict[str, str]]:
    if len(contacts) > MAX_CONTACTS:
        raise ServiceError(Code.INVALID, _("联系人最多 %d 个") % MAX_CONTACTS, field="contacts")
    cleaned: dict[str, dict[str, str]] = {}
    for index, contact in enumerate(contacts):
        name = str(contact.get("name") or "").strip()
        relation = str(contact.get("relation") or "").strip()
        if not name:
            raise ServiceError(Code.INVALID, _("请填写联系人姓名"), field=f"contacts.{index}")
        if len(name) > 40 or len(relation) > 40:
            raise ServiceError(
                Code.INVALID, _("联系人姓名和关系最长 40 个字符"), field=f"contacts.{index}"
            )
        if name in cleaned:
            raise ServiceError(Code.INVALID, _("联系人重复:%s") % name, field=f"contacts.{index}")
        cleaned[name] = {"name": name, "relation": relation}
    return list(cleaned.values())


def _write_contacts(customer: Customer, contacts: list[dict[str, Any]]) -> None:
    """Make the customer's contacts exactly ``contacts`` (by name), keeping the rows that stay."""
    existing = {c.name: c for c in customer.contacts.all()}
    for contact in contacts:
        row = existing.pop(contact["name"], None)
        if row is None:
            Contact.objects.create(customer=customer, **contact)
        elif row.relation != contact["relation"]:
            row.relation = contact["relation"]
            row.save(update_fields=["relation"])
    for row in existing.values():
        row.delete()  # the phones are rewritten after the contacts, so none points here


def _require_editor(actor: Actor) -> None:
    scope = scope_of(actor)
    if not scope.can_intake:
        raise ServiceError(Code.FORBIDDEN, _("无权修改客户档案"))


def _own_branch(actor: Actor, data: CustomerIn) -> str:
    """The branch a new customer is in when neither branch nor area is named: a branch's
    staff's own, else the default (resolve_branch_area)."""
    scope = scope_of(actor)
    if data.area or scope.everything or scope.branch_id is None:
        return ""
    branch = org.branch(scope.branch_id)
    return branch.code if branch is not None else ""


def _refuse_shared_email(email: str, *, besides: int | None = None, field: str = "email") -> None:
    """An e-mail address identifies one customer's mail (kefu.conversations): two active
    customers with it would leave both unknown, so the second is refused."""
    if not email:
        return
    others = Customer.objects.filter(email=email, is_active=True)
    if besides is not None:
        others = others.exclude(pk=besides)
    if others.exists():
        raise ServiceError(
            Code.CONFLICT, _("该电子邮箱已在其他客户的档案中:%s") % email[:60], field=field
        )


def _require_branch(actor: Actor, branch: Branch) -> None:
    """A branch's staff keep their own branch's archive (its customers are all they see)."""
    scope = scope_of(actor)
    if not scope.everything and scope.branch_id not in (None, branch.id):
        raise ServiceError(
            Code.FORBIDDEN, _("不能为其他分支机构建立或迁入客户档案"), field="branch"
        )


def _write_phones(customer: Customer, phones: list[tuple[str, str, str]]) -> None:
    contacts = {c.name: c for c in customer.contacts.all()}
    for index, (number, label, contact_name) in enumerate(phones):
        contact = None
        if contact_name:
            contact = contacts.get(contact_name)
            if contact is None:
                contact = Contact.objects.create(customer=customer, name=contact_name)
                contacts[contact_name] = contact
        CustomerPhone.objects.create(
            customer=customer, number=number, label=label, contact=contact, is_primary=index == 0
        )


@transaction.atomic
def create_customer(data: CustomerIn, *, actor: Actor) -> Customer:
    """Create a customer with phones, contacts and tags. Raises ServiceError; writes nothing then."""
    _require_editor(actor)
    data, phones = _clean(data)
    branch, area = resolve_branch_area(data.branch or _own_branch(actor, data), data.area)
    _require_branch(actor, branch)
    _refuse_shared_email(data.email or "")
    if data.account_no and Customer.objects.filter(account_no=data.account_no).exists():
        raise ServiceError(Code.CONFLICT, _("户号已存在:%s") % data.account_no, field="account_no")
    try:
        with transaction.atomic():
            customer = Customer.objects.create(
                name=data.name,
                kind=data.kind,
                gender=data.gender,
                account_no=data.account_no or None,
                id_number=data.id_number,
                address=data.address,
                email=data.email or "",
                branch=branch,
                area=area,
                notes=data.notes or "",
                created_by=user_of(actor),
            )
    except IntegrityError:
        raise ServiceError(Code.CONFLICT, _("户号已存在:%s") % data.account_no, field="account_no")
    _write_contacts(customer, data.contacts or [])
    _write_phones(customer, phones)
    customer.tags.set(get_or_create_tags(data.tags))
    record_audit(actor=actor, action="customer.create", obj=customer)
    return customer


@transaction.atomic
def update_customer(customer_id: int, data: CustomerIn, *, actor: Actor) -> Customer:
    """Replace a customer's fields, phones and tags (the archive is updated after each service)."""
    _require_editor(actor)
    customer = access_customer(actor, customer_id, for_update=True)
    data, phones = _clean(data)
    # Neither named (the form has no branch): the customer stays in their branch.
    kept = "" if data.branch or data.area else customer.branch.code
    branch, area = resolve_branch_area(data.branch or kept, data.area)
    _require_branch(actor, branch)
    if data.email:
        _refuse_shared_email(data.email, besides=customer.pk)
    if (
        data.account_no
        and Customer.objects.filter(account_no=data.account_no).exclude(pk=customer.pk).exists()
    ):
        raise ServiceError(Code.CONFLICT, _("户号已存在:%s") % data.account_no, field="account_no")
    before = {
        "name": customer.name,
        "address": customer.address,
        "email": customer.email,
        "phones": list(customer.phones.values_list("number", flat=True)),
        "contacts": list(customer.contacts.values("name", "relation")),
    }
    customer.name = data.name
    customer.kind = data.kind
    customer.gender = data.gender
    customer.account_no = data.account_no or None
    customer.id_number = data.id_number
    customer.address = data.address
    if data.email is not None:
        customer.email = data.email
    customer.branch = branch
    customer.area = area
    customer.notes = data.notes or ""
    customer.save()
    customer.phones.all().delete()
    if data.contacts is not None:
        _write_contacts(customer, data.contacts)
    _write_phones(customer, phones)
    customer.tags.set(get_or_create_tags(data.tags))
    record_audit(actor=actor, action="customer.update", obj=customer, detail={"before": before})
    return customer


@transaction.atomic
def deactivate_customer(customer_id: int, *, actor: Actor, reason: str = "") -> Customer:
    """Mark a customer inactive; its history and tickets stay."""
    _require_editor(actor)
    customer = access_customer(actor, customer_id, for_update=True)
    if customer.is_active:
        customer.is_active = False
        customer.save(update_fields=["is_active", "updated_at"])
        record_audit(
            actor=actor, action="customer.deactivate", obj=customer, detail={"reason": reason}
        )
    return customer


def audit_shown(
    actor: Actor | None, customers: Iterable[Customer], *, how: str, **detail: Any
) -> None:
    """One audit row for a request that showed ``customers`` unmasked (``how``: list,
    lookup, pop, export; ``detail`` the filter): kefu.core.services.record_unmasked_read."""
    record_unmasked_read(
        actor=actor,
        action=f"customer.{how}",
        model=Customer,
        ids=[c.pk for c in customers],
        detail={key: value for key, value in detail.items() if value not in ("", None)},
    )


def view_customer(actor: Actor, customer_id: int) -> Customer:
    """The customer as its profile shows it; a view with personal data unmasked is audited."""
    customer = access_customer(actor, customer_id)
    if can_view_pii(actor):
        record_audit(actor=actor, action="customer.view_pii", obj=customer)
    return customer


@transaction.atomic
def remember_address(customer_id: int, address: str, *, actor: Actor) -> str:
    """Keep an address a customer wrote from in their archive, so that their next message is
    known: an e-mail address when they have none, a number they lack. Returns what was kept,
    "" when the archive had it already. ServiceError when the customer has another e-mail
    address (changed on the customer's page, not behind the agent's back), when the number
    would exceed the limit, or when ``address`` is neither."""
    _require_editor(actor)
    customer = access_customer(actor, customer_id, for_update=True)
    if "@" in (address or ""):
        email = clean_email(address)
        if customer.email == email:
            return ""
        if customer.email:
            raise ServiceError(
                Code.CONFLICT, _("该客户档案已有其他电子邮箱,请到客户档案修改"), field="remember"
            )
        _refuse_shared_email(email, besides=customer.pk, field="remember")
        customer.email = email
        customer.save(update_fields=["email", "updated_at"])
        record_audit(
            actor=actor, action="customer.update", obj=customer, detail={"added_email": email}
        )
        return email
    number = normalize_phone(address)
    if not number:
        raise ServiceError(Code.INVALID, _("没有可记入档案的号码或邮箱"), field="remember")
    if customer.phones.filter(number=number).exists():
        return ""
    if customer.phones.count() >= MAX_PHONES:
        raise ServiceError(Code.INVALID, _("电话最多 %d 个") % MAX_PHONES, field="remember")
    CustomerPhone.objects.create(customer=customer, number=number, is_primary=False)
    customer.save(update_fields=["updated_at"])
    record_audit(
        actor=actor, action="customer.update", obj=customer, detail={"added_phone": number}
    )
    return number
