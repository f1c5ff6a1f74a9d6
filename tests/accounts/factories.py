"""The test center: two branches, departments, and one person per persona."""

from __future__ import annotations

from kefu.accounts.models import Branch, Department, Role, ServiceArea
from kefu.accounts.services import create_staff

PASSWORD = "test-password-1"


def make_org() -> dict:
    hq, _ = Branch.objects.update_or_create(
        code="hq", defaults={"name": "总公司", "is_default": True}
    )
    sz = Branch.objects.create(code="sz", name="深圳分公司")
    areas = {
        "yhy": ServiceArea.objects.create(branch=hq, code="yhy", name="阳光花园"),
        "nsh": ServiceArea.objects.create(branch=sz, code="nsh", name="南山海岸城"),
    }
    depts = {
        "repair": Department.objects.create(branch=hq, code="repair", name="维修部"),
        "billing": Department.objects.create(branch=hq, code="billing", name="营业部"),
        "sz-repair": Department.objects.create(branch=sz, code="sz-repair", name="深圳维修站"),
    }
    return {"hq": hq, "sz": sz, "areas": areas, "depts": depts}


def make_person(
    username: str, role: str, *, number: str, branch=None, department=None, name: str = ""
):
    return create_staff(
        username=username,
        password=PASSWORD,
        employee_no=number,
        display_name=name or username,
        role=role,
        branch=branch,
        department=department,
    )


def make_personas(org: dict) -> dict:
    return {
        "agent": make_person("agent", Role.AGENT, number="8011", name="李娜"),
        "lead": make_person("lead", Role.TEAM_LEAD, number="8001", name="王芳"),
        "supervisor": make_person("supervisor", Role.SUPERVISOR, number="8000"),
        "dept_handler": make_person(
            "handler",
            Role.DEPT_HANDLER,
            number="3101",
            department=org["depts"]["repair"],
            name="刘强",
        ),
        "dept_head": make_person(
            "head", Role.DEPT_HEAD, number="3100", department=org["depts"]["repair"], name="赵军"
        ),
        "other_dept_handler": make_person(
            "billing", Role.DEPT_HANDLER, number="3301", department=org["depts"]["billing"]
        ),
        "sz_agent": make_person("sz-agent", Role.AGENT, number="8511", branch=org["sz"]),
        "quality": make_person("quality", Role.QUALITY, number="8100"),
        "gm": make_person("gm", Role.GENERAL_MANAGER, number="0100"),
    }
