from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class Branch(models.Model):
    """A company the center takes requests for: 总部, 分公司, 营业所."""

    code = models.SlugField(_("编码"), max_length=20, unique=True)
    name = models.CharField(_("名称"), max_length=60, unique=True)
    is_default = models.BooleanField(_("默认"), default=False)
    is_active = models.BooleanField(_("启用"), default=True)

    class Meta:
        ordering = ["code"]
        verbose_name = _("分支机构")
        verbose_name_plural = _("分支机构")

    def __str__(self) -> str:
        return self.name


class ServiceArea(models.Model):
    """A 小区 / 片区 a branch serves; customers and tickets are placed in one."""

    branch = models.ForeignKey(Branch, on_delete=models.PROTECT, related_name="areas")
    code = models.SlugField(_("编码"), max_length=30, unique=True)
    name = models.CharField(_("名称"), max_length=60)
    is_active = models.BooleanField(_("启用"), default=True)

    class Meta:
        ordering = ["branch__code", "code"]
        verbose_name = _("服务片区")
        verbose_name_plural = _("服务片区")

    def __str__(self) -> str:
        return self.name


class Department(models.Model):
    branch = models.ForeignKey(Branch, on_delete=models.PROTECT, related_name="departments")
    code = models.SlugField(_("编码"), max_length=30, unique=True)
    name = models.CharField(_("名称"), max_length=60)
    is_active = models.BooleanField(_("启用"), default=True)

    class Meta:
        ordering = ["branch__code", "code"]
        verbose_name = _("部门")
        verbose_name_plural = _("部门")

    def __str__(self) -> str:
        return f"{self.name}({self.branch.name})" if self.branch_id else self.name


class Role(models.TextChoices):
    AGENT = "agent", _("坐席")
    TEAM_LEAD = "team_lead", _("班长")
    SUPERVISOR = "supervisor", _("客服主管")
    DEPT_HANDLER = "dept_handler", _("部门处理人")
    DEPT_HEAD = "dept_head", _("部门负责人")
    GENERAL_MANAGER = "general_manager", _("总经理")
    QUALITY = "quality", _("质检员")
    ADMIN = "admin", _("系统管理员")
    FIELD_STAFF = "field_staff", _("外勤人员")


CENTER_ROLES: set[str] = {
    Role.AGENT,
    Role.TEAM_LEAD,
    Role.SUPERVISOR,
    Role.GENERAL_MANAGER,
    Role.QUALITY,
    Role.ADMIN,
}
# Statistics are restricted (DOMAIN §11): the reports and the member analyses are read by the
# center's managers, quality and administrators.
STATISTICS_ROLES: set[str] = {
    Role.TEAM_LEAD,
    Role.SUPERVISOR,
    Role.GENERAL_MANAGER,
    Role.QUALITY,
    Role.ADMIN,
}
# Field staff (外勤) belong to a department: they see its work and take its work orders.
DEPARTMENT_ROLES: set[str] = {Role.DEPT_HANDLER, Role.DEPT_HEAD, Role.FIELD_STAFF}


class StaffProfile(models.Model):
    """What the center knows of a staff member: 工号, role, branch and department."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="staff"
    )
    employee_no = models.CharField(_("工号"), max_length=20, unique=True)
    display_name = models.CharField(_("姓名"), max_length=40)
    role = models.CharField(_("角色"), max_length=20, choices=Role.choices)
    branch = models.ForeignKey(
        Branch,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        help_text=_("留空表示客服中心全体,可见所有分支机构"),
    )
    department = models.ForeignKey(
        Department, null=True, blank=True, on_delete=models.PROTECT, related_name="staff"
    )
    phone = models.CharField(_("手机"), max_length=20, blank=True)

    class Meta:
        ordering = ["employee_no"]
        verbose_name = _("员工")
        verbose_name_plural = _("员工")
        constraints = [
            models.CheckConstraint(
                condition=~models.Q(role__in=["dept_handler", "dept_head", "field_staff"])
                | models.Q(department__isnull=False),
                name="department_staff_have_department",
            )
        ]

    def __str__(self) -> str:
        return f"{self.display_name}[{self.employee_no}]"

    @property
    def is_department_role(self) -> bool:
        return self.role in DEPARTMENT_ROLES


class ApiToken(models.Model):
    """An integrator's bearer token. Only its SHA-256 is stored; the token is shown once."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="api_tokens"
    )
    name = models.CharField(_("用途"), max_length=60, blank=True)
    prefix = models.CharField(max_length=12)
    digest = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)
    last_used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("接口令牌")
        verbose_name_plural = _("接口令牌")

    def __str__(self) -> str:
        return f"{self.prefix}… ({self.user})"
