"""Journey 6 (the provincial official's month end), on a 360-px phone: the official logs in through
allauth with her password and a TOTP code, opens the statistics dashboard, sees the headline
figures and a chart drawn by the dashboard's script (under the strict CSP), switches the period,
and exports the Excel file, which agrees with the screen.

Selectors are test ids and field names, so the test holds when the Vietnamese catalogue fills in."""

import importlib
import io
import time

import openpyxl
from django.apps import apps
from django.conf import settings
from playwright.sync_api import expect

from accounts.models import User
from accounts.services import current_totp_code
from core.demo import DEMO_TOTP_SECRET
from reports import periods
from reports.demo import seed_statistics

PHONE = {"width": 360, "height": 740}
TOTP_MARGIN = 8  # seconds


def demo_snapshots() -> None:
    """The browser tests' database was flushed: the indicator catalogue (a data migration) is
    loaded again, then the demo snapshots built."""
    importlib.import_module("reports.migrations.0002_indicator_catalogue").load(apps, None)
    seed_statistics({user.username: user for user in User.objects.all()})


def fresh_totp_code() -> str:
    """The authenticator's code, taken early in its 30-second window so that it is still valid
    when the form arrives (allauth allows no drift)."""
    from allauth.mfa import app_settings

    left = app_settings.TOTP_PERIOD - time.time() % app_settings.TOTP_PERIOD
    if left < TOTP_MARGIN:
        time.sleep(left + 0.5)
    return current_totp_code(DEMO_TOTP_SECRET)


def log_in_with_totp(page, site, username):
    page.goto(f"{site}/accounts/login/")
    page.fill("input[name=login]", username)
    page.fill("input[name=password]", settings.DEMO_PASSWORD)
    page.click("main form button[type=submit]")
    page.wait_for_url("**/accounts/2fa/authenticate/**")
    page.fill("input[name=code]", fresh_totp_code())
    page.click("main form button[type=submit]")
    expect(page.get_by_test_id("home-title")).to_be_visible()


def fits_the_phone(page) -> bool:
    return page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]


def test_official_reads_the_dashboard_on_a_phone_switches_period_and_exports(site, page, tmp_path):
    demo_snapshots()
    csp_errors = []
    page.on("console", lambda message: csp_errors.append(message.text)
            if "Content Security Policy" in message.text else None)
    page.set_viewport_size(PHONE)
    log_in_with_totp(page, site, "official")

    page.get_by_test_id("open-dashboard").click()
    expect(page.get_by_test_id("dashboard-title")).to_contain_text("Lào Cai")
    year = periods.current("year").code
    expect(page.get_by_test_id("period")).to_contain_text(year)
    headline = page.locator('[data-testid=headline-figure][data-code="CASES_OPENED"]')
    expect(headline).to_be_visible()
    opened_on_screen = headline.get_by_test_id("figure-value").inner_text().strip()
    assert opened_on_screen and opened_on_screen != "—"
    expect(headline.get_by_test_id("indicator-help")).to_be_visible()  # name, definition, method
    chart = page.locator("canvas[data-chart]").first
    chart.scroll_into_view_if_needed()
    expect(chart).to_be_visible()
    expect(chart).to_have_attribute("data-drawn", "1")  # drawn by static/js/dashboard.js
    assert fits_the_phone(page)

    half = periods.current("half").code
    page.select_option("#period-select", half)  # the picker submits itself
    page.wait_for_url(f"**period={half}**")
    expect(page.get_by_test_id("period")).to_contain_text(half)
    expect(page.locator('[data-testid=headline-figure][data-code="CASES_OPENED"]')).to_be_visible()
    opened_in_half = page.locator('[data-testid=headline-figure][data-code="CASES_OPENED"]').get_by_test_id(
        "figure-value").inner_text().strip()
    assert fits_the_phone(page)

    with page.expect_download() as download_info:
        page.get_by_test_id("export-xlsx").click()
    path = tmp_path / "statistics.xlsx"
    download_info.value.save_as(path)
    book = openpyxl.load_workbook(io.BytesIO(path.read_bytes()))
    rows = [row for sheet in book for row in sheet.iter_rows(min_row=4, values_only=True)]
    opened = [row for row in rows if row[1] == "CASES_OPENED" and not row[5] and not row[6]]
    assert [row[3] for row in opened] == [half]
    assert opened[0][8] == opened_in_half  # the export says what the screen says
    assert not csp_errors, csp_errors
