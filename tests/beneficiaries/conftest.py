"""Fixtures of the registry tests: API clients for personas, a second social worker, and a fully
recorded child of Lào Cai (province A) that worker_b in Đồng Tháp (province B) must never reach."""

import pytest
from rest_framework.test import APIClient

from accounts.models import User
from beneficiaries.models import CircumstanceGroup
from tests.beneficiaries import factories as f

CHILD_A_PHONE = "0971234509"


@pytest.fixture
def api(db):
    """api("worker") -> a DRF client signed in (session) as that persona."""

    def _api(username: str) -> APIClient:
        client = APIClient()
        client.force_login(User.objects.get(username=username))
        return client

    return _api


@pytest.fixture
def other_worker(db):
    """A second social worker of Lào Cai: same area as `worker`, but key worker of nobody."""
    worker = User.objects.get(username="worker")
    return User.objects.create_user(
        username="worker_lc2", password="x-not-used-x", first_name="Bình", last_name="Đào Văn",
        role="social_worker", scope_level="province", province=worker.province,
    )


@pytest.fixture
def child_a(db):
    """Nguyễn Thị Hòa, Phường Sa Pa (Lào Cai), key worker `worker`: a caregiver with a phone,
    a personal ID, sensitive information, a sensitive and a plain group, and a consent."""
    worker = f.user("worker")
    dob = f.years_ago(10, days=-40)
    child = f.ChildFactory(
        full_name="Nguyễn Thị Hòa", sex="F", date_of_birth=dob, personal_id=f.personal_id_for(dob, "F"),
        created_by=worker, caregivers=[("Trần Thị Mai", "mother", CHILD_A_PHONE, True)],
    )
    f.SensitiveInfoFactory(child=child)
    f.ChildCircumstanceFactory(child=child, group=CircumstanceGroup.objects.get(code="HIV"), recorded_by=worker)
    f.ChildCircumstanceFactory(child=child, group=CircumstanceGroup.objects.get(code="ORPHAN_BOTH"),
                               recorded_by=worker)
    f.ConsentFactory(child=child, recorded_by=worker, given_by_name="Trần Thị Mai")
    return child
