"""Journey: a social worker opens the system on a phone, logs in, finds the skeleton in Vietnamese,
switches to English, and logs out."""

from django.conf import settings
from playwright.sync_api import expect

PHONE = {"width": 360, "height": 740}


def log_in(page, site, username, password):
    page.goto(f"{site}/accounts/login/")
    page.fill("input[name=login]", username)
    page.fill("input[name=password]", password)
    page.click("main form button[type=submit]")


def test_worker_logs_in_on_a_phone_and_sees_their_home(site, page):
    page.set_viewport_size(PHONE)
    log_in(page, site, "worker", settings.DEMO_PASSWORD)
    expect(page.get_by_test_id("home-title")).to_have_text("Công việc của tôi")
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    # The menu folds behind a button on a phone.
    page.get_by_role("button", name="Menu").click()
    expect(page.get_by_test_id("whoami")).to_contain_text("Nguyễn Thị")


def test_failed_login_shows_an_error_and_stays_on_the_form(site, page):
    log_in(page, site, "worker", "not-the-password")
    expect(page.locator("main")).to_contain_text("không đúng")
    assert "/accounts/login/" in page.url


def test_language_switch_to_english_and_logout(site, page):
    log_in(page, site, "supervisor", settings.DEMO_PASSWORD)
    page.select_option("#language-select", "en")
    page.get_by_role("button", name="Thay đổi").click()
    expect(page.get_by_test_id("home-title")).to_have_text("My team")
    page.get_by_role("button", name="Log out").click()
    expect(page.locator("input[name=login]")).to_be_visible()


def test_worker_adds_a_village_to_a_commune(site, page):
    log_in(page, site, "worker", settings.DEMO_PASSWORD)
    page.goto(f"{site}/geography/communes/?q=sa+pa")
    page.get_by_role("link", name="Phường Sa Pa").click()
    page.fill("input[name=name]", "Tổ dân phố 9")
    page.get_by_role("button", name="Thêm thôn").click()
    expect(page.get_by_test_id("villages")).to_contain_text("Tổ dân phố 9")
