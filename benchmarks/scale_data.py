"""Realistic data at scale (issue 9 item 1): children with Vietnamese names in real communes and
villages, households and caregivers, ~7% in special-circumstance groups, cases at the three
levels with workflow steps and clocks met and missed, hotline calls with the real class mix,
and referrals in every status. Loaded with COPY in chunks, history triggers off (generated
rows have no history), and progress reported as it goes."""

import random
import uuid
from dataclasses import dataclass
from datetime import datetime, time, timedelta

import pgtrigger
from django.db import connection, transaction
from django.utils import timezone

from benchmarks.bulk import copy_rows, fast_load, next_ids
from core.crypto import encrypt
from core.text import fold

CHUNK = 50_000
SPECIAL_SHARE = 0.07
LEVELS = [("PREVENTION", 0.2), ("EARLY_SUPPORT", 0.5), ("INTERVENTION", 0.3)]
# 111's mix: most calls are not counselling (helpline.json volumes: ~6% counselling).
CONTACT_MIX = [("SILENT", 0.30), ("HANG_UP", 0.25), ("PRANK", 0.12), ("WRONG_NUMBER", 0.05), ("TEST", 0.02),
               ("ABUSIVE", 0.02), ("INFORMATION_REQUEST", 0.14), ("THANKS", 0.04), ("CHILD_SELF", 0.03),
               ("THIRD_PARTY", 0.025), ("FOLLOW_UP", 0.005)]
CONTACT_CLASS = {"CHILD_SELF": "COUNSELLING", "THIRD_PARTY": "COUNSELLING", "FOLLOW_UP": "COUNSELLING",
                 "INFORMATION_REQUEST": "NON_COUNSELLING", "THANKS": "NON_COUNSELLING"}
LOADED_TABLES = ["geography_village", "beneficiaries_household", "beneficiaries_caregiver", "beneficiaries_child",
                 "beneficiaries_childcircumstance", "cases_case", "cases_casedocument", "cases_caseclock",
                 "hotline_call", "referrals_referral"]
REFERRAL_STATUSES = ["SENT", "ACCEPTED", "DECLINED", "IN_PROGRESS", "COMPLETED", "CLOSED", "REVOKED"]


@dataclass
class Plan:
    children: int
    provinces: list[str]
    cases: int
    calls: int
    referrals: int
    years: int
    seed: int = 2026


def _weighted(rng, pairs):
    return rng.choices([p[0] for p in pairs], weights=[p[1] for p in pairs])[0]


class NameMaker:
    """Vietnamese names from Faker vi_VN's parts, combined quickly (a million Faker calls is slow)."""

    def __init__(self, rng):
        from faker import Faker

        fake = Faker("vi_VN")
        fake.seed_instance(rng.randint(0, 10**6))
        self.rng = rng
        self.last = sorted({fake.last_name() for _ in range(300)})
        common = sorted({fake.middle_name() for _ in range(100)})
        self.middle = {"F": ["Thị"] * 6 + ["Ngọc", "Thu", "Thanh", "Hồng", "Bảo", "Khánh"] + common,
                       "M": ["Văn"] * 6 + ["Đức", "Minh", "Quang", "Hữu", "Thành", "Gia"] + common}
        self.first = {"F": sorted({fake.first_name_female() for _ in range(400)}),
                      "M": sorted({fake.first_name_male() for _ in range(400)})}

    def child(self, sex: str) -> str:
        r = self.rng
        return f"{r.choice(self.last)} {r.choice(self.middle[sex])} {r.choice(self.first[sex])}"


def _history_off():
    return pgtrigger.ignore(*[f"{model._meta.label}:{trigger.name}" for model, trigger in pgtrigger.registered()])


def _communes(provinces):
    from geography.models import Commune

    return list(Commune.objects.current().filter(province__code__in=provinces).values_list("pk", "province__code"))


def _villages(communes, rng, by_commune: int = 5) -> dict[int, list[int]]:
    from geography.models import Village

    existing = {}
    for pk, commune_id in Village.objects.filter(commune_id__in=[c for c, _p in communes]).values_list("pk",
                                                                                                    "commune_id"):
        existing.setdefault(commune_id, []).append(pk)
    missing = [(c, f"Thôn {n}") for c, _p in communes if c not in existing for n in range(1, by_commune + 1)]
    if missing:
        ids = next_ids("geography_village", len(missing))
        now = timezone.now()
        copy_rows("geography_village", ["id", "commune_id", "name", "name_folded", "kind", "is_active",
                                        "created_at", "updated_at"],
                  ((i, c, name, fold(name), "thon", True, now, now) for i, (c, name) in zip(ids, missing, strict=True)))
        for i, (c, _name) in zip(ids, missing, strict=True):
            existing.setdefault(c, []).append(i)
    return existing


def load(plan: Plan, progress=print) -> dict:
    rng = random.Random(plan.seed)
    names = NameMaker(rng)
    communes = _communes(plan.provinces)
    if not communes:
        raise ValueError("No communes: run load_geography first, and check the province codes.")
    today = timezone.localdate()
    counts = {}
    with _history_off(), fast_load(LOADED_TABLES):
        villages = _villages(communes, rng)
        child_ids = _load_children(plan, rng, names, communes, villages, today, progress)
        counts["children"] = len(child_ids)
        case_ids = _load_cases(plan, rng, child_ids, today, progress, dict(communes))
        counts["cases"] = len(case_ids)
        counts["calls"] = _load_calls(plan, rng, names, communes, case_ids, today, progress)
        counts["referrals"] = _load_referrals(plan, rng, child_ids, case_ids, today, progress)
        progress("building indexes")
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    return counts


def _load_children(plan, rng, names, communes, villages, today, progress) -> list[tuple[int, int, str]]:
    """Returns [(child id, commune id, sex)]."""
    from beneficiaries.models import CircumstanceGroup

    groups = list(CircumstanceGroup.objects.values_list("pk", flat=True))
    now = timezone.now()
    loaded = []
    counter = {}
    for start in range(0, plan.children, CHUNK):
        size = min(CHUNK, plan.children - start)
        household_count = max(1, int(size / 1.8))
        household_ids = next_ids("beneficiaries_household", household_count)
        child_ids = next_ids("beneficiaries_child", size)
        households = []
        for hid in household_ids:
            commune, province = rng.choice(communes)
            households.append((hid, commune, province, rng.choice(villages[commune])))
        with transaction.atomic():
            copy_rows("beneficiaries_household", ["id", "public_id", "commune_id", "village_id", "address",
                                                  "created_at", "updated_at"],
                      ((h, uuid.uuid4(), c, v, f"Số {rng.randint(1, 300)}", now, now) for h, c, _p, v in households))
            copy_rows("beneficiaries_caregiver", ["household_id", "full_name", "relationship", "phone",
                                                  "is_legal_guardian", "is_active", "created_at", "updated_at"],
                      ((h, names.child("F"), "mother", f"09{rng.randint(10**7, 10**8 - 1)}", True, True, now, now)
                       for h, _c, _p, _v in households))
            rows, circumstances = [], []
            for child_id in child_ids:
                household, commune, province, village = rng.choice(households)
                sex = rng.choice("FM")
                name = names.child(sex)
                born = today - timedelta(days=rng.randint(0, 16 * 365 - 1))
                year = today.year - rng.randint(0, plan.years - 1)
                counter[(province, year)] = counter.get((province, year), 0) + 1
                rows.append((child_id, uuid.uuid4(), f"{province}-{year}-{counter[(province, year)]:07d}", name,
                             fold(name), sex, born, False, "01" if rng.random() < 0.85 else f"{rng.randint(2, 54):02d}",
                             "", "registered", commune, village, "", household, "primary", "", "",
                             _weighted(rng, [("none", 0.8), ("near_poor", 0.1), ("poor", 0.1)]),
                             "", "", "", True, "", "", 1, now, now))
                loaded.append((child_id, commune, sex))
                if rng.random() < SPECIAL_SHARE:
                    circumstances.append((child_id, rng.choice(groups), born + timedelta(days=rng.randint(0, 900)),
                                          now, now))
            copy_rows("beneficiaries_child", [
                "id", "public_id", "registry_number", "full_name", "name_folded", "sex", "date_of_birth",
                "birth_date_estimated", "ethnicity", "personal_id", "birth_registration", "commune_id", "village_id",
                "address", "household_id", "schooling", "school_name", "health_insurance_number", "poverty_status",
                "disability_type", "disability_severity", "notes", "is_active", "deactivation_reason",
                "deactivation_note", "version", "created_at", "updated_at"], rows)
            copy_rows("beneficiaries_childcircumstance", ["child_id", "group_id", "started_on", "created_at",
                                                          "updated_at"],
                      ((c, g, min(s, today), a, b) for c, g, s, a, b in circumstances))
        progress(f"children: {start + size:,} / {plan.children:,}")
    _advance_counters("child", counter)
    return loaded


def _advance_counters(kind: str, counter: dict) -> None:
    from core.models import Counter

    for (province, year), value in counter.items():
        Counter.objects.update_or_create(scope=f"{kind}:{province}:{year}", defaults={"value": value + 10**6})


def _when(rng, today, years) -> datetime:
    day = today - timedelta(days=rng.randint(0, years * 365 - 1))
    return timezone.make_aware(datetime.combine(day, time(rng.randint(0, 23), rng.randint(0, 59))))


WORKERS_PER_COMMUNE = 2  # a commune's child protection officer and a district social worker's share
DEMO_SHARE = 0.001  # of a province's cases, given to its demo workers so their pages look real


def _workforce(plan, province_of) -> dict[str, tuple[list[int], list[int]]]:
    """Per province: (generated workers, demo workers), two per commune, so that a worker's pages
    and the supervisor's worker filter hold what a real province has (not two demo workers with
    50,000 cases each)."""
    from django.contrib.auth.hashers import make_password

    from accounts.models import User
    from geography.models import Province

    communes_in = {}
    for province_code in province_of.values():
        communes_in[province_code] = communes_in.get(province_code, 0) + 1
    unusable = make_password(None)
    workforce = {}
    for province in Province.objects.current().filter(code__in=plan.provinces):
        count = WORKERS_PER_COMMUNE * communes_in.get(province.code, 1)
        User.objects.bulk_create([
            User(username=f"scale_worker_{province.code}_{n}", role="social_worker", scope_level="province",
                 province=province, first_name="Cán bộ", last_name=f"{province.code}-{n}", password=unusable)
            for n in range(count)], ignore_conflicts=True)
        generated = list(User.objects.filter(username__startswith=f"scale_worker_{province.code}_")
                         .values_list("pk", flat=True))
        demo = list(User.objects.filter(role="social_worker", province=province)
                    .exclude(username__startswith="scale_worker_").values_list("pk", flat=True))
        workforce[province.code] = (generated, demo)
    return workforce


def _caseworker(rng, workforce, province) -> int | None:
    generated, demo = workforce.get(province, ([], []))
    if demo and (rng.random() < DEMO_SHARE or not generated):
        return rng.choice(demo)
    return rng.choice(generated) if generated else None


def _load_cases(plan, rng, children, today, progress, province_of) -> list[tuple[int, int, int]]:
    """Cases with their Form 01, steps and clocks. Returns [(case id, child id, commune id)]."""
    workers = _workforce(plan, province_of)
    statuses = ["RECEIVED", "INITIAL_ASSESSMENT", "DETAILED_ASSESSMENT", "CASE_CONFERENCE", "PLAN_DRAFTED",
                "PLAN_SUBMITTED", "IN_PROGRESS", "REVIEW", "CLOSED", "CLOSED", "CLOSED"]
    loaded, counter, used = [], {}, set()
    now = timezone.now()
    for start in range(0, plan.cases, CHUNK):
        size = min(CHUNK, plan.cases - start)
        ids = next_ids("cases_case", size)
        rows, docs, clocks = [], [], []
        for case_id in ids:
            child, commune, _sex = rng.choice(children)
            level = _weighted(rng, LEVELS)
            status = rng.choice(statuses)
            while (child, level) in used and status != "CLOSED":
                status = "CLOSED"
            if status != "CLOSED":
                used.add((child, level))
            received = _when(rng, today, plan.years)
            province = province_of[commune]
            counter[(province, received.year)] = counter.get((province, received.year), 0) + 1
            closed = received + timedelta(days=rng.randint(20, 120)) if status == "CLOSED" else None
            emergency = level == "INTERVENTION" and rng.random() < 0.4
            number = f"HS-{province}-{received.year}-{counter[(province, received.year)]:07d}"
            case_clocks = []
            if emergency:
                due = received + timedelta(hours=12)
                met = received + timedelta(hours=rng.randint(1, 20))
                case_clocks.append((case_id, "EMERGENCY_12H", received, due, met))
            if level != "PREVENTION":
                due = received + timedelta(days=7)
                met = received + timedelta(days=rng.randint(2, 10)) if status not in ("RECEIVED",) else None
                case_clocks.append((case_id, "PLAN_DRAFT_5WD", received, due, met))
            # What the case_next_due trigger would compute (triggers are off during the load).
            next_due = min((c[3] for c in case_clocks if c[4] is None), default=None)
            rows.append((case_id, uuid.uuid4(), number, child,
                         level, "ABUSED" if level == "INTERVENTION" else "AT_RISK", "", "PHONE",
                         rng.choice(["HOTLINE", "SCHOOL", "COMMUNITY", "POLICE"]), received, commune, emergency,
                         status, _caseworker(rng, workers, province), None, "", min(closed, now) if closed else None,
                         "GOALS_MET" if closed else "", "", 1, next_due, now, now))
            docs.append((case_id, "INTAKE", encrypt('{"receiving_body": "UBND xã"}'), now, now))
            clocks.extend(case_clocks)
            loaded.append((case_id, child, commune))
        with transaction.atomic():
            copy_rows("cases_case", [
                "id", "public_id", "case_number", "child_id", "level", "category", "abuse_setting", "channel", "source",
                "received_at", "commune_id", "is_emergency", "status", "assigned_worker_id", "opened_by_id", "summary",
                "closed_at", "closure_reason", "outcome", "version", "next_due_at", "created_at", "updated_at"], rows)
            copy_rows("cases_casedocument", ["case_id", "kind", "content", "created_at", "updated_at"], docs)
            copy_rows("cases_caseclock", ["case_id", "code", "started_at", "due_at", "met_at"], clocks)
        progress(f"cases: {start + size:,} / {plan.cases:,}")
    _advance_counters("case", counter)
    return loaded


def _load_calls(plan, rng, names, communes, cases, today, progress) -> int:
    from hotline.models import Hotline

    hotline = Hotline.objects.get(code="111")
    now = timezone.now()
    for start in range(0, plan.calls, CHUNK):
        size = min(CHUNK, plan.calls - start)
        rows = []
        for _n in range(size):
            received = _when(rng, today, plan.years)
            answered = rng.random() > 0.08
            contact = _weighted(rng, CONTACT_MIX) if answered else ""
            klass = CONTACT_CLASS.get(contact, "NON_CONTACT") if answered else "NON_CONTACT"
            counselling = klass == "COUNSELLING"
            commune = rng.choice(communes)[0] if counselling else None
            rows.append((uuid.uuid4(), hotline.pk, "COMPLETE", received,
                         received + timedelta(seconds=rng.randint(3, 60)) if answered else None,
                         received + timedelta(seconds=rng.randint(60, 1500)),
                         "ANSWERED" if answered else "ABANDONED_IN_QUEUE", contact, klass,
                         f"09{rng.randint(10**7, 10**8 - 1)}" if counselling else "", commune,
                         encrypt("Tư vấn về bạo lực gia đình") if counselling else "", "{}", "{}", False,
                         "CHILD_SELF" if contact == "CHILD_SELF" else "", False, "", "", "", "", "", now, now))
        copy_rows("hotline_call", [
            "public_id", "hotline_id", "status", "received_at", "answered_at", "ended_at", "connection_outcome",
            "contact_type", "reporting_class", "caller_phone", "child_commune_id", "summary", "actions_taken", "draft",
            "do_not_call_back", "caller_relationship", "caller_anonymous", "caller_name", "child_name", "child_sex",
            "urgency", "follow_up", "created_at", "updated_at"], rows)
        progress(f"calls: {start + size:,} / {plan.calls:,}")
    return plan.calls


def _load_referrals(plan, rng, children, cases, today, progress) -> int:
    from agencies.models import Agency, ServiceType

    agencies = list(Agency.objects.values_list("pk", flat=True))
    services = list(ServiceType.objects.values_list("pk", flat=True))
    if not agencies or not cases:
        return 0
    now = timezone.now()
    rows = []
    for _n in range(plan.referrals):
        case_id, child, commune = rng.choice(cases)
        sent = _when(rng, today, plan.years)
        status = rng.choice(REFERRAL_STATUSES)
        done = sent + timedelta(days=rng.randint(3, 40)) if status in ("COMPLETED", "CLOSED") else None
        rows.append((uuid.uuid4(), child, case_id, rng.choice(agencies), rng.choice(services), "Cần hỗ trợ",
                     "NORMAL", (sent + timedelta(days=5)).date(), "{name,age,sex,commune,reason}", status, "", "",
                     sent, sent + timedelta(days=1) if status != "SENT" else None, min(done, now) if done else None,
                     "", now, now, commune))
    # area_commune is the case's commune: set here because the load runs with triggers off.
    copy_rows("referrals_referral", [
        "public_id", "child_id", "case_id", "agency_id", "service_type_id", "reason", "urgency", "respond_by",
        "shared_fields", "status", "decline_reason", "outcome", "sent_at", "responded_at", "completed_at",
        "consent_override_reason", "created_at", "updated_at", "area_commune_id"], rows)
    progress(f"referrals: {plan.referrals:,}")
    return plan.referrals
