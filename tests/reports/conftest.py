"""Fixtures of the statistics tests: random but reproducible data in two provinces (Lào Cai 15 and
Đồng Tháp 82), made with the registry's factories and the cases services as the pages make it, and
helpers to build and read snapshots."""

import random
from datetime import date, datetime, time, timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from accounts.models import User
from agencies.models import Agency, ServiceType
from beneficiaries.models import CircumstanceGroup
from cases import services as case_services
from cases.choices import AbuseSetting, ChildCategory, Level
from cases.models import AbuseType, Case, CaseClock, DocumentKind
from geography.models import Commune, Province
from hotline.choices import CONTACT_CLASS, ContactType
from hotline.models import Call, CallCategory, Hotline
from referrals.choices import ReferralStatus
from referrals.models import Referral
from reports import periods
from reports.models import ChildFriendlyAssessment, CommunicationEvent, FundRecord, Indicator, IndicatorValue
from reports.services import build_province
from tests.beneficiaries import factories as f
from tests.cases.conftest import content, fill, step

LAO_CAI, DONG_THAP = "15", "82"
SA_PA, BAT_XAT, CAO_LANH = "03006", "02683", "29869"
SEED = 20261126
YEAR = periods.current("year").code


def province(code: str) -> Province:
    return Province.objects.current().get(code=code)


def commune(code: str) -> Commune:
    return Commune.objects.current().select_related("province").get(code=code)


def build(period_code: str, *province_codes: str) -> None:
    period = periods.parse(period_code)
    for code in province_codes or (LAO_CAI, DONG_THAP):
        build_province(period, province(code).pk)


def snapshot(period_code: str, province_code: str, indicator: str | None = None) -> dict:
    """{(indicator, commune id, dimension, value): (numerator, denominator)} as stored."""
    qs = IndicatorValue.objects.filter(period=period_code, province__code=province_code,
                                       province__valid_until__isnull=True)
    if indicator:
        qs = qs.filter(indicator__code=indicator)
    return {(v.indicator.code, v.commune_id, v.dimension, v.dimension_value): (v.numerator, v.denominator)
            for v in qs.select_related("indicator")}


def aware(day: date, hour: int = 9) -> datetime:
    return timezone.make_aware(datetime.combine(day, time(hour)))


class World:
    """The generated data's handles: the communes used, the people who worked, the random source."""

    def __init__(self, rng: random.Random):
        self.rng = rng
        self.now = timezone.now()
        self.today = timezone.localdate()
        # Two years back, so that the current year, its quarter and the previous year all have data.
        self.first_day = date(self.today.year - 1, 1, 1)
        self.communes = {LAO_CAI: [commune(SA_PA), commune(BAT_XAT), self._another(LAO_CAI, {SA_PA, BAT_XAT})],
                         DONG_THAP: [commune(CAO_LANH), self._another(DONG_THAP, {CAO_LANH})]}
        self.workers = {LAO_CAI: f.user("worker"), DONG_THAP: f.user("worker_b")}
        supervisor_b, _created = User.objects.get_or_create(username="supervisor_dt", defaults={
            "first_name": "Thảo", "last_name": "Ngô Thị", "role": "supervisor", "scope_level": "province",
            "province": province(DONG_THAP)})
        self.supervisors = {LAO_CAI: f.user("supervisor"), DONG_THAP: supervisor_b}
        self.cases: list[Case] = []

    @staticmethod
    def _another(province_code: str, used: set[str]) -> Commune:
        return (Commune.objects.current().filter(province__code=province_code).exclude(code__in=used)
                .order_by("code").first())

    def day(self, *, latest: date | None = None) -> date:
        latest = latest or self.today
        return self.first_day + timedelta(days=self.rng.randrange((latest - self.first_day).days + 1))

    def moment(self, *, after: date | None = None, before: datetime | None = None) -> datetime:
        """A time between the first day (or `after`, if later) and `before` (default: one day ago)."""
        before = before or self.now - timedelta(days=1)
        start = aware(max(self.first_day, after or self.first_day), 0)
        return start + timedelta(seconds=self.rng.randrange(max(int((before - start).total_seconds()), 1)))


def _children(world: World, province_code: str, commune_obj: Commune) -> list:
    rng = world.rng
    groups = list(CircumstanceGroup.objects.all())
    made = []
    for _n in range(rng.randint(6, 9)):
        age_days = rng.randrange(0, 18 * 365)  # some are 16 or older and must not be counted
        extra = {}
        if rng.random() < 0.1:
            extra["is_active"] = False
        born = world.today - timedelta(days=age_days)
        if rng.random() < 0.5:
            extra["created_at"] = world.moment(after=born)  # registered after birth, maybe last year
        disability = rng.choice(["", "", "mobility", "vision", "intellectual"])
        child = f.ChildFactory(
            commune=commune_obj, created_by=world.workers[province_code], sex=rng.choice(["F", "M"]),
            date_of_birth=born, poverty_status=rng.choice(["poor", "near_poor",
                                                                                               "none", "none"]),
            disability_type=disability, disability_severity=rng.choice(["severe", "mild", ""]) if disability else "",
            **extra)
        for group in rng.sample(groups, rng.choice([0, 1, 1, 2])):
            circumstance = f.ChildCircumstanceFactory(child=child, group=group, started_on=world.day(),
                                                      recorded_by=world.workers[province_code])
            if rng.random() < 0.25:
                ended = circumstance.started_on + timedelta(days=rng.randrange(1, 200))
                circumstance.ended_on = min(ended, world.today)
                circumstance.save(update_fields=["ended_on"])
        if rng.random() < 0.3:
            f.SensitiveInfoFactory(child=child, hiv_status=rng.choice(["positive", "affected", "negative"]))
        made.append(child)
    return made


def _open(world: World, province_code: str, child, level: str, *, received_at: datetime | None = None,
          category: str | None = None, emergency: bool | None = None) -> Case:
    rng = world.rng
    category = category or rng.choice([ChildCategory.ABUSED, ChildCategory.ABUSED, ChildCategory.AT_RISK,
                                       ChildCategory.SPECIAL_CIRCUMSTANCES])
    abuse_types = []
    setting = ""
    if category == ChildCategory.ABUSED:
        top = list(AbuseType.objects.filter(parent__isnull=True))
        abuse_types = rng.sample(top, rng.choice([0, 1, 1, 2]))
        setting = rng.choice(AbuseSetting.values)
    case = case_services.open_case(
        child=child, level=level, category=category, channel="PHONE", source="COMMUNITY",
        received_at=received_at or world.moment(after=child.date_of_birth), commune=child.commune,
        is_emergency=rng.random() < 0.3 if emergency is None else emergency, by=world.workers[province_code],
        intake=content(DocumentKind.INTAKE), abuse_types=abuse_types, abuse_setting=setting)
    world.cases.append(case)
    return case


def _work_on(world: World, province_code: str, case: Case) -> None:
    """Emergency protection on time or late, plans approved on time or late, services delivered,
    closures: the clocks and dates the deadline indicators count."""
    rng = world.rng
    worker, supervisor = world.workers[province_code], world.supervisors[province_code]
    services = list(ServiceType.objects.all()[:6])
    if case.is_emergency and rng.random() < 0.8:
        hours = rng.choice([2, 6, 11, 14, 20])  # within 12 hours, or late
        decided = timezone.localtime(min(case.received_at + timedelta(hours=hours), world.now))
        fill(case, DocumentKind.SEPARATION, worker, decided_at=decided.strftime("%Y-%m-%dT%H:%M"))
        case = step(case, "record_emergency_protection", by=worker)
    for _n in range(rng.choice([0, 0, 1, 2])):
        case_services.record_service(case, by=worker, service_type=rng.choice(services),
                                     delivered_on=world.day(latest=world.today))
    if case.level != Level.PREVENTION and rng.random() < 0.5:
        if case.status == "RECEIVED":
            case = step(case, "start_initial_assessment", by=worker)
        for action in ("start_detailed_assessment", "hold_case_conference", "start_plan", "submit_plan"):
            case = step(case, action, by=worker)
        case = step(case, "approve_plan", by=supervisor)
        # The approval is dated now; the clocks say whether drafting and approving were on time.
        for clock in CaseClock.objects.filter(case=case, code__in=["PLAN_DRAFT_5WD", "PLAN_APPROVAL_2WD"]):
            late = rng.random() < 0.3
            clock.met_at = clock.due_at + timedelta(hours=5) if late else clock.due_at - timedelta(hours=3)
            clock.save(update_fields=["met_at"])
        if rng.random() < 0.2:  # a re-plan whose new draft clock is still running
            CaseClock.objects.create(case=case, code="PLAN_DRAFT_5WD", started_at=world.now,
                                     due_at=world.now + timedelta(days=rng.choice([-2, 6])))
    elif case.status == "RECEIVED" and rng.random() < 0.3:
        case = step(case, "start_initial_assessment", by=worker)
        reason = rng.choice(["GOALS_MET", "MOVED", "NO_PROTECTION_NEED"])
        fill(case, DocumentKind.CLOSURE, worker, closure_reason=reason)
        case = step(case, "request_closure", by=worker)
        step(case, "approve_closure", by=supervisor)


def _calls(world: World, province_code: str, cases: list[Case]) -> None:
    rng = world.rng
    lines = {LAO_CAI: Hotline.objects.get(code="LC-HOTLINE"), "111": Hotline.objects.get(code="111")}
    topics = list(CallCategory.objects.filter(parent__isnull=False))
    for _n in range(rng.randint(8, 12)):
        contact = rng.choice(list(ContactType))
        on_national = province_code == DONG_THAP or rng.random() < 0.3
        about = rng.choice(world.communes[province_code] + [None]) if not on_national else rng.choice(
            world.communes[province_code])
        call = Call.objects.create(
            hotline=lines["111"] if on_national else lines[LAO_CAI], status="COMPLETE", received_at=world.moment(),
            contact_type=contact, reporting_class=CONTACT_CLASS[contact], child_commune=about,
            case=rng.choice(cases) if cases and rng.random() < 0.2 else None)
        if CONTACT_CLASS[contact] == "COUNSELLING" and rng.random() < 0.8:
            call.categories.set(rng.sample(topics, rng.choice([1, 2])))
    # A national-line call with no commune is nobody's province's; another province's is not ours.
    Call.objects.create(hotline=lines["111"], status="COMPLETE", received_at=world.moment(), contact_type="SILENT",
                        reporting_class="NON_CONTACT")


def _referrals(world: World, province_code: str, children: list) -> None:
    rng = world.rng
    agency = Agency.objects.filter(province__code=province_code).first() or Agency.objects.first()
    services = list(ServiceType.objects.all()[:5])
    for child in rng.sample(children, min(len(children), 6)):
        status = rng.choice(list(ReferralStatus))
        sent = world.moment()
        completed = sent + timedelta(days=rng.randrange(1, 20)) if status in ("COMPLETED", "CLOSED") else None
        if completed and rng.random() < 0.2:
            completed = None  # closed after a decline: no outcome
        Referral.objects.create(child=child, agency=agency, service_type=rng.choice(services), reason="Cần hỗ trợ",
                                respond_by=world.today, status=status, sent_at=sent,
                                completed_at=min(completed, world.now) if completed else None,
                                sent_by=world.workers[province_code])
    # A child in special circumstances whose only support is a referral completed yesterday, whose
    # sender has closed the loop since: still a child supported in the period.
    in_group = [c for c in children if c.circumstances.filter(ended_on__isnull=True).exists()
                and not c.cases.exists() and c.is_active and c.date_of_birth > f.years_ago(15)]
    for child in in_group[:1]:
        Referral.objects.create(child=child, agency=agency, service_type=services[0], reason="Cần hỗ trợ",
                                respond_by=world.today, status=ReferralStatus.CLOSED,
                                sent_at=world.now - timedelta(days=10), completed_at=world.now - timedelta(days=1),
                                sent_by=world.workers[province_code])


def _commune_inputs(world: World, province_code: str) -> None:
    rng = world.rng
    for commune_obj in world.communes[province_code]:
        for year in (world.today.year - 1, world.today.year):
            if rng.random() < 0.7:
                ChildFriendlyAssessment.objects.update_or_create(commune=commune_obj, year=year, defaults={
                    "area_type": "other", "scores": {}, "total": rng.randint(700, 1000),
                    "recognised": rng.random() < 0.6})
        for _n in range(rng.randint(0, 3)):
            FundRecord.objects.create(commune=commune_obj, recorded_on=world.day(),
                                      amount_vnd=rng.randint(1, 90) * 10**6, children_helped=rng.randint(0, 40))
        for _n in range(rng.randint(0, 3)):
            CommunicationEvent.objects.create(commune=commune_obj, held_on=world.day(), kind=rng.choice(
                ["communication", "training", "club"]), title="Truyền thông", people_reached=rng.randint(5, 300))


def generate(seed: int = SEED) -> World:
    world = World(random.Random(seed))
    rng = world.rng
    for province_code in (LAO_CAI, DONG_THAP):
        everyone = []
        for commune_obj in world.communes[province_code]:
            children = _children(world, province_code, commune_obj)
            everyone += children
            for child in children:
                levels = rng.sample(list(Level), rng.choice([0, 0, 1, 1, 2]))
                for level in levels:
                    case = _open(world, province_code, child, level)
                    _work_on(world, province_code, case)
        _calls(world, province_code, [c for c in world.cases if c.commune.province.code == province_code])
        _referrals(world, province_code, everyone)
        _commune_inputs(world, province_code)
    return world


@pytest.fixture
def world(db) -> World:
    return generate()


def as_decimal(pair) -> tuple:
    numerator, denominator = pair
    return (Decimal(numerator), None if denominator is None else Decimal(denominator))


@pytest.fixture
def put(db):
    """put(code, numerator, denominator=None, province="15", commune=None, dimension="", value="") -> a
    snapshot value written directly: dashboards read only snapshots, so a test can set any figure."""
    IndicatorValue.objects.all().delete()
    indicators = {i.code: i for i in Indicator.objects.all()}

    def _put(code, numerator, denominator=None, *, province_code=LAO_CAI, commune_code=None, dimension="",
             value="", period=YEAR):
        return IndicatorValue.objects.create(
            indicator=indicators[code], period=period, period_kind=periods.parse(period).kind,
            province=province(province_code), commune=commune(commune_code) if commune_code else None,
            dimension=dimension, dimension_value=value, numerator=Decimal(numerator),
            denominator=None if denominator is None else Decimal(denominator))

    return _put


@pytest.fixture
def figures(put):
    """Lào Cai: 3 cases opened (a small province total, shown), Sa Pa 3 (small: masked for officials),
    Bát Xát 9; one HIV child in Sa Pa (sensitive); supported rates 2/10 in Sa Pa, 12/20 in Bát Xát.
    Đồng Tháp: 40 cases opened, a figure the official of Lào Cai must never see."""
    put("CASES_OPENED", 12)
    put("CASES_OPENED", 3, commune_code=SA_PA)
    put("CASES_OPENED", 9, commune_code=BAT_XAT)
    put("CASES_OPENED", 2, dimension="level", value="INTERVENTION")
    put("CASES_OPENED", 10, dimension="level", value="PREVENTION")
    put("CASES_OPENED", 3, commune_code=SA_PA, dimension="level", value="INTERVENTION")
    put("CHILDREN_HIV", 1)
    put("CHILDREN_HIV", 1, commune_code=SA_PA)
    put("CSC_SUPPORTED_RATE", 8, 20)
    put("CSC_SUPPORTED_RATE", 2, 10, commune_code=SA_PA)
    put("CSC_SUPPORTED_RATE", 12, 20, commune_code=BAT_XAT)
    put("CHILD_FRIENDLY_COMMUNES_RATE", 1, 1, commune_code=SA_PA)
    put("CASES_OPENED", 40, province_code=DONG_THAP)
    put("CASES_OPENED", 40, province_code=DONG_THAP, commune_code=CAO_LANH)
