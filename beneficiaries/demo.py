"""Demo children for seed_demo: Vietnamese names in real communes of Lào Cai and Đồng Tháp,
households with caregivers, special circumstances, consent, and one suspected duplicate pair.
Idempotent: a child is recognised by name and date of birth."""

from dataclasses import dataclass, field
from datetime import date

from django.utils import timezone

from beneficiaries import services
from beneficiaries.models import Child, CircumstanceGroup, CircumstanceSubgroup
from geography.models import Commune, Village


@dataclass(frozen=True)
class DemoChild:
    name: str
    sex: str
    born: date
    commune: str
    village: str = ""
    ethnicity: str = "01"
    poverty: str = "none"
    caregiver: tuple = ()  # (name, relationship, phone)
    groups: tuple = ()  # group or sub-group codes
    schooling: str = "primary"
    sibling_of: str = ""  # name of an earlier demo child in the same household
    disability: tuple = ()  # (type, severity)
    sensitive: dict = field(default_factory=dict)


DEMO_CHILDREN = [
    DemoChild("Nguyễn Thị Hòa", "F", date(2013, 3, 14), "03006", "Tổ dân phố 1", caregiver=(
        "Nguyễn Thị Lan", "mother", "0912345678"), groups=("SERIOUSLY_HARMED_BY_VIOLENCE",),
        schooling="lower_secondary"),
    DemoChild("Nguyễn Văn Minh", "M", date(2017, 9, 2), "03006", "Tổ dân phố 1", sibling_of="Nguyễn Thị Hòa"),
    DemoChild("Giàng A Páo", "M", date(2012, 6, 20), "02683", "Thôn Bản Vai", ethnicity="08", poverty="poor",
              caregiver=("Giàng Thị Mỷ", "grandmother", "0386123456"), groups=("ORPHAN_BOTH.3",),
              schooling="dropped_out"),
    DemoChild("Lý Thị Mai", "F", date(2015, 11, 5), "02683", "Thôn Cốc Phương", ethnicity="09", poverty="near_poor",
              caregiver=("Lý Văn Sình", "father", "0977111222"), disability=("hearing_speech", "severe"),
              groups=("DISABILITY",)),
    DemoChild("Hoàng Đức Anh", "M", date(2010, 1, 30), "02647", caregiver=("Hoàng Văn Tùng", "father", "0904555666"),
              groups=("IN_CONFLICT_WITH_LAW",), schooling="upper_secondary",
              sensitive={"conflict_with_law": "Vi phạm hành chính năm 2025; đang được giáo dục tại xã."}),
    DemoChild("Vàng Thị Dợ", "F", date(2014, 8, 8), "02701", ethnicity="08", poverty="poor",
              caregiver=("Vàng A Chư", "father", "0355777888"), groups=("SCHOOL_DROPOUT_WORKING",),
              schooling="dropped_out"),
    DemoChild("Trần Minh Khôi", "M", date(2019, 4, 12), "02674", caregiver=("Trần Thị Thu", "mother", "0988222333"),
              schooling="preschool"),
    DemoChild("Phạm Ngọc Diệp", "F", date(2009, 12, 1), "02674", caregiver=("Phạm Văn Hải", "father", "0913444555"),
              schooling="upper_secondary"),
    DemoChild("Lê Thị Thu Trang", "F", date(2016, 5, 21), "29869", "Khóm 1",
              caregiver=("Lê Văn Phúc", "father", "0939123123"), groups=("NO_SUPPORT.3",)),
    DemoChild("Võ Thành Đạt", "M", date(2013, 10, 10), "29869", "Ấp Tịnh Thới", ethnicity="05", poverty="poor",
              caregiver=("Võ Thị Bé", "mother", "0868456456"), groups=("SERIOUS_ILLNESS_POOR",)),
    DemoChild("Huỳnh Kim Ngân", "F", date(2018, 2, 2), "28261", caregiver=("Huỳnh Văn Tâm", "father", "0707888999"),
              schooling="preschool"),
]
# Registered twice, the second time without diacritics: waits in the duplicate review queue.
DUPLICATE_OF_DEMO = DemoChild("Nguyen Thi Hoa", "F", date(2013, 3, 14), "03006", caregiver=(
    "Nguyen Thi Lan", "mother", "0912345678"))


def _village(commune: Commune, name: str):
    return Village.objects.filter(commune=commune, name=name).first() if name else None


def _data(demo: DemoChild, commune: Commune) -> dict:
    disability_type, severity = demo.disability or ("", "")
    return {
        "full_name": demo.name, "sex": demo.sex, "date_of_birth": demo.born, "ethnicity": demo.ethnicity,
        "commune": commune, "village": _village(commune, demo.village), "poverty_status": demo.poverty,
        "schooling": demo.schooling, "birth_registration": "registered", "disability_type": disability_type,
        "disability_severity": severity,
    }


def _groups(codes):
    for code in codes:
        subgroup = CircumstanceSubgroup.objects.filter(code=code).select_related("group").first()
        yield (subgroup.group, subgroup) if subgroup else (CircumstanceGroup.objects.get(code=code), None)


def seed_child(demo: DemoChild, *, by, duplicate_of: list[Child] = ()) -> Child:
    existing = Child.objects.filter(full_name=demo.name, date_of_birth=demo.born).first()
    if existing:
        return existing
    commune = Commune.objects.current().get(code=demo.commune)
    household = None
    if demo.sibling_of:
        household = Child.objects.get(full_name=demo.sibling_of).household
    caregivers = [services.CaregiverData(*demo.caregiver, is_legal_guardian=True)] if demo.caregiver else []
    child = services.register_child(data=_data(demo, commune), by=by, caregivers=caregivers, household=household,
                                    sensitive=demo.sensitive or None, duplicate_of=duplicate_of,
                                    duplicate_reason="Demo: registered twice without diacritics")
    for group, subgroup in _groups(demo.groups):
        services.add_circumstance(child, group=group, subgroup=subgroup, started_on=date(2025, 9, 1), by=by)
    if demo.caregiver and child.age >= 7:
        services.record_consent(child, purpose="processing", given_on=timezone.localdate(), by=by,
                                given_by=child.household.caregivers.first(), child_agreed=True)
    return child


def seed_children(users: dict) -> list[Child]:
    children = []
    for demo in DEMO_CHILDREN:
        worker = users["worker_b"] if demo.commune.startswith(("28", "29")) else users["worker"]
        children.append(seed_child(demo, by=worker))
    original = Child.objects.get(full_name=DEMO_CHILDREN[0].name)
    children.append(seed_child(DUPLICATE_OF_DEMO, by=users["worker"], duplicate_of=[original]))
    return children
