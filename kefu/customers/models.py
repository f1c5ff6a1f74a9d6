from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from kefu.accounts.models import Branch, ServiceArea
from kefu.core.models import Tag


class Customer(models.Model):
    class CustomerKind(models.TextChoices):
        PERSON = "person", _("个人")
        ORGANIZATION = "organization", _("单位")

    Kind = CustomerKind  # CustomerKind names it in the API schema

    class Gender(models.TextChoices):
        MALE = "male", _("男")
        FEMALE = "female", _("女")

    name = models.CharField(_("姓名/名称"), max_length=80)
    kind = models.CharField(_("类别"), max_length=20, choices=Kind.choices, default=Kind.PERSON)
    # How the agent addresses a person: 王先生, 李女士 (blank: unknown, "您好").
    gender = models.CharField(_("性别"), max_length=10, choices=Gender.choices, blank=True)
    account_no = models.CharField(_("户号/账号"), max_length=40, null=True, blank=True, unique=True)
    id_number = models.CharField(_("证件号"), max_length=30, blank=True)
    address = models.CharField(_("地址"), max_length=200, blank=True)
    # Lower-cased: a mail from this address is the customer's (kefu.conversations.receive).
    email = models.EmailField(_("电子邮箱"), max_length=254, blank=True, db_index=True)
    branch = models.ForeignKey(Branch, on_delete=models.PROTECT, verbose_name=_("分支机构"))
    area = models.ForeignKey(
        ServiceArea, null=True, blank=True, on_delete=models.PROTECT, verbose_name=_("片区")
    )
    tags = models.ManyToManyField(Tag, blank=True, verbose_name=_("标签"))
    notes = models.TextField(_("备注"), blank=True)
    is_active = models.BooleanField(_("有效"), default=True)
    # Set when the retention job anonymised the customer (kefu.customers.retention): the row
    # stays, counted by its tickets and the statistics; its personal data is gone.
    anonymised_at = models.DateTimeField(_("匿名化时间"), null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        ordering = ["-id"]
        verbose_name = _("客户")
        verbose_name_plural = _("客户")
        indexes = [models.Index(fields=["name"])]

    def __str__(self) -> str:
        return self.name


class Contact(models.Model):
    """A person to talk to about a customer: the tenant, the shop manager, a relative."""

    customer = models.ForeignKey(Customer, on_delete=models.CASCADE, related_name="contacts")
    name = models.CharField(_("联系人"), max_length=40)
    relation = models.CharField(_("关系/职务"), max_length=40, blank=True)

    class Meta:
        verbose_name = _("联系人")
        verbose_name_plural = _("联系人")

    def __str__(self) -> str:
        return self.name


class CustomerPhone(models.Model):
    customer = models.ForeignKey(Customer, on_delete=models.CASCADE, related_name="phones")
    contact = models.ForeignKey(
        Contact, null=True, blank=True, on_delete=models.CASCADE, related_name="phones"
    )
    number = models.CharField(_("号码"), max_length=24, db_index=True)
    label = models.CharField(_("说明"), max_length=20, blank=True)
    is_primary = models.BooleanField(_("主号码"), default=False)

    class Meta:
        ordering = ["-is_primary", "id"]
        verbose_name = _("电话")
        verbose_name_plural = _("电话")
        constraints = [
            models.UniqueConstraint(fields=["customer", "number"], name="unique_phone_per_customer")
        ]

    def __str__(self) -> str:
        return self.number


# --- members (会员: a chain store's loyalty members, DOMAIN §10) -----------------------------


class Store(models.Model):
    """A store (门店) of the chain: its members are enrolled there and its till system sends
    the purchases. A store belongs to a branch; a branch's staff see its stores only."""

    code = models.CharField(_("门店编码"), max_length=20, unique=True)
    name = models.CharField(_("门店名称"), max_length=60)
    branch = models.ForeignKey(Branch, on_delete=models.PROTECT, verbose_name=_("分支机构"))
    is_active = models.BooleanField(_("营业中"), default=True)

    class Meta:
        ordering = ["code"]
        verbose_name = _("门店")
        verbose_name_plural = _("门店")

    def __str__(self) -> str:
        return self.name


class MemberLevel(models.TextChoices):
    NORMAL = "normal", _("普通")
    SILVER = "silver", _("银卡")
    GOLD = "gold", _("金卡")
    DIAMOND = "diamond", _("钻石")


class Member(models.Model):
    """A customer's membership: one per customer, enrolled at one store (the store the
    analyses count the member in)."""

    Level = MemberLevel

    customer = models.OneToOneField(
        Customer, on_delete=models.PROTECT, related_name="membership", verbose_name=_("客户")
    )
    number = models.CharField(_("会员号"), max_length=30, unique=True)
    level = models.CharField(
        _("会员等级"), max_length=10, choices=MemberLevel.choices, default=MemberLevel.NORMAL
    )
    store = models.ForeignKey(
        Store, on_delete=models.PROTECT, related_name="members", verbose_name=_("开卡门店")
    )
    joined_on = models.DateField(_("入会日期"))
    expires_on = models.DateField(_("到期日期"), null=True, blank=True)
    # Personal data: masked for viewers without core.view_pii (kefu.core.masking).
    birth_date = models.DateField(_("出生日期"), null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-id"]
        verbose_name = _("会员")
        verbose_name_plural = _("会员")
        indexes = [
            models.Index(fields=["store", "joined_on"], name="member_store_joined"),
            models.Index(fields=["expires_on", "store"], name="member_expiry"),
        ]

    def __str__(self) -> str:
        return self.number


class Purchase(models.Model):
    """One receipt (小票) from a store's till system, imported: a store's receipt number is
    imported once (the unique pair makes a second import of the same file add nothing)."""

    store = models.ForeignKey(
        Store, on_delete=models.PROTECT, related_name="+", verbose_name=_("门店")
    )
    receipt_no = models.CharField(_("小票号"), max_length=40)
    member = models.ForeignKey(
        Member, on_delete=models.PROTECT, related_name="purchases", verbose_name=_("会员")
    )
    amount = models.DecimalField(_("金额(元)"), max_digits=12, decimal_places=2)
    at = models.DateTimeField(_("消费时间"))
    imported_at = models.DateTimeField(_("导入时间"), auto_now_add=True)

    class Meta:
        ordering = ["-at", "-id"]
        verbose_name = _("消费记录")
        verbose_name_plural = _("消费记录")
        constraints = [
            models.UniqueConstraint(fields=["store", "receipt_no"], name="purchase_receipt_once")
        ]
        indexes = [
            # Every analysis aggregates a member's purchases of a period: the member's rows in
            # time order, with the amount in the index (PostgreSQL reads the index alone).
            models.Index(fields=["member", "at"], include=["amount"], name="purchase_member_at"),
            models.Index(fields=["at"], include=["member", "amount"], name="purchase_at"),
        ]

    def __str__(self) -> str:
        return f"{self.store_id}:{self.receipt_no}"


class MemberMonth(models.Model):
    """A member's purchases of one calendar month (the center's zone), summed: the rollup the
    member analyses read instead of the purchases (kefu.customers.member_months keeps it
    exact; it is never edited by hand). ``first_at``/``last_at`` let an analysis whose
    period starts inside a month tell whether that month counts whole, not at all, or must
    be read from its purchases."""

    member = models.ForeignKey(Member, on_delete=models.PROTECT, related_name="+")
    month = models.DateField(_("月份"))  # its first day
    purchases = models.PositiveIntegerField(_("消费次数"))
    amount = models.DecimalField(_("金额(元)"), max_digits=14, decimal_places=2)
    first_at = models.DateTimeField(_("首次消费时间"))
    last_at = models.DateTimeField(_("末次消费时间"))

    class Meta:
        verbose_name = _("会员月度消费")
        verbose_name_plural = _("会员月度消费")
        constraints = [
            models.UniqueConstraint(fields=["member", "month"], name="member_month_once")
        ]
        indexes = [
            # Churn: has the member bought since the cutoff (any month's last purchase after it).
            models.Index(fields=["last_at"], include=["member"], name="member_month_last"),
        ]

    def __str__(self) -> str:
        return f"{self.member_id}:{self.month:%Y-%m}"


class MemberYear(models.Model):
    """A member's purchases from the first instant of MemberYearMark.since on (the member
    analyses' 12 months): one row per member who bought since, none for the others. Kept
    exact by kefu.customers.member_months (the import, the worker's daily roll); the
    analyses read it only when the mark's day is their period's first day."""

    member = models.OneToOneField(
        Member, on_delete=models.PROTECT, primary_key=True, related_name="+"
    )
    purchases = models.PositiveIntegerField(_("消费次数"))
    amount = models.DecimalField(_("金额(元)"), max_digits=14, decimal_places=2)
    last_at = models.DateTimeField(_("末次消费时间"))

    class Meta:
        verbose_name = _("会员近12个月消费")
        verbose_name_plural = _("会员近12个月消费")

    def __str__(self) -> str:
        return str(self.member_id)


class MemberYearMark(models.Model):
    """The one row saying which period MemberYear holds: every purchase at or after
    ``since``'s midnight (the center's zone)."""

    since = models.DateField(_("起始日期"))

    class Meta:
        verbose_name = _("会员近12个月消费起点")
        verbose_name_plural = _("会员近12个月消费起点")

    def __str__(self) -> str:
        return f"{self.since}"
