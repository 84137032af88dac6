"""Fixtures of the hotline tests. The demo data (loaded once per session) holds the national 111
and the Lào Cai line with `hotline` on both and `supervisor` on the Lào Cai line; tests that count
use a line of their own (`fresh_line`), so the demo's calls never change their numbers."""

from datetime import timedelta
from itertools import count

import pytest
from django.utils import timezone

from accounts.models import User
from geography.models import Commune, Province
from hotline import services
from hotline.choices import ConnectionOutcome
from hotline.models import Call, CallCategory, Hotline

SA_PA = "03006"  # Phường Sa Pa, Lào Cai (15)
CAO_LANH = "29869"  # Đồng Tháp (82)
_serial = count(1)


def commune(code: str = SA_PA) -> Commune:
    return Commune.objects.current().select_related("province").get(code=code)


def categories(*codes: str) -> list[CallCategory]:
    return list(CallCategory.objects.filter(code__in=codes))


def counselling_data(**overrides) -> dict:
    """A counselling call's cleaned data, as CounsellingForm.call_data gives it."""
    data = {"contact_type": "THIRD_PARTY", "caller_relationship": "NEIGHBOUR_COMMUNITY", "caller_anonymous": True,
            "caller_name": "", "caller_phone": "", "child": None, "child_name": "", "child_sex": "F", "child_age": 13,
            "child_commune": commune(SA_PA), "urgency": "EMERGENCY",
            "summary": "Cháu bị cha dượng đánh, sợ không dám về nhà.", "actions_taken": ["COUNSELLED"],
            "follow_up": "", "do_not_call_back": False}
    data.update(overrides)
    return data


def logged_call(line: Hotline, counsellor: User, contact_type: str = "SILENT", cats=(), **kwargs) -> Call:
    """A call answered now and logged through the services, as the call screen does."""
    call = services.start_call(hotline=line, counsellor=counsellor)
    if contact_type in ("CHILD_SELF", "THIRD_PARTY", "FOLLOW_UP"):
        return services.complete_call(call, data=counselling_data(contact_type=contact_type, **kwargs),
                                      categories=cats, by=counsellor)
    return services.quick_log(call, contact_type=contact_type, by=counsellor)


def phone_call(line: Hotline, outcome: str = ConnectionOutcome.ABANDONED_IN_QUEUE, *, wait: int = 30,
               talk: int = 0, phone: str = "", counsellor=None, minutes_ago: int = 30) -> Call:
    received = timezone.now() - timedelta(minutes=minutes_ago)
    answered = received + timedelta(seconds=wait) if outcome == ConnectionOutcome.ANSWERED else None
    ended = (answered or received + timedelta(seconds=wait)) + timedelta(seconds=talk)
    call, _created = services.record_from_phone_system(
        hotline=line, idempotency_key=f"test-{next(_serial)}", received_at=received, answered_at=answered,
        ended_at=ended, connection_outcome=outcome, caller_phone=phone, counsellor=counsellor)
    return call


@pytest.fixture
def national(db) -> Hotline:
    return Hotline.objects.get(code="111")


@pytest.fixture
def lao_cai_line(db) -> Hotline:
    return Hotline.objects.get(code="LC-HOTLINE")


@pytest.fixture
def counsellor(persona) -> User:
    return persona("hotline")


@pytest.fixture
def fresh_line(db, persona) -> Hotline:
    """A line with no call yet: the hotline counsellor and the supervisor are its members."""
    line = Hotline.objects.create(code=f"T{next(_serial)}", name="Đường dây thử nghiệm", number="02143000000",
                                  province=Province.objects.current().get(code="15"))
    line.members.add(persona("hotline"), persona("supervisor"))
    return line
