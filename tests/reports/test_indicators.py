"""Issue 7 item 3, "the numbers are right": random data in two provinces, snapshots built, and every
indicator checked against an independent recount from the source tables (tests/reports/expected.py),
at province and commune level and for every disaggregation; communes add up to their province where
the indicator is additive; year-on-year changes use the same definition both years. And the build
itself: a rebuild after new cases moves exactly the right figures, running it twice changes nothing,
a second concurrent request and a future period are refused, a failing build leaves the old
numbers."""

from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.db import IntegrityError, transaction
from django.utils import timezone

from cases import services as case_services
from cases.choices import ChildCategory, Level
from cases.models import DocumentKind
from reports import compute, periods, services
from reports.models import Indicator, IndicatorValue, SnapshotBuild
from tests.cases.conftest import content
from tests.reports import expected
from tests.reports.conftest import DONG_THAP, LAO_CAI, SA_PA, build, province, snapshot

pytestmark = pytest.mark.django_db


def checked_periods() -> list[periods.Period]:
    today = timezone.localdate()
    this_year = periods.current("year", today)
    return [this_year, periods.current("quarter", today), this_year.previous()]


def stored(code: str, period: periods.Period, province_code: str) -> dict:
    return {(commune, dimension, value): (numerator, denominator) for (_code, commune, dimension, value),
            (numerator, denominator) in snapshot(period.code, province_code, code).items()}


def test_every_indicator_is_computed_and_catalogued():
    assert set(compute.COMPUTE) == set(Indicator.objects.values_list("code", flat=True))
    assert all(hasattr(expected.Recount, code) for code in compute.COMPUTE)


def test_every_indicator_matches_an_independent_recount_in_both_provinces(world):
    for period in checked_periods():
        build(period.code)
        for province_code in (LAO_CAI, DONG_THAP):
            for code in compute.COMPUTE:
                want = expected.recount(code, province(province_code).pk, period)
                got = stored(code, period, province_code)
                assert got == want, f"{code} {period} {province_code}: stored {got} != recounted {want}"


def test_the_generated_data_exercises_communes_and_disaggregations(world):
    """The recount would prove little on empty tables: the data reaches every level checked."""
    period = periods.current("year")
    build(period.code)
    values = IndicatorValue.objects.filter(period=period.code, province__code=LAO_CAI)
    for code in ("CHILDREN_UNDER_16", "CSC_TOTAL", "ABUSED_CHILDREN", "CASES_OPENED", "HOTLINE_CALLS", "REFERRALS",
                 "SERVICES_DELIVERED", "EMERGENCY_12H_MET_RATE", "PLAN_ON_TIME_RATE"):
        assert values.filter(indicator__code=code, commune__isnull=True, dimension="", numerator__gt=0).exists(), code
        assert values.filter(indicator__code=code, commune__isnull=False).exists(), code
    assert values.filter(indicator__code="ABUSED_CHILDREN", dimension="abuse_type").count() >= 2
    assert values.filter(indicator__code="CASES_OPENED", dimension="level", commune__isnull=False).exists()
    rate = values.get(indicator__code="EMERGENCY_12H_MET_RATE", commune__isnull=True)
    assert 0 < rate.numerator < rate.denominator  # some emergencies protected in time, some late


def test_communes_add_up_to_their_province_where_the_indicator_is_additive(world):
    period = periods.current("year")
    build(period.code)
    for province_code in (LAO_CAI, DONG_THAP):
        values = snapshot(period.code, province_code)
        for indicator in Indicator.objects.filter(additive=True):
            code = indicator.code
            total = values[(code, None, "", "")]
            communes = [pair for (c, commune, dimension, _v), pair in values.items()
                        if c == code and commune is not None and dimension == ""]
            assert total[0] == sum((pair[0] for pair in communes), Decimal(0)), (code, province_code)
            if indicator.kind == "rate" and code != "CHILD_FRIENDLY_COMMUNES_RATE":
                # (the child-friendly rate's denominator is every commune, assessed or not)
                assert total[1] == sum((pair[1] for pair in communes), Decimal(0)), (code, province_code)


def test_the_catalogue_flags_as_non_additive_what_cannot_add_up():
    """Calls about a child whose commune is unknown count for the province only; a change on last
    year is a ratio."""
    assert set(Indicator.objects.filter(additive=False).values_list("code", flat=True)) == {
        "ABUSED_CHANGE_YOY", "HOTLINE_CALLS", "HOTLINE_COUNSELLING_BY_TOPIC", "HOTLINE_CASES_OPENED"}


def test_the_change_on_last_year_uses_the_same_definition_both_years(world):
    this_year = periods.current("year")
    last_year = this_year.previous()
    build(this_year.code)
    build(last_year.code)
    for province_code in (LAO_CAI, DONG_THAP):
        now = stored("ABUSED_CHILDREN", this_year, province_code)
        before = stored("ABUSED_CHILDREN", last_year, province_code)
        change = stored("ABUSED_CHANGE_YOY", this_year, province_code)
        total_now, total_before = now[(None, "", "")][0], before[(None, "", "")][0]
        assert total_before > 0 and total_now > 0  # both years have abused children in the data
        assert change[(None, "", "")] == (total_now - total_before, total_before)
        for (commune, dimension, _value), (numerator, denominator) in change.items():
            assert dimension == ""
            this = now.get((commune, "", ""), (Decimal(0),))[0]
            last = before.get((commune, "", ""), (Decimal(0),))[0]
            assert (numerator, denominator) == (this - last, last)


def test_a_rebuild_after_new_cases_moves_exactly_the_right_figures(world):
    period = periods.current("year")
    last_year = period.previous()
    build(period.code)
    build(last_year.code)
    before = {p: snapshot(period.code, p) for p in (LAO_CAI, DONG_THAP)}
    last_year_before = snapshot(last_year.code, LAO_CAI)
    recount_before = {code: expected.recount(code, province(LAO_CAI).pk, period) for code in compute.COMPUTE}

    # A new emergency intervention case for an abused child of Sa Pa who has no case yet.
    child = next(c for c in world_children(SA_PA) if not c.cases.exists())
    case_services.open_case(
        child=child, level=Level.INTERVENTION, category=ChildCategory.ABUSED, channel="PHONE", source="POLICE",
        received_at=timezone.now() - timedelta(hours=2), commune=child.commune, is_emergency=True,
        by=world.workers[LAO_CAI], intake=content(DocumentKind.INTAKE))
    build(period.code, LAO_CAI)

    after = snapshot(period.code, LAO_CAI)
    recount_after = {code: expected.recount(code, province(LAO_CAI).pk, period) for code in compute.COMPUTE}
    moved = {key for key in set(before[LAO_CAI]) | set(after) if before[LAO_CAI].get(key) != after.get(key)}
    should_move = {(code, *cell) for code in compute.COMPUTE
                   for cell in set(recount_before[code]) | set(recount_after[code])
                   if recount_before[code].get(cell) != recount_after[code].get(cell)}
    assert moved == should_move
    sa_pa = child.commune_id
    assert after[("CASES_OPENED", None, "", "")][0] == before[LAO_CAI][("CASES_OPENED", None, "", "")][0] + 1
    assert after[("CASES_OPENED", sa_pa, "level", "INTERVENTION")][0] == before[LAO_CAI].get(
        ("CASES_OPENED", sa_pa, "level", "INTERVENTION"), (Decimal(0),))[0] + 1
    assert after[("EMERGENCY_CASES", sa_pa, "", "")][0] == before[LAO_CAI].get(
        ("EMERGENCY_CASES", sa_pa, "", ""), (Decimal(0),))[0] + 1
    abused_rate = after[("ABUSED_WITH_CASE_FILE_RATE", None, "", "")]
    old_rate = before[LAO_CAI][("ABUSED_WITH_CASE_FILE_RATE", None, "", "")]
    assert abused_rate == (old_rate[0] + 1, old_rate[1] + 1)
    assert {key[0] for key in moved} >= {"CASES_OPENED", "CASES_ACTIVE", "EMERGENCY_CASES", "ABUSED_CHILDREN",
                                          "ABUSED_CHANGE_YOY", "EMERGENCY_12H_MET_RATE"}
    assert not {key[0] for key in moved} & {"CHILDREN_UNDER_16", "HOTLINE_CALLS", "REFERRALS", "FUND_RAISED"}
    # Incremental: only the period and province asked for were rebuilt.
    assert snapshot(period.code, DONG_THAP) == before[DONG_THAP]
    assert snapshot(last_year.code, LAO_CAI) == last_year_before


def world_children(commune_code: str):
    from beneficiaries.models import Child

    return Child.objects.filter(commune__code=commune_code, is_active=True, merged_into__isnull=True).order_by("pk")


def test_building_twice_writes_the_same_rows(world):
    period = periods.current("year")
    build(period.code, LAO_CAI)
    first = snapshot(period.code, LAO_CAI)
    count = IndicatorValue.objects.filter(period=period.code, province__code=LAO_CAI).count()
    build(period.code, LAO_CAI)
    assert snapshot(period.code, LAO_CAI) == first
    assert IndicatorValue.objects.filter(period=period.code, province__code=LAO_CAI).count() == count == len(first)


def test_run_build_records_progress_rows_and_is_idempotent(world, django_capture_on_commit_callbacks):
    lao_cai = province(LAO_CAI)
    with django_capture_on_commit_callbacks(execute=True):
        build_row = services.request_rebuild(period_code=periods.current("year").code, province=lao_cai)
    build_row.refresh_from_db()
    assert build_row.state == SnapshotBuild.State.DONE and build_row.progress == 100
    assert build_row.rows == IndicatorValue.objects.filter(period=build_row.period, province=lao_cai).count() > 0
    assert services.run_build(build_row.pk).rows == build_row.rows  # done already: nothing to do


def test_a_second_rebuild_of_the_same_period_is_refused_while_the_first_is_live(db):
    lao_cai = province(LAO_CAI)
    first = services.request_rebuild(period_code="2025", province=lao_cai)  # queued (the task runs on commit)
    with pytest.raises(services.BuildRefused):
        services.request_rebuild(period_code="2025", province=lao_cai)
    # Another province, or another period, may go ahead.
    services.request_rebuild(period_code="2025", province=province(DONG_THAP))
    services.request_rebuild(period_code="2025-H2", province=lao_cai)
    # The database refuses a double too, whoever writes it.
    with pytest.raises(IntegrityError), transaction.atomic():
        SnapshotBuild.objects.create(period="2025", province=lao_cai, state=SnapshotBuild.State.RUNNING)
    SnapshotBuild.objects.filter(pk=first.pk).update(state=SnapshotBuild.State.DONE)
    services.request_rebuild(period_code="2025", province=lao_cai)  # the first one finished


def test_a_country_wide_rebuild_is_one_live_build_too(db):
    services.request_rebuild(period_code="2025", province=None)
    with pytest.raises(services.BuildRefused):
        services.request_rebuild(period_code="2025", province=None)


def test_a_lost_build_does_not_block_its_period_for_ever(db):
    lao_cai = province(LAO_CAI)
    lost = services.request_rebuild(period_code="2025", province=lao_cai)
    SnapshotBuild.objects.filter(pk=lost.pk).update(requested_at=timezone.now() - timedelta(hours=2))
    services.request_rebuild(period_code="2025", province=lao_cai)
    lost.refresh_from_db()
    assert lost.state == SnapshotBuild.State.FAILED


@pytest.mark.parametrize("code", ["2999", "2099-H1"])
def test_a_future_period_is_refused(db, code):
    with pytest.raises(services.BuildRefused):
        services.request_rebuild(period_code=code, province=province(LAO_CAI))
    assert not SnapshotBuild.objects.exists()


def test_next_month_is_refused_this_month_is_not(db):
    this_month = periods.current("month")
    next_month = periods.make("month", this_month.end + timedelta(days=1))
    with pytest.raises(services.BuildRefused):
        services.request_rebuild(period_code=next_month.code, province=province(LAO_CAI))
    services.request_rebuild(period_code=this_month.code, province=province(LAO_CAI))


@pytest.mark.parametrize("code", ["", "2026-13", "2026-Q5", "2026-H3", "26", "0000", "9999-12", "2026/11", "abc"])
def test_malformed_periods_are_refused_with_the_reason(code):
    with pytest.raises(periods.BadPeriod):
        periods.parse(code)


@pytest.mark.parametrize(("code", "start", "end"), [
    ("2026", "2026-01-01", "2026-12-31"), ("2026-H2", "2026-07-01", "2026-12-31"),
    ("2026-Q1", "2026-01-01", "2026-03-31"), ("2024-02", "2024-02-01", "2024-02-29"), ("2026-q4", "2026-10-01",
                                                                                       "2026-12-31")])
def test_periods_parse(code, start, end):
    period = periods.parse(code)
    assert (period.start.isoformat(), period.end.isoformat()) == (start, end)
    assert periods.parse(period.code) == period


def test_a_failing_build_leaves_the_old_values(world, monkeypatch):
    period = periods.current("year")
    build(period.code, LAO_CAI)
    old = snapshot(period.code, LAO_CAI)

    def broken(province_id, period):
        raise RuntimeError("the database went away")

    monkeypatch.setitem(compute.COMPUTE, "SERVICES_DELIVERED", broken)
    build_row = SnapshotBuild.objects.create(period=period.code, province=province(LAO_CAI))
    with pytest.raises(RuntimeError):
        services.run_build(build_row.pk)
    build_row.refresh_from_db()
    assert build_row.state == SnapshotBuild.State.FAILED and "went away" in build_row.error
    assert snapshot(period.code, LAO_CAI) == old


def test_a_swap_that_fails_halfway_is_rolled_back(world, monkeypatch):
    """The old values are deleted and the new inserted in one transaction: a failure between the
    two leaves the old numbers, never an empty or half-written snapshot."""
    period = periods.current("year")
    build(period.code, LAO_CAI)
    old = snapshot(period.code, LAO_CAI)
    assert old

    def disk_full(*args, **kwargs):
        raise IntegrityError("disk full")

    monkeypatch.setattr(IndicatorValue.objects, "bulk_create", disk_full)
    with pytest.raises(IntegrityError):
        build(period.code, LAO_CAI)
    monkeypatch.undo()
    assert snapshot(period.code, LAO_CAI) == old


def test_nightly_periods_are_the_current_and_previous_of_each_kind():
    found = {p.code for p in services.nightly_periods(today=date(2026, 11, 26))}
    assert found == {"2026-11", "2026-10", "2026-Q4", "2026-Q3", "2026-H2", "2026-H1", "2026", "2025"}
