"""An independent recount of every indicator from the source tables, for the correctness tests.

Written from the catalogue's definitions (reports/data/indicator_catalogue.json) with plain Python
loops over model instances, not with reports.compute: if both agree, the snapshot is right.
Returns {(commune id or None, dimension, dimension value): (numerator, denominator)}."""

from collections import defaultdict
from datetime import date, datetime, time, timedelta
from decimal import Decimal

from django.utils import timezone

from beneficiaries.models import Child, ChildCircumstance, SensitiveInfo
from cases.models import Approval, Case, CaseClock, ServiceDelivery
from geography.models import Commune
from hotline.models import Call
from referrals.models import Referral
from reports.models import ChildFriendlyAssessment, CommunicationEvent, FundRecord
from reports.periods import Period

ABUSE_GROUPS = {"SERIOUSLY_HARMED_BY_VIOLENCE", "SEXUALLY_ABUSED", "EXPLOITED", "TRAFFICKED"}


def bounds(period: Period) -> tuple[datetime, datetime]:
    start = timezone.make_aware(datetime.combine(period.start, time.min))
    end = timezone.make_aware(datetime.combine(period.end + timedelta(days=1), time.min))
    return start, end


def age_on(dob: date, day: date) -> int:
    return day.year - dob.year - ((day.month, day.day) < (dob.month, dob.day))


def age_group(dob: date, day: date) -> str:
    age = age_on(dob, day)
    return "0-5" if age <= 5 else "6-10" if age <= 10 else "11-15" if age <= 15 else "16+"


def tally(members) -> dict:
    """members: (identity, commune id or None, {dimension: [values]}) -> distinct identities per cell.
    The province total is always there; communes and disaggregation cells when not empty."""
    cells = defaultdict(set)
    cells[(None, "", "")]
    for identity, commune_id, dims in members:
        cells[(None, "", "")].add(identity)
        if commune_id is not None:
            cells[(commune_id, "", "")].add(identity)
        for dimension, values in dims.items():
            for value in values:
                cells[(None, dimension, value)].add(identity)
                if commune_id is not None:
                    cells[(commune_id, dimension, value)].add(identity)
    return {key: (Decimal(len(ids)), None) for key, ids in cells.items()}


def rate(numerators, denominators) -> dict:
    top, bottom = tally(numerators), tally(denominators)
    return {key: (top.get(key, (Decimal(0),))[0], count) for key, (count, _none) in bottom.items() if key[1] == ""}


class Recount:
    """Everything of one province, loaded once, counted per indicator."""

    def __init__(self, province_id: int, period: Period):
        self.p, self.period = province_id, period
        self.start, self.end = bounds(period)
        self.now = timezone.now()

    # --- sources ---------------------------------------------------------------------------------

    def children(self) -> list[Child]:
        return [c for c in Child.objects.select_related("commune").filter(commune__province_id=self.p)
                if c.is_active and c.merged_into_id is None and c.created_at < self.end
                and age_on(c.date_of_birth, self.period.end) < 16]

    def in_groups(self) -> dict[int, set[str]]:
        """child id -> groups it is in during the period (children() only)."""
        ids = {c.pk for c in self.children()}
        found = defaultdict(set)
        for circumstance in ChildCircumstance.objects.select_related("group"):
            if circumstance.child_id not in ids or circumstance.started_on > self.period.end:
                continue
            if circumstance.ended_on is not None and circumstance.ended_on < self.period.start:
                continue
            found[circumstance.child_id].add(circumstance.group.code)
        return found

    def cases(self) -> list[Case]:
        return list(Case.objects.select_related("child", "commune").prefetch_related("abuse_types")
                    .filter(commune__province_id=self.p))

    def received(self) -> list[Case]:
        return [c for c in self.cases() if self.start <= c.received_at < self.end]

    # --- indicators ------------------------------------------------------------------------------

    def CHILDREN_UNDER_16(self):
        return tally((c.pk, c.commune_id, {"sex": [c.sex], "age_group": [age_group(c.date_of_birth, self.period.end)]})
                     for c in self.children())

    def CSC_TOTAL(self):
        groups = self.in_groups()
        return tally((c.pk, c.commune_id, {"group": sorted(groups[c.pk])}) for c in self.children() if c.pk in groups)

    def _supported(self) -> set[int]:
        served = {d.case.child_id for d in ServiceDelivery.objects.select_related("case")
                  if self.period.start <= d.delivered_on <= self.period.end}
        # A referral completed in the period, even if its sender has closed the loop since.
        completed = {r.child_id for r in Referral.objects.all() if r.status in ("COMPLETED", "CLOSED")
                     and r.completed_at and self.start <= r.completed_at < self.end}
        return served | completed

    def CSC_SUPPORTED_RATE(self):
        groups, supported = self.in_groups(), self._supported()
        csc = [c for c in self.children() if c.pk in groups]
        return rate([(c.pk, c.commune_id, {}) for c in csc if c.pk in supported],
                    [(c.pk, c.commune_id, {}) for c in csc])

    def CHILDREN_DISABILITY(self):
        return tally((c.pk, c.commune_id, {"severity": [c.disability_severity]}) for c in self.children()
                     if c.disability_type)

    def CHILDREN_POOR_HOUSEHOLD(self):
        return tally((c.pk, c.commune_id, {"poverty": [c.poverty_status]}) for c in self.children()
                     if c.poverty_status in ("poor", "near_poor"))

    def CHILDREN_HIV(self):
        hiv = {s.child_id for s in SensitiveInfo.objects.all() if s.hiv_status in ("positive", "affected")}
        return tally((c.pk, c.commune_id, {}) for c in self.children() if c.pk in hiv)

    def _abused(self, start, end):
        members = []
        for case in self.cases():
            if case.category != "ABUSED" or not start <= case.received_at < end:
                continue
            types = [t.code for t in case.abuse_types.all()] or [""]
            members.append((case.child_id, case.commune_id, {
                "abuse_type": types, "sex": [case.child.sex], "setting": [case.abuse_setting],
                "age_group": [age_group(case.child.date_of_birth, self.period.end)]}))
        return members

    def ABUSED_CHILDREN(self):
        return tally(self._abused(self.start, self.end))

    def ABUSED_WITH_CASE_FILE_RATE(self):
        by_group = {c.child_id for c in ChildCircumstance.objects.select_related("group")
                    if c.group.code in ABUSE_GROUPS and self.period.start <= c.started_on <= self.period.end}
        all_cases = list(Case.objects.all())
        by_case = {c.child_id for c in all_cases if c.category == "ABUSED" and self.start <= c.received_at < self.end}
        with_file = {c.child_id for c in all_cases if c.level in ("EARLY_SUPPORT", "INTERVENTION")}
        identified = [c for c in Child.objects.filter(commune__province_id=self.p)
                      if c.merged_into_id is None and (c.pk in by_group or c.pk in by_case)]
        return rate([(c.pk, c.commune_id, {}) for c in identified if c.pk in with_file],
                    [(c.pk, c.commune_id, {}) for c in identified])

    def ABUSED_CHANGE_YOY(self):
        last = self.period.same_last_year()
        before_start, before_end = bounds(last)
        now = {k: v[0] for k, v in tally(self._abused(self.start, self.end)).items() if k[1] == ""}
        before = {k: v[0] for k, v in tally(self._abused(before_start, before_end)).items() if k[1] == ""}
        return {k: (now.get(k, Decimal(0)) - before.get(k, Decimal(0)), before.get(k, Decimal(0)))
                for k in set(now) | set(before)}

    def CASES_OPENED(self):
        return tally((c.pk, c.commune_id, {"level": [c.level]}) for c in self.received())

    def CASES_ACTIVE(self):
        return tally((c.pk, c.commune_id, {"level": [c.level]}) for c in self.cases()
                     if c.received_at < self.end and (c.closed_at is None or c.closed_at >= self.end))

    def CASES_CLOSED(self):
        return tally((c.pk, c.commune_id, {"reason": [c.closure_reason]}) for c in self.cases()
                     if c.closed_at and self.start <= c.closed_at < self.end)

    def EMERGENCY_CASES(self):
        return tally((c.pk, c.commune_id, {}) for c in self.received() if c.is_emergency)

    def EMERGENCY_12H_MET_RATE(self):
        met = {k.case_id for k in CaseClock.objects.filter(code="EMERGENCY_12H") if k.met_at and k.met_at <= k.due_at}
        emergencies = [c for c in self.received() if c.is_emergency]
        return rate([(c.pk, c.commune_id, {}) for c in emergencies if c.pk in met],
                    [(c.pk, c.commune_id, {}) for c in emergencies])

    def PLAN_ON_TIME_RATE(self):
        approved = {a.case_id for a in Approval.objects.all() if a.kind == "PLAN" and a.approved
                    and a.decided_at and self.start <= a.decided_at < self.end}
        late_by = min(self.end, self.now)
        late = {k.case_id for k in CaseClock.objects.filter(code__in=["PLAN_DRAFT_5WD", "PLAN_APPROVAL_2WD"])
                if (k.met_at and k.met_at > k.due_at) or (not k.met_at and not k.cancelled_at and k.due_at < late_by)}
        cases = [c for c in self.cases() if c.pk in approved]
        return rate([(c.pk, c.commune_id, {}) for c in cases if c.pk not in late],
                    [(c.pk, c.commune_id, {}) for c in cases])

    def _calls(self) -> list[Call]:
        found = []
        for call in Call.objects.select_related("hotline", "child_commune").prefetch_related("categories__parent"):
            if not self.start <= call.received_at < self.end:
                continue
            line_province = call.hotline.province_id
            if line_province == self.p or (line_province is None and call.child_commune_id
                                           and call.child_commune.province_id == self.p):
                found.append(call)
        return found

    def HOTLINE_CALLS(self):
        return tally((c.pk, c.child_commune_id, {"class": [c.reporting_class], "contact_type": [c.contact_type],
                                                  "hotline": [c.hotline.code]}) for c in self._calls())

    def HOTLINE_COUNSELLING_BY_TOPIC(self):
        return tally((c.pk, c.child_commune_id, {"topic": sorted({k.parent.code for k in c.categories.all()})})
                     for c in self._calls() if c.reporting_class == "COUNSELLING" and c.categories.all())

    def HOTLINE_CASES_OPENED(self):
        return tally((c.pk, c.child_commune_id, {}) for c in self._calls() if c.case_id)

    def _referrals(self) -> list[Referral]:
        return [r for r in Referral.objects.select_related("child__commune", "service_type")
                if r.child.commune.province_id == self.p and self.start <= r.sent_at < self.end]

    def REFERRALS(self):
        return tally((r.pk, r.child.commune_id, {"service_type": [r.service_type.code], "status": [r.status]})
                     for r in self._referrals())

    def REFERRAL_COMPLETION_RATE(self):
        sent = [r for r in self._referrals() if r.status != "REVOKED"]
        return rate([(r.pk, r.child.commune_id, {}) for r in sent if r.status in ("COMPLETED", "CLOSED")
                     and r.completed_at], [(r.pk, r.child.commune_id, {}) for r in sent])

    def SERVICES_DELIVERED(self):
        return tally((d.pk, d.case.commune_id, {"service_type": [d.service_type.code]})
                     for d in ServiceDelivery.objects.select_related("case__commune", "service_type")
                     if d.case.commune.province_id == self.p and self.period.start <= d.delivered_on <= self.period.end)

    def CHILD_FRIENDLY_COMMUNES_RATE(self):
        communes = {c.pk for c in Commune.objects.current().filter(province_id=self.p)}
        assessed = [a for a in ChildFriendlyAssessment.objects.all()
                    if a.commune_id in communes and a.year == self.period.end.year]
        cells = {(a.commune_id, "", ""): (Decimal(1 if a.recognised else 0), Decimal(1)) for a in assessed}
        cells[(None, "", "")] = (Decimal(sum(1 for a in assessed if a.recognised)), Decimal(len(communes)))
        return cells

    def FUND_RAISED(self):
        cells = defaultdict(lambda: Decimal(0))
        cells[(None, "", "")]
        cells[(None, "measure", "children_helped")]
        for record in FundRecord.objects.select_related("commune"):
            if record.commune.province_id != self.p or not self.period.start <= record.recorded_on <= self.period.end:
                continue
            for commune_id in (None, record.commune_id):
                cells[(commune_id, "", "")] += record.amount_vnd
                cells[(commune_id, "measure", "children_helped")] += record.children_helped
        return {k: (v, None) for k, v in cells.items()}

    def COMMUNICATION_EVENTS(self):
        events = [e for e in CommunicationEvent.objects.select_related("commune")
                  if e.commune.province_id == self.p and self.period.start <= e.held_on <= self.period.end]
        cells = tally((e.pk, e.commune_id, {"kind": [e.kind]}) for e in events)
        people = defaultdict(lambda: Decimal(0))
        people[None]
        for event in events:
            people[None] += event.people_reached
            people[event.commune_id] += event.people_reached
        cells.update({(k, "measure", "people_reached"): (v, None) for k, v in people.items()})
        return cells


def recount(code: str, province_id: int, period: Period) -> dict:
    return getattr(Recount(province_id, period), code)()
