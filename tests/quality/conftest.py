import pytest

from kefu.accounts.models import Role
from tests.accounts.factories import make_person


@pytest.fixture
def quality(people):
    return people["quality"]


@pytest.fixture
def admin(db):
    return make_person("admin", Role.ADMIN, number="0001")


@pytest.fixture
def sz_lead(org):
    return make_person("sz-lead", Role.TEAM_LEAD, number="8501", branch=org["sz"])
