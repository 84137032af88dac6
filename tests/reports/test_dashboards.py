"""Dashboards, drill-down, exports, the printable report, rebuilds and a commune's inputs (issue 7
items 2-8): scoped to the province, small cells masked for those who may not see the records,
sensitive indicators always masked below province level, fast (query counts pinned), and every
bad input a clear message or a 400."""

import csv
import io
import re

import openpyxl
import pytest
from django.urls import reverse

from audit.models import AccessEvent
from geography.models import Commune
from reports import periods
from reports.models import (
    ChildFriendlyAssessment,
    CommunicationEvent,
    FundRecord,
    Indicator,
    IndicatorValue,
    SnapshotBuild,
)
from reports.privacy import mask
from reports.selectors import figures_for, values_for
from tests.reports.conftest import BAT_XAT, CAO_LANH, DONG_THAP, LAO_CAI, SA_PA, YEAR, build, commune, province

pytestmark = pytest.mark.django_db
# Columns of the exports (reports.exports.columns)
GROUP, CODE, PROVINCE, COMMUNE, DIMENSION, VALUE, NUMERATOR = 0, 1, 4, 5, 6, 8, 9


def shown(figure_list, code, commune_code=None, dimension="", value=""):
    commune_id = commune(commune_code).pk if commune_code else None
    return next(f.display for f in figure_list if f.code == code and f.commune_id == commune_id
                and f.dimension == dimension and f.dimension_value == value)


# --- Scoping ----------------------------------------------------------------------------------------


def test_values_are_scoped_to_the_users_province(figures, persona):
    for username in ("official", "supervisor", "worker"):
        provinces = set(values_for(persona(username), period=YEAR).values_list("province__code", flat=True))
        assert provinces == {LAO_CAI}, username
    assert set(values_for(persona("worker_b"), period=YEAR).values_list("province__code", flat=True)) == {DONG_THAP}
    for username in ("national", "admin"):
        provinces = set(values_for(persona(username), period=YEAR).values_list("province__code", flat=True))
        assert provinces == {LAO_CAI, DONG_THAP}, username
    for username in ("partner", "hotline"):
        assert not values_for(persona(username), period=YEAR).exists(), username


def test_the_official_of_lao_cai_never_sees_dong_thap(figures, login_as):
    client = login_as("official")
    page = client.get(reverse("reports:dashboard"))
    assert page.status_code == 200 and page.context["province"].code == LAO_CAI
    assert client.get(reverse("reports:dashboard"), {"province": DONG_THAP}).status_code == 404
    assert client.get(reverse("reports:commune", args=[CAO_LANH])).status_code == 404
    assert client.get(reverse("reports:export", args=["csv"]), {"province": DONG_THAP}).status_code == 404
    assert client.get(reverse("reports:print_report"), {"province": DONG_THAP}).status_code == 404
    export = client.get(reverse("reports:export", args=["csv"])).content.decode("utf-8-sig")
    assert "Lào Cai" in export and "Đồng Tháp" not in export and CAO_LANH not in export


def test_the_national_official_sees_and_compares_every_province(figures, login_as):
    client = login_as("national")
    page = client.get(reverse("reports:dashboard"), {"indicator": "CASES_OPENED"})
    assert page.status_code == 200
    rows = {row["province"].code: row for row in page.context["rows"]}
    assert len(rows) == 34
    column = [c.code for c in page.context["columns"]].index("CASES_OPENED")
    assert rows[LAO_CAI]["cells"][column].display == "12"
    assert rows[DONG_THAP]["cells"][column].display == "40"
    assert page.context["total_row"][column] == "52"
    assert client.get(reverse("reports:dashboard"), {"province": DONG_THAP}).context["province"].code == DONG_THAP


@pytest.mark.parametrize("username", ["partner", "hotline"])
def test_partners_and_counsellors_have_no_statistics(figures, login_as, username):
    assert login_as(username).get(reverse("reports:dashboard")).status_code == 404


# --- The small-cell rule ------------------------------------------------------------------------------


def test_small_cells_are_masked_for_officials_below_province_level_only(figures, persona):
    seen = figures_for(persona("official"), period=YEAR)
    assert shown(seen, "CASES_OPENED") == "12"  # a province total is never masked
    assert shown(seen, "CASES_OPENED", SA_PA) == "<5"
    assert shown(seen, "CASES_OPENED", BAT_XAT) == "9"
    assert shown(seen, "CASES_OPENED", dimension="level", value="INTERVENTION") == "<5"  # a disaggregation cell
    assert shown(seen, "CASES_OPENED", dimension="level", value="PREVENTION") == "10"
    assert shown(seen, "CSC_SUPPORTED_RATE", SA_PA) != "20,0 %"  # a rate from 2 children: hidden
    assert shown(seen, "CSC_SUPPORTED_RATE", BAT_XAT) == "60,0 %"
    masked = next(f for f in seen if f.code == "CASES_OPENED" and f.commune_id == commune(SA_PA).pk)
    assert masked.masked and masked.numerator is None and masked.value is None
    # Communes recognised as child-friendly name no child: never masked.
    assert shown(seen, "CHILD_FRIENDLY_COMMUNES_RATE", SA_PA) == "100,0 %"


def test_those_who_may_see_the_records_see_small_cells(figures, persona):
    for username in ("supervisor", "worker"):
        seen = figures_for(persona(username), period=YEAR)
        assert shown(seen, "CASES_OPENED", SA_PA) == "3"
        assert shown(seen, "CSC_SUPPORTED_RATE", SA_PA) == "20,0 %"


def test_a_sensitive_indicator_is_masked_below_province_level_for_everyone(figures, persona):
    for username in ("official", "supervisor", "worker", "national", "admin"):
        seen = figures_for(persona(username), period=YEAR)
        assert shown(seen, "CHILDREN_HIV", SA_PA) == "<5", username
        assert shown(seen, "CHILDREN_HIV") == "1", username  # the province's total is not


def test_the_rule_hides_a_rate_whose_complement_is_small(put, persona):
    value = put("CSC_SUPPORTED_RATE", 98, 100, commune_code=SA_PA)
    assert mask(value, persona("official")).masked  # "98 of 100" tells that 2 were not supported
    value = put("CSC_SUPPORTED_RATE", 50, 100, commune_code=BAT_XAT)
    assert not mask(value, persona("official")).masked


def test_the_dashboard_page_applies_the_rule(figures, login_as):
    official = login_as("official").get(reverse("reports:dashboard"))
    table = official.content.decode()
    assert "&lt;5" in table
    sa_pa = next(row for row in official.context["commune_rows"] if row["commune"].code == SA_PA)
    columns = [i.code for i in official.context["commune_columns"]]
    assert sa_pa["cells"][columns.index("CASES_OPENED")].display == "<5"
    assert sa_pa["cells"][columns.index("CHILDREN_HIV")].display == "<5"
    supervisor = login_as("supervisor").get(reverse("reports:dashboard"))
    sa_pa = next(row for row in supervisor.context["commune_rows"] if row["commune"].code == SA_PA)
    assert sa_pa["cells"][columns.index("CASES_OPENED")].display == "3"
    assert sa_pa["cells"][columns.index("CHILDREN_HIV")].display == "<5"


def test_the_figures_html_is_rendered_once_per_figures_and_reader(figures, login_as):
    # Issue 9: the figure sections are cached under the key of the figures they show (which names
    # the snapshots' version, the reader's scope and masking, and the language) and the query.
    from django.core.cache import cache

    cache.clear()
    client = login_as("official")

    def view(query=""):
        response = client.get(reverse("reports:dashboard") + query)
        html = response.content.decode()
        return {t.name for t in response.templates}, figures_of(html)

    first_templates, first = view()
    again_templates, again = view()
    assert "reports/_chart.html" in first_templates and "reports/_chart.html" not in again_templates
    assert again == first and "&lt;5" in again  # masked for this reader, from the cache too
    other_templates, _other = view("?by_commune=CASES_ACTIVE")
    assert "reports/_chart.html" in other_templates
    supervisor = login_as("supervisor").get(reverse("reports:dashboard")).content.decode()
    assert figures_of(supervisor) != first  # unmasked small cells


def test_a_column_that_is_no_indicator_shares_the_default_pages_cache_entry(figures, login_as):
    # Anything typed as by_commune went into the cache key as typed: each string filled a new entry.
    from django.core.cache import cache

    cache.clear()
    client = login_as("official")
    default = client.get(reverse("reports:dashboard"))
    assert "reports/_chart.html" in {t.name for t in default.templates}
    for typed in ("NO_SUCH_INDICATOR", "<script>", "CASES_OPENED", "CASES\x00OPENED", "x" * 500):
        again = client.get(reverse("reports:dashboard"), {"by_commune": typed})
        assert again.status_code == 200
        assert "reports/_chart.html" not in {t.name for t in again.templates}, typed
        assert again.context["by_commune"].code == "CASES_OPENED"


def figures_of(html: str) -> str:
    return html[html.index('id="headline-title"'):html.index("</section>", html.index('id="all-title"'))]


# --- The dashboard --------------------------------------------------------------------------------


def test_headline_figures_against_targets_with_definitions(figures, login_as):
    page = login_as("official").get(reverse("reports:dashboard"))
    headline = {line.indicator.code: line for line in page.context["headline"]}
    supported = headline["CSC_SUPPORTED_RATE"]
    assert supported.display == "40,0 %" and supported.met is False  # 8 of 20 against the 85 % target
    assert supported.target == "≥ 85,0 %"
    html = page.content.decode()
    indicator = Indicator.objects.get(code="CSC_SUPPORTED_RATE")
    assert indicator.name in html and indicator.definition in html and indicator.method in html
    assert 'data-testid="target-not-met"' in html
    assert page.context["charts"][0]["type"] == "line"
    assert 'type="application/json"' in html and "<canvas" in html


def test_targets_that_are_maxima(put, login_as):
    put("ABUSED_CHANGE_YOY", -3, 10)  # down 30 %: the target is at most −15 %
    put("ABUSED_WITH_CASE_FILE_RATE", 5, 5)
    headline = {line.indicator.code: line for line in login_as("official").get(
        reverse("reports:dashboard")).context["headline"]}
    assert headline["ABUSED_CHANGE_YOY"].met is True and headline["ABUSED_CHANGE_YOY"].display == "-30,0 %"
    assert headline["ABUSED_WITH_CASE_FILE_RATE"].met is True


def test_the_trend_shows_the_previous_periods(put, login_as):
    last_year = periods.current("year").previous().code
    put("CASES_OPENED", 12)
    put("CASES_OPENED", 7, period=last_year)
    page = login_as("official").get(reverse("reports:dashboard"))
    trend = page.context["charts"][0]
    assert trend["labels"][-2:] == [last_year, YEAR]
    opened = next(d for d in trend["datasets"] if d["label"] == Indicator.objects.get(code="CASES_OPENED").name)
    assert opened["data"][-2:] == [7.0, 12.0]
    line = next(line for line in page.context["lines"] if line.indicator.code == "CASES_OPENED")
    assert line.previous_display == "7" and line.change == "+71,4 %"


def test_the_page_has_no_inline_script_style_or_handler(figures, login_as):
    html = login_as("official").get(reverse("reports:dashboard")).content.decode()
    for script in re.findall(r"<script[^>]*>", html):
        assert "src=" in script or 'type="application/json"' in script, script
    assert not re.search(r"\sstyle=", html)
    assert not re.search(r"\son[a-z]+=", html)


@pytest.mark.parametrize("period", ["2026-13", "2026-Q5", "junk", "0000"])
def test_a_malformed_period_is_a_400_with_the_reason(login_as, period):
    response = login_as("official").get(reverse("reports:dashboard"), {"period": period})
    assert response.status_code == 400
    assert "2026-H1" in response.content.decode()


@pytest.mark.parametrize("period", ["2025-H1", "2025-Q3", "2025-11"])
def test_the_period_picker_takes_every_kind(figures, login_as, period):
    page = login_as("official").get(reverse("reports:dashboard"), {"period": period})
    assert page.status_code == 200 and page.context["period"].code == period


def test_a_dashboard_reads_only_snapshots_in_a_fixed_number_of_queries(figures, login_as,
                                                                        django_assert_num_queries):
    client = login_as("official")
    client.get(reverse("reports:dashboard"))  # warm the session, and the cache
    # The request's own 3 (session, user with their unread notices, two-factor check; the session is
    # written at most once a minute), then the province, the live build and the snapshots' version: the
    # figures come from the cache.
    with django_assert_num_queries(6):
        client.get(reverse("reports:dashboard"))
    # New snapshot rows change the version: computed again, with indicators, values, the trend,
    # commune names, groups and service types — the same number for a bigger province.
    more = Commune.objects.current().filter(province__code=LAO_CAI).exclude(code__in=[SA_PA, BAT_XAT])[:20]
    IndicatorValue.objects.bulk_create([IndicatorValue(
        indicator=Indicator.objects.get(code="CASES_OPENED"), period=YEAR, period_kind="year",
        province=province(LAO_CAI), commune=other, numerator=6) for other in more])
    with django_assert_num_queries(12):
        page = client.get(reverse("reports:dashboard"))
    shown = {row["commune"].code for row in page.context["commune_rows"] if row["commune"]}
    assert {c.code for c in more} <= shown  # not the cached page of before


def test_the_national_dashboard_in_a_fixed_number_of_queries(figures, login_as, django_assert_num_queries):
    client = login_as("national")
    client.get(reverse("reports:dashboard"))
    with django_assert_num_queries(7):  # the request's 3, the live build, indicators, values, provinces
        client.get(reverse("reports:dashboard"))


def test_the_commune_page_in_a_fixed_number_of_queries(figures, login_as, django_assert_num_queries):
    client = login_as("official")
    client.get(reverse("reports:commune", args=[SA_PA]))
    # the request's 3, the commune, the access log row, indicators, values (and the names of groups, service
    # types, abuse types or topics when the commune has those disaggregations)
    with django_assert_num_queries(7):
        client.get(reverse("reports:commune", args=[SA_PA]))


# --- Drill-down -------------------------------------------------------------------------------------


def test_the_drilldown_lists_exactly_the_cases_behind_a_communes_figure(world, login_as):
    build(YEAR, LAO_CAI)
    client = login_as("supervisor")
    page = client.get(reverse("reports:commune", args=[SA_PA]), {"period": YEAR})
    assert page.status_code == 200
    assert AccessEvent.objects.filter(object_type="reports.drilldown", action="view",
                                      detail__commune=SA_PA).exists()
    sa_pa = commune(SA_PA)
    values = IndicatorValue.objects.filter(period=YEAR, commune=sa_pa, indicator__code__in=["CASES_OPENED",
                                                                                           "EMERGENCY_CASES"])
    assert values.filter(dimension="").count() == 2
    html = page.content.decode()
    for value in values.select_related("indicator"):
        params = {"period": YEAR}
        if value.dimension == "level":
            params["level"] = value.dimension_value
        elif value.dimension:
            continue
        url = reverse("reports:drilldown", args=[SA_PA, value.indicator.code])
        assert url in html
        listing = client.get(url, params, follow=True)
        assert listing.resolver_match.url_name == "case_list"
        assert listing.context["page"].paginator.count == value.numerator > 0, (value.indicator.code,
                                                                              value.dimension_value)
    assert AccessEvent.objects.filter(object_type="reports.drilldown", detail__indicator="CASES_OPENED").exists()


def test_officials_get_figures_but_no_drilldown_to_records(world, login_as):
    build(YEAR, LAO_CAI)
    client = login_as("official")
    page = client.get(reverse("reports:commune", args=[SA_PA]))
    assert page.status_code == 200 and 'data-testid="drilldown"' not in page.content.decode()
    assert client.get(reverse("reports:drilldown", args=[SA_PA, "CASES_OPENED"])).status_code == 404
    assert AccessEvent.objects.filter(object_type="reports.drilldown", user__username="official").exists()


def test_a_drilldown_outside_the_province_is_a_404(world, login_as):
    assert login_as("supervisor").get(reverse("reports:drilldown", args=[CAO_LANH, "CASES_OPENED"])).status_code == 404
    assert login_as("supervisor").get(reverse("reports:drilldown", args=[SA_PA, "CHILDREN_HIV"])).status_code == 404


# --- Exports and the printed report ---------------------------------------------------------------


def test_the_excel_export_opens_and_agrees_with_the_screen(figures, login_as):
    client = login_as("official")
    page = client.get(reverse("reports:dashboard"))
    on_screen = {line.indicator.code: line.display for line in page.context["lines"]}
    response = client.get(reverse("reports:export", args=["xlsx"]))
    assert response.status_code == 200 and response["Content-Type"].startswith("application/vnd.openxml")
    book = openpyxl.load_workbook(io.BytesIO(response.content))
    assert len(book.sheetnames) == 6  # a sheet per indicator group
    rows = [row for sheet in book for row in sheet.iter_rows(min_row=4, values_only=True)]
    for sheet in book:  # each sheet holds one group's indicators
        assert len({row[GROUP] for row in sheet.iter_rows(min_row=4, values_only=True)}) <= 1
    code, place, area, dimension, value = CODE, PROVINCE, COMMUNE, DIMENSION, VALUE
    totals = {row[code]: row[value] for row in rows if not row[area] and not row[dimension]}
    for indicator, text in totals.items():
        assert text == on_screen[indicator], indicator
    assert totals["CASES_OPENED"] == "12" and totals["CSC_SUPPORTED_RATE"] == "40,0 %"
    sa_pa = {row[code]: row[value] for row in rows if row[area] == commune(SA_PA).name and not row[dimension]}
    assert sa_pa["CASES_OPENED"] == "<5" and sa_pa["CHILDREN_HIV"] == "<5"
    assert {row[place] for row in rows} == {"Lào Cai"}
    assert AccessEvent.objects.filter(action="export", object_type="reports.indicatorvalue",
                                      user__username="official").exists()


def test_the_csv_export_applies_the_rule_and_no_formula_runs(figures, put, login_as):
    response = login_as("official").get(reverse("reports:export", args=["csv"]))
    text = response.content.decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(text)))
    sa_pa = [r for r in rows[1:] if r[COMMUNE] == commune(SA_PA).name]
    assert {r[VALUE] for r in sa_pa if r[CODE] == "CASES_OPENED"} == {"<5"}
    assert all(r[NUMERATOR] == "" for r in sa_pa if r[VALUE] == "<5")


def test_the_supervisor_exports_the_unmasked_small_cells(figures, login_as):
    response = login_as("supervisor").get(reverse("reports:export", args=["csv"]))
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    values = {(r[CODE], r[COMMUNE]): r[VALUE] for r in rows[1:] if not r[DIMENSION]}
    assert values[("CASES_OPENED", commune(SA_PA).name)] == "3"
    assert values[("CHILDREN_HIV", commune(SA_PA).name)] == "<5"


def test_the_national_export_has_every_provinces_totals(figures, login_as):
    response = login_as("national").get(reverse("reports:export", args=["xlsx"]))
    book = openpyxl.load_workbook(io.BytesIO(response.content))
    provinces = {row[PROVINCE] for sheet in book for row in sheet.iter_rows(min_row=4, values_only=True)}
    assert provinces == {"Lào Cai", "Đồng Tháp"}


@pytest.mark.parametrize(("period", "title"), [("2025-H1", "6 tháng đầu năm 2025"), ("2025", "năm 2025")])
def test_the_printable_report_names_the_province_and_period(figures, login_as, period, title):
    response = login_as("official").get(reverse("reports:print_report"), {"period": period})
    html = response.content.decode()
    assert response.status_code == 200
    assert "Lào Cai" in html and "UBND TỈNH LÀO CAI" in html and title in html
    assert "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM" in html and "Chỉ tiêu kế hoạch" in html


def test_the_printable_report_compares_with_the_previous_period(put, login_as):
    put("CASES_OPENED", 12)
    put("CASES_OPENED", 8, period=periods.current("year").previous().code)
    put("CSC_SUPPORTED_RATE", 9, 10)
    response = login_as("official").get(reverse("reports:print_report"))
    lines = {line.indicator.code: line for section in response.context["sections"] for line in section["lines"]}
    assert lines["CASES_OPENED"].display == "12" and lines["CASES_OPENED"].previous_display == "8"
    assert lines["CASES_OPENED"].change_vi == "+50,0 %"
    assert lines["CSC_SUPPORTED_RATE"].met is True
    assert "Đạt" in response.content.decode()


def test_the_printable_report_is_for_half_years_and_years(login_as):
    assert login_as("official").get(reverse("reports:print_report"), {"period": "2025-Q2"}).status_code == 400


# --- Rebuilds ---------------------------------------------------------------------------------------


def test_an_official_rebuilds_a_period_and_sees_its_figures(world, login_as,
                                                             django_capture_on_commit_callbacks):
    IndicatorValue.objects.filter(period="2025-Q4").delete()
    client = login_as("official")
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("reports:rebuild"), {"period": "2025-Q4"})
    assert response.status_code == 302
    build_row = SnapshotBuild.objects.get(period="2025-Q4")
    assert build_row.state == "done" and build_row.province.code == LAO_CAI and build_row.requested_by.username == (
        "official")
    assert IndicatorValue.objects.filter(period="2025-Q4", province__code=LAO_CAI).exists()
    assert not IndicatorValue.objects.filter(period="2025-Q4", province__code=DONG_THAP).exists()
    page = client.get(reverse("reports:dashboard"), {"period": "2025-Q4"})
    assert page.context["has_values"]


def test_a_rebuild_shows_its_progress_polled_by_htmx(db, login_as):
    client = login_as("official")
    response = client.post(reverse("reports:rebuild"), {"period": "2025"}, HTTP_HX_REQUEST="true")
    html = response.content.decode()
    build_row = SnapshotBuild.objects.get(period="2025", province__code=LAO_CAI)
    assert '<progress' in html and 'hx-trigger="every 2s"' in html
    assert reverse("reports:build", args=[build_row.pk]) in html
    SnapshotBuild.objects.filter(pk=build_row.pk).update(state="running", progress=40)
    poll = client.get(reverse("reports:build", args=[build_row.pk]), HTTP_HX_REQUEST="true")
    assert 'value="40"' in poll.content.decode() and 'every 2s' in poll.content.decode()
    SnapshotBuild.objects.filter(pk=build_row.pk).update(state="done", progress=100)
    done = client.get(reverse("reports:build", args=[build_row.pk]), HTTP_HX_REQUEST="true")
    assert "every 2s" not in done.content.decode() and done["HX-Refresh"] == "true"
    # The page shows a live build when it is loaded while one runs.
    SnapshotBuild.objects.create(period="2025-H2", province=province(LAO_CAI), state="running", progress=10)
    assert login_as("official").get(reverse("reports:dashboard"), {"period": "2025-H2"}).context["build"]


def test_a_second_rebuild_and_a_future_period_are_refused_with_a_message(db, login_as, settings):
    settings.LANGUAGE_CODE = "en"  # the message is read in English
    client = login_as("official")
    client.post(reverse("reports:rebuild"), {"period": "2025"})
    again = client.post(reverse("reports:rebuild"), {"period": "2025"}, follow=True)
    assert again.status_code == 200
    assert any("already running" in str(m) for m in again.context["messages"])
    assert SnapshotBuild.objects.filter(period="2025").count() == 1
    future = client.post(reverse("reports:rebuild"), {"period": "2999"}, HTTP_HX_REQUEST="true")
    assert 'data-testid="rebuild-refused"' in future.content.decode()
    assert client.post(reverse("reports:rebuild"), {"period": "2025-Q9"}).status_code == 400
    assert not SnapshotBuild.objects.filter(period="2999").exists()


def test_who_may_rebuild_what(db, login_as):
    assert login_as("supervisor").post(reverse("reports:rebuild"), {"period": "2025"}).status_code == 404
    assert login_as("official").post(reverse("reports:rebuild"), {"period": "2025", "province": DONG_THAP}
                                     ).status_code == 404
    assert login_as("official").get(reverse("reports:rebuild")).status_code == 405
    login_as("national").post(reverse("reports:rebuild"), {"period": "2025"})
    assert SnapshotBuild.objects.get(period="2025").province is None  # every province
    other = SnapshotBuild.objects.get(period="2025")
    assert login_as("official").get(reverse("reports:build", args=[other.pk])).status_code == 404


# --- Child-friendly communes, the fund, events -------------------------------------------------------


def scores(**changes) -> dict:
    data = {f"criterion_{n}": 70 for n in range(1, 14)}
    data.update({f"criterion_{k.split('_')[1]}": v for k, v in changes.items()})
    return data


def test_a_child_friendly_assessment_is_recorded_and_recognised(login_as):
    sa_pa = commune(SA_PA)
    response = login_as("official").post(reverse("reports:assessment_record"), {
        "commune": sa_pa.pk, "year": 2025, "area_type": "disadvantaged", **scores(c_6=125)})
    assert response.status_code == 302
    assessment = ChildFriendlyAssessment.objects.get(commune=sa_pa, year=2025)
    assert assessment.total == 12 * 70 + 125 and assessment.recognised  # 965 >= 800
    assert assessment.scores["6"] == 125


@pytest.mark.parametrize(("area_type", "changes", "recognised"), [
    ("other", {}, False),  # 13 x 60 = 780 < 850
    ("urban_ward", {}, True),  # 13 x 70 = 910 >= 900
    ("disadvantaged", {"c_3": 0}, False),  # a criterion not met: never recognised
])
def test_recognition_needs_every_criterion_and_the_threshold_of_the_commune_type(login_as, area_type, changes,
                                                                                recognised):
    low = {f"c_{n}": 60 for n in range(1, 14)} if area_type == "other" else {}
    data = scores(**{**low, **changes})
    login_as("supervisor").post(reverse("reports:assessment_record"), {
        "commune": commune(BAT_XAT).pk, "year": 2025, "area_type": area_type, **data})
    assert ChildFriendlyAssessment.objects.get(commune__code=BAT_XAT, year=2025).recognised is recognised


def test_a_score_above_its_maximum_is_a_clear_form_error(login_as):
    client = login_as("official")
    for field, value in (("criterion_1", 101), ("criterion_6", 126), ("criterion_2", -1)):
        response = client.post(reverse("reports:assessment_record"), {
            "commune": commune(SA_PA).pk, "year": 2025, "area_type": "other", **scores(), field: value})
        assert response.status_code == 400
        assert response.context["form"].errors[field]
    assert not ChildFriendlyAssessment.objects.filter(commune__code=SA_PA, year=2025).exists()


def test_the_service_checks_the_maximum_and_the_commune_again(persona):
    from reports.services import CommuneDataRefused, record_assessment

    good = {n: 70 for n in range(1, 14)}
    with pytest.raises(CommuneDataRefused):
        record_assessment(commune=commune(SA_PA), year=2025, area_type="other", scores={**good, 6: 126},
                          by=persona("official"))
    with pytest.raises(CommuneDataRefused):
        record_assessment(commune=commune(CAO_LANH), year=2025, area_type="other", scores=good,
                          by=persona("official"))
    with pytest.raises(CommuneDataRefused):
        record_assessment(commune=commune(SA_PA), year=2025, area_type="other", scores=good, by=persona("worker"))


def test_only_supervisors_and_provincial_officials_record_and_only_their_communes(login_as):
    for username in ("worker", "national", "partner"):
        assert login_as(username).get(reverse("reports:assessment_record")).status_code == 404, username
    response = login_as("official").post(reverse("reports:assessment_record"), {
        "commune": commune(CAO_LANH).pk, "year": 2025, "area_type": "other", **scores()})
    assert response.status_code == 400 and response.context["form"].errors["commune"]
    choices = response.context["form"].fields["commune"].queryset
    assert set(choices.values_list("province__code", flat=True)) == {LAO_CAI}


def test_the_assessment_list_is_per_province_and_year(login_as):
    ChildFriendlyAssessment.objects.create(commune=commune(SA_PA), year=2024, total=900, recognised=True)
    ChildFriendlyAssessment.objects.create(commune=commune(CAO_LANH), year=2024, total=900, recognised=True)
    page = login_as("official").get(reverse("reports:assessment_list"), {"year": 2024})
    assert [a.commune.code for a in page.context["page"]] == [SA_PA]
    page = login_as("national").get(reverse("reports:assessment_list"), {"year": 2024})
    assert {a.commune.code for a in page.context["page"]} == {SA_PA, CAO_LANH}
    assert login_as("official").get(reverse("reports:assessment_list"), {"year": "x"}).status_code == 400


def test_fund_and_events_are_recorded_and_feed_their_indicators(login_as):
    client = login_as("supervisor")
    response = client.post(reverse("reports:fund_record"), {
        "commune": commune(SA_PA).pk, "recorded_on": "15/03/2025", "amount_vnd": 4_190_000_000,
        "children_helped": 2469, "note": "Quỹ Bảo trợ trẻ em"})
    assert response.status_code == 302
    response = client.post(reverse("reports:event_record"), {
        "commune": commune(SA_PA).pk, "held_on": "16/03/2025", "kind": "training", "title": "Tập huấn",
        "people_reached": 48})
    assert response.status_code == 302
    assert FundRecord.objects.get(commune__code=SA_PA, recorded_on="2025-03-15").recorded_by.username == "supervisor"
    assert CommunicationEvent.objects.filter(commune__code=SA_PA, people_reached=48).exists()
    assert "4190000000" in client.get(reverse("reports:fund_list"), {"year": 2025}).content.decode()
    assert "Tập huấn" in client.get(reverse("reports:event_list"), {"year": 2025}).content.decode()
    build("2025-Q1", LAO_CAI)
    fund = IndicatorValue.objects.get(period="2025-Q1", indicator__code="FUND_RAISED", commune__code=SA_PA,
                                      dimension="")
    assert fund.numerator >= 4_190_000_000
    helped = IndicatorValue.objects.get(period="2025-Q1", indicator__code="FUND_RAISED", commune__code=SA_PA,
                                        dimension="measure", dimension_value="children_helped")
    assert helped.numerator >= 2469


def test_a_future_date_and_a_negative_number_are_form_errors(login_as):
    client = login_as("supervisor")
    response = client.post(reverse("reports:fund_record"), {
        "commune": commune(SA_PA).pk, "recorded_on": "01/01/2999", "amount_vnd": -5, "children_helped": 1})
    assert response.status_code == 400
    assert set(response.context["form"].errors) == {"recorded_on", "amount_vnd"}


def test_the_statistics_entry_is_in_the_navigation_of_those_who_use_it(login_as):
    for username in ("official", "national", "supervisor", "admin"):
        assert reverse("reports:dashboard") in login_as(username).get("/").content.decode(), username
    for username in ("worker", "hotline", "partner"):
        assert reverse("reports:dashboard") not in login_as(username).get("/").content.decode(), username
