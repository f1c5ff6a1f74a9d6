import io

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from kefu.accounts.models import Role
from kefu.accounts.services import authenticate_token, create_staff, sync_role_group
from kefu.core.errors import ServiceError
from kefu.core.masking import can_view_pii


def test_token_command_prints_the_token_last_and_it_authenticates(agent):
    out = io.StringIO()
    call_command(
        "token", "create", "--user", "agent", "--name", "PBX", stdout=out, stderr=io.StringIO()
    )
    token = out.getvalue().strip().splitlines()[-1]
    assert token.startswith("kefu_")
    assert authenticate_token(token) == agent
    call_command("token", "revoke", "--prefix", token[:12], stdout=io.StringIO())
    assert authenticate_token(token) is None


def test_token_command_refuses_an_unknown_user(db):
    with pytest.raises(CommandError):
        call_command("token", "create", "--user", "nobody", stdout=io.StringIO())


def test_role_decides_who_sees_personal_data(people):
    assert can_view_pii(people["agent"])
    assert not can_view_pii(people["quality"])


def test_changing_a_role_changes_its_permissions(people):
    quality = people["quality"]
    quality.staff.role = Role.AGENT
    quality.staff.save()
    sync_role_group(quality)
    quality = type(quality).objects.get(pk=quality.pk)  # drop the permission cache
    assert can_view_pii(quality)
    assert list(quality.groups.values_list("name", flat=True)) == ["role:agent"]


def test_department_staff_need_a_department(org):
    with pytest.raises(ServiceError) as err:
        create_staff(
            username="x",
            password="pw-123456",
            employee_no="9",
            display_name="x",
            role=Role.DEPT_HANDLER,
        )
    assert err.value.field == "department"


def test_employee_numbers_are_unique(people):
    with pytest.raises(ServiceError) as err:
        create_staff(
            username="someone",
            password="pw-123456",
            employee_no="8011",
            display_name="x",
            role=Role.AGENT,
        )
    assert err.value.field == "employee_no"
