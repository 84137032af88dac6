"""Fixtures of the referrals tests: the cases tests' fresh children and cases, the two Lào Cai
agencies of the demo (the partner's Social Work Centre and the legal aid centre), a partner user of
the legal aid centre (another agency), sharing consent, and `refer` with sensible defaults."""

from datetime import timedelta

import pytest
from django.utils import timezone

from accounts.models import User
from agencies.models import Agency, ServiceType
from beneficiaries import services as registry
from referrals import services
from tests.cases import conftest as cases

# The cases tests' fixtures and helpers, shared here.
worker, supervisor, new_child, open_case = cases.worker, cases.supervisor, cases.new_child, cases.open_case
add_task, step = cases.add_task, cases.step

SWC = "Trung tâm Công tác xã hội tỉnh Lào Cai"
LEGAL_AID = "Trung tâm Trợ giúp pháp lý nhà nước tỉnh Lào Cai"


@pytest.fixture
def swc(db):
    """The demo partner's agency."""
    return Agency.objects.get(name=SWC)


@pytest.fixture
def legal_aid(db):
    return Agency.objects.get(name=LEGAL_AID)


@pytest.fixture
def partner(persona):
    return persona("partner")


@pytest.fixture
def partner_b(db, legal_aid):
    """A partner user of another agency (the legal aid centre)."""
    return User.objects.create_user(username="legal_aid_partner", password="x-not-used-x", first_name="An",
                                    last_name="Trần Văn", role="partner", scope_level="province",
                                    province=legal_aid.province, agency=legal_aid)


def service(code: str = "PSYCHOLOGICAL_THERAPY") -> ServiceType:
    return ServiceType.objects.get(code=code)


def give_consent(child, by, agency=None):
    """Sharing consent, for any partner agency (agency=None) or one agency."""
    return registry.record_consent(child, purpose="sharing", given_on=timezone.localdate(), by=by,
                                   given_by_name="Lò Văn Pá", child_agreed=True, agency=agency)


@pytest.fixture
def refer(db, worker, swc):
    """refer(child, **changes) -> a referral sent by `worker` to the Social Work Centre (consent
    must exist unless an override is given)."""

    def _refer(child, *, by=None, agency=None, code="PSYCHOLOGICAL_THERAPY", **changes):
        data = {"reason": "Cháu cần tham vấn tâm lý sau sự việc.", "respond_by": timezone.localdate()
                + timedelta(days=3), **changes}
        referral, _created = services.send_referral(child=child, agency=agency or swc, service_type=service(code),
                                                    by=by or worker, **data)
        return referral

    return _refer


@pytest.fixture
def consented_child(new_child, worker):
    """consented_child() -> a new child of Sa Pa with consent to share with any partner agency."""

    def _child(**kwargs):
        child = new_child(**kwargs)
        give_consent(child, worker)
        return child

    return _child


@pytest.fixture(autouse=True)
def english(settings):
    """These tests read messages in English (the interface defaults to Vietnamese)."""
    settings.LANGUAGE_CODE = "en"
