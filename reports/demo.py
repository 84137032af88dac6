"""Demo statistics for seed_demo: child-friendly assessments, fund records and communication
events in both demo provinces, then the snapshots of the current year, half-year, quarter and
month and of the previous year, so that the dashboards show figures at first login.

Idempotent: rows are found by their natural keys, and build_province swaps a period's values."""

from datetime import date

from django.utils import timezone

from geography.models import Commune, Province
from reports import periods
from reports.criteria import criteria, evaluate
from reports.models import ChildFriendlyAssessment, CommunicationEvent, FundRecord
from reports.services import build_province

DEMO_PROVINCES = ["15", "82"]
ASSESSED_PER_PROVINCE = 8
# (commune code, amount in VND, children helped, note)
FUND = [("03006", 250_000_000, 120, "Vận động Tháng hành động vì trẻ em"),
        ("02683", 85_000_000, 40, "Quỹ Bảo trợ trẻ em xã Bát Xát"),
        ("29869", 410_000_000, 215, "Quỹ Bảo trợ trẻ em tỉnh Đồng Tháp, đợt 1")]
# (commune code, kind, title, people reached)
EVENTS = [("03006", "communication", "Truyền thông phòng chống xâm hại trẻ em tại trường học", 420),
          ("03006", "club", "Sinh hoạt câu lạc bộ quyền trẻ em", 35),
          ("02683", "training", "Tập huấn kỹ năng quản lý trường hợp cho cộng tác viên thôn", 48),
          ("29869", "communication", "Diễn đàn trẻ em tỉnh Đồng Tháp", 260)]


def _scores(recognised: bool, step: int) -> dict[int, int]:
    scores = {c.number: min(c.maximum, 70 + (c.number + step) % 4 * 5) for c in criteria()}
    if not recognised:
        scores[3] = 0  # one criterion not met: not recognised whatever the total
    return scores


def seed_assessments(year: int, users: dict) -> None:
    for province_code in DEMO_PROVINCES:
        communes = Commune.objects.current().filter(province__code=province_code).order_by("code")
        for index, commune in enumerate(communes[:ASSESSED_PER_PROVINCE]):
            # Roughly three in four recognised, as in the seeds' provinces (70-90%).
            area_type = "disadvantaged" if province_code == "15" else "other"
            scores = _scores(index % 4 != 3, index)
            total, recognised = evaluate(scores, area_type)
            ChildFriendlyAssessment.objects.get_or_create(commune=commune, year=year, defaults={
                "area_type": area_type, "scores": {str(n): s for n, s in scores.items()}, "total": total,
                "recognised": recognised, "assessed_by": users.get("supervisor")})


def seed_fund_and_events(on: date, users: dict) -> None:
    by = users.get("supervisor")
    for code, amount, helped, note in FUND:
        commune = Commune.objects.current().filter(code=code).first()
        if commune:
            FundRecord.objects.get_or_create(commune=commune, recorded_on=on, note=note, defaults={
                "amount_vnd": amount, "children_helped": helped, "recorded_by": by})
    for code, kind, title, people in EVENTS:
        commune = Commune.objects.current().filter(code=code).first()
        if commune:
            CommunicationEvent.objects.get_or_create(commune=commune, held_on=on, title=title, defaults={
                "kind": kind, "people_reached": people, "recorded_by": by})


def demo_periods(today: date | None = None) -> list[periods.Period]:
    today = today or timezone.localdate()
    current = [periods.current(kind, today) for kind in ("year", "half", "quarter", "month")]
    return [*current, current[0].previous()]


def seed_statistics(users: dict) -> None:
    today = timezone.localdate()
    seed_assessments(today.year, users)
    seed_assessments(today.year - 1, users)
    seed_fund_and_events(today.replace(day=1), users)
    seed_fund_and_events(date(today.year - 1, 6, 1), users)
    provinces = Province.objects.current().filter(code__in=DEMO_PROVINCES)
    for period in demo_periods(today):
        for province in provinces:
            build_province(period, province.pk)
