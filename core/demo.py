"""Demo data for a newcomer: users of every role in two provinces, agencies and villages.

Each later feature extends `seed_demo` here, so that logging in shows it working on realistic
data. Everything is created with get-or-create on natural keys, so running it twice changes
nothing. It refuses to run with DEBUG off unless forced (see the command).
"""

from dataclasses import dataclass

from allauth.mfa.models import Authenticator
from allauth.mfa.totp.internal.auth import TOTP
from django.conf import settings
from django.db import transaction

from accounts.models import User
from accounts.roles import Role, ScopeLevel
from agencies.models import Agency, AgencyType, ServiceType
from geography.models import Commune, Province, VillageKind
from geography.services import add_village

DEMO_PROVINCE = "15"  # Lào Cai (merged with Yên Bái, one of the mission's source provinces)
OTHER_PROVINCE = "82"  # Đồng Tháp (merged with Tiền Giang)
# The authenticator secret of the demo accounts that must use two factors. It is public on
# purpose (README): add it to an authenticator app, or run `manage.py demo_totp_code`.
DEMO_TOTP_SECRET = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"  # noqa: S105 - public demo secret, DEBUG only


@dataclass(frozen=True)
class DemoUser:
    username: str
    first_name: str
    last_name: str
    role: str
    scope_level: str
    province: str | None = None
    agency: str | None = None


DEMO_USERS = [
    DemoUser("worker", "Lan", "Nguyễn Thị", Role.SOCIAL_WORKER, ScopeLevel.PROVINCE, DEMO_PROVINCE),
    DemoUser("worker_b", "Minh", "Trần Văn", Role.SOCIAL_WORKER, ScopeLevel.PROVINCE, OTHER_PROVINCE),
    DemoUser("supervisor", "Hoa", "Lê Thị", Role.SUPERVISOR, ScopeLevel.PROVINCE, DEMO_PROVINCE),
    DemoUser("hotline", "Tuấn", "Phạm Anh", Role.HOTLINE_COUNSELLOR, ScopeLevel.PROVINCE, DEMO_PROVINCE),
    # A counsellor of Đồng Tháp's own line (hotline.demo): must see nothing of Lào Cai's line.
    DemoUser("hotline_b", "Thảo", "Nguyễn Ngọc", Role.HOTLINE_COUNSELLOR, ScopeLevel.PROVINCE, OTHER_PROVINCE),
    DemoUser("official", "Hùng", "Hoàng Văn", Role.PROVINCIAL_OFFICIAL, ScopeLevel.PROVINCE, DEMO_PROVINCE),
    DemoUser("national", "Mai", "Đỗ Thị", Role.NATIONAL_OFFICIAL, ScopeLevel.NATIONAL),
    DemoUser("partner", "Dũng", "Vũ Quốc", Role.PARTNER, ScopeLevel.PROVINCE, DEMO_PROVINCE,
             agency="Trung tâm Công tác xã hội tỉnh Lào Cai"),
    DemoUser("admin", "Quản trị", "Hệ thống", Role.ADMIN, ScopeLevel.NATIONAL),
]

# (name, type, province code or None for nationwide, service codes)
DEMO_AGENCIES = [
    ("Trung tâm Công tác xã hội tỉnh Lào Cai", AgencyType.SOCIAL_WORK_CENTRE, DEMO_PROVINCE,
     ["PSYCHOLOGICAL_THERAPY", "EMERGENCY_SHELTER"]),
    ("Bệnh viện Đa khoa tỉnh Lào Cai", AgencyType.HOSPITAL_CLINIC, DEMO_PROVINCE,
     ["MEDICAL_EXAM", "DISABILITY_SCREENING", "REHABILITATION"]),
    ("Công an tỉnh Lào Cai", AgencyType.POLICE, DEMO_PROVINCE, []),
    ("Trung tâm Trợ giúp pháp lý nhà nước tỉnh Lào Cai", AgencyType.LEGAL_AID_CENTRE, DEMO_PROVINCE, []),
    ("Trung tâm Công tác xã hội tỉnh Đồng Tháp", AgencyType.SOCIAL_WORK_CENTRE, OTHER_PROVINCE,
     ["PSYCHOLOGICAL_THERAPY", "EMERGENCY_SHELTER"]),
    ("Bệnh viện Đa khoa Đồng Tháp", AgencyType.HOSPITAL_CLINIC, OTHER_PROVINCE, ["MEDICAL_EXAM"]),
    ("Làng trẻ em SOS Việt Nam", AgencyType.SOS_CHILDRENS_VILLAGE, None, ["EMERGENCY_SHELTER"]),
    ("Tổng đài điện thoại quốc gia bảo vệ trẻ em 111", AgencyType.HOTLINE, None, ["PSYCHOLOGICAL_THERAPY"]),
]

# (commune code, [(village name, kind)])
DEMO_VILLAGES = [
    ("03006", [("Tổ dân phố 1", VillageKind.TO_DAN_PHO), ("Tổ dân phố 2", VillageKind.TO_DAN_PHO)]),
    ("02683", [("Thôn Bản Vai", VillageKind.THON), ("Thôn Cốc Phương", VillageKind.THON)]),
    ("29869", [("Khóm 1", VillageKind.KHOM), ("Ấp Tịnh Thới", VillageKind.AP)]),
]



def current_province(code: str) -> Province:
    return Province.objects.current().get(code=code)


def seed_agencies() -> dict[str, Agency]:
    agencies = {}
    services = {s.code: s for s in ServiceType.objects.all()}
    for name, agency_type, province_code, service_codes in DEMO_AGENCIES:
        province = current_province(province_code) if province_code else None
        agency, _ = Agency.objects.get_or_create(
            name=name, province=province, defaults={"agency_type": agency_type, "phone": "0214 3820 111"}
        )
        agency.service_types.add(*[services[c] for c in service_codes if c in services])
        agencies[name] = agency
    return agencies


def seed_villages() -> None:
    for commune_code, villages in DEMO_VILLAGES:
        commune = Commune.objects.current().filter(code=commune_code).first()
        if commune is None:
            continue
        for name, kind in villages:
            if not commune.villages.filter(name=name).exists():
                add_village(commune=commune, name=name, kind=kind, created_by=None)


def enrol_demo_totp(user: User) -> None:
    if not Authenticator.objects.filter(user=user, type=Authenticator.Type.TOTP).exists():
        TOTP.activate(user, DEMO_TOTP_SECRET)


def seed_users(agencies: dict[str, Agency]) -> list[User]:
    users = []
    for demo in DEMO_USERS:
        user = User.objects.filter(username=demo.username).first()
        if user is None:
            user = User(username=demo.username)
            user.set_password(settings.DEMO_PASSWORD)
        user.first_name, user.last_name = demo.first_name, demo.last_name
        user.role, user.scope_level = demo.role, demo.scope_level
        user.province = current_province(demo.province) if demo.province else None
        user.agency = agencies[demo.agency] if demo.agency else None
        user.is_staff = user.is_superuser = demo.role == Role.ADMIN
        user.full_clean(exclude=["password"])
        user.save()
        if user.requires_two_factor:
            enrol_demo_totp(user)
        users.append(user)
    return users


@transaction.atomic
def seed_demo() -> list[User]:
    from beneficiaries.demo import seed_children
    from cases.demo import seed_cases
    from hotline.demo import seed_hotline
    from referrals.demo import seed_referrals

    agencies = seed_agencies()
    seed_villages()
    users = seed_users(agencies)
    seed_children({u.username: u for u in users})
    seed_cases({u.username: u for u in users})
    seed_hotline({u.username: u for u in users})
    seed_referrals({u.username: u for u in users})
    from reports.demo import seed_statistics  # after every other seed: the snapshots count them
    seed_statistics({u.username: u for u in users})
    return users
