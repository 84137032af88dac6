"""factory_boy factories for the children registry.

Children, caregivers, circumstances, consents and sensitive information are created through
beneficiaries.services, as the pages and the API create them (registry number, NFC names, the
consent rules), so a factory-made record is a record the application could have made.
Names are Vietnamese (Faker vi_VN), family name first: "Nguyễn Thị Lan".
"""

import itertools
from datetime import date

import factory
from django.utils import timezone
from factory.django import DjangoModelFactory
from faker import Faker

from accounts.models import User
from beneficiaries import services
from beneficiaries.models import (
    Caregiver,
    Child,
    ChildCircumstance,
    CircumstanceGroup,
    Consent,
    Household,
    SensitiveInfo,
)
from geography.models import Commune

fake = Faker("vi_VN")
SA_PA = "03006"  # Phường Sa Pa, Lào Cai (15)
BAT_XAT = "02683"  # Xã Bát Xát, Lào Cai (15)
CAO_LANH = "29869"  # Phường Cao Lãnh, Đồng Tháp (82)
_serials = itertools.count(100001)
_phones = itertools.count(10000001)


def commune(code: str = SA_PA) -> Commune:
    return Commune.objects.current().select_related("province").get(code=code)


def vn_name(sex: str = "F") -> str:
    first = fake.first_name_female() if sex == "F" else fake.first_name_male()
    middle = "Thị" if sex == "F" else "Văn"
    return f"{fake.last_name()} {middle} {first}"


def mobile() -> str:
    """A valid Vietnamese mobile number, different at each call: 09xxxxxxxx."""
    return f"09{next(_phones) % 100_000_000:08d}"


def personal_id_for(dob: date, sex: str, *, province: str = "015", serial: int | None = None) -> str:
    """A valid 12-digit personal ID: province of birth, century/sex digit, year, 6 digits."""
    century_sex = (dob.year // 100 - 19) * 2 + (1 if sex == "F" else 0)
    return f"{province}{century_sex}{dob.year % 100:02d}{(serial or next(_serials)) % 1_000_000:06d}"


def years_ago(years: int, *, days: int = 0) -> date:
    from datetime import timedelta

    from beneficiaries.models import years_before

    return years_before(timezone.localdate(), years) + timedelta(days=days)


def user(username: str) -> User:
    return User.objects.get(username=username)


class HouseholdFactory(DjangoModelFactory):
    class Meta:
        model = Household

    commune = factory.LazyFunction(commune)
    address = factory.LazyFunction(lambda: f"Số {fake.building_number()} {fake.street_name()}")


class CaregiverFactory(DjangoModelFactory):
    class Meta:
        model = Caregiver

    household = factory.SubFactory(HouseholdFactory)
    full_name = factory.LazyFunction(lambda: vn_name("F"))
    relationship = "mother"
    phone = factory.LazyFunction(mobile)
    is_legal_guardian = True

    @classmethod
    def _create(cls, model_class, household, full_name, relationship, phone="", is_legal_guardian=False):
        return services.add_caregiver(household=household, data=services.CaregiverData(
            full_name, relationship, phone, is_legal_guardian))


class ChildFactory(DjangoModelFactory):
    """ChildFactory(full_name=..., commune=commune(CAO_LANH), created_by=user("worker"), ...).

    Registered with services.register_child (its own household unless one is given); fields
    the service does not set (is_active, ...) are written afterwards."""

    class Meta:
        model = Child

    sex = factory.Iterator(["F", "M"])
    full_name = factory.LazyAttribute(lambda o: vn_name(o.sex))
    date_of_birth = factory.LazyFunction(lambda: fake.date_between(years_ago(15, days=1), years_ago(0)))
    ethnicity = "01"
    commune = factory.LazyFunction(commune)
    poverty_status = "none"

    @classmethod
    def _create(cls, model_class, *args, created_by=None, household=None, caregivers=(), **kwargs):
        data = {k: v for k, v in kwargs.items() if k in services.EDITABLE_FIELDS}
        extra = {k: v for k, v in kwargs.items() if k not in services.EDITABLE_FIELDS}
        child = services.register_child(data=data, by=created_by, household=household,
                                        caregivers=[services.CaregiverData(*c) for c in caregivers])
        if extra:
            Child.objects.filter(pk=child.pk).update(**extra)
            child.refresh_from_db()
        return child


class ChildCircumstanceFactory(DjangoModelFactory):
    class Meta:
        model = ChildCircumstance

    child = factory.SubFactory(ChildFactory)
    group = factory.LazyFunction(lambda: CircumstanceGroup.objects.get(code="ORPHAN_BOTH"))
    subgroup = None
    started_on = factory.LazyFunction(lambda: years_ago(1))
    recorded_by = None

    @classmethod
    def _create(cls, model_class, child, group, subgroup, started_on, recorded_by):
        return services.add_circumstance(child, group=group, subgroup=subgroup, started_on=started_on,
                                         by=recorded_by)


class ConsentFactory(DjangoModelFactory):
    class Meta:
        model = Consent

    child = factory.SubFactory(ChildFactory)
    purpose = "processing"
    given_by_name = factory.LazyFunction(lambda: vn_name("F"))
    child_agreed = True
    given_on = factory.LazyFunction(timezone.localdate)
    recorded_by = None

    @classmethod
    def _create(cls, model_class, child, recorded_by=None, **kwargs):
        return services.record_consent(child, by=recorded_by, **kwargs)


# Markers that must never be seen by anyone but the key worker and supervisors.
SECRET_ABUSE = "BÍ-MẬT-XÂM-HẠI-7731"
SECRET_DRUGS = "BÍ-MẬT-MA-TÚY-7732"
SECRET_LAW = "BÍ-MẬT-VI-PHẠM-7733"


class SensitiveInfoFactory(DjangoModelFactory):
    class Meta:
        model = SensitiveInfo

    child = factory.SubFactory(ChildFactory)
    hiv_status = "positive"
    sexual_abuse_history = SECRET_ABUSE
    drug_use = SECRET_DRUGS
    conflict_with_law = SECRET_LAW

    @classmethod
    def _create(cls, model_class, child, **kwargs):
        return services.update_sensitive(child, data=kwargs, by=None)
