"""Journey 3 (the partner agency), on a phone: the worker refers a demo child whose family agreed to
sharing to the Lào Cai Social Work Centre; the centre's partner user finds it in the inbox, sees
only the shared information, accepts it and completes it with the outcome; the worker sees the
loop closed.

Selectors are test ids and field names, so the test holds when the Vietnamese catalogue fills in."""

from django.conf import settings
from playwright.sync_api import expect

from beneficiaries.models import Child
from referrals.models import Referral

PHONE = {"width": 360, "height": 740}
SWC = "Trung tâm Công tác xã hội tỉnh Lào Cai"


def log_in(page, site, username):
    page.context.clear_cookies()
    page.goto(f"{site}/accounts/login/")
    page.fill("input[name=login]", username)
    page.fill("input[name=password]", settings.DEMO_PASSWORD)
    page.click("main form button[type=submit]")
    expect(page.get_by_test_id("home-title")).to_be_visible()


def fits_the_phone(page) -> bool:
    return page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]


def test_worker_refers_partner_accepts_and_completes_worker_sees_the_loop_closed(site, page):
    child = Child.objects.get(full_name="Nguyễn Thị Hòa")  # sharing consent in the demo, no case
    page.set_viewport_size(PHONE)

    # The worker refers her from her page.
    log_in(page, site, "worker")
    page.goto(f"{site}/children/{child.public_id}/")
    page.get_by_test_id("refer").click()
    expect(page.get_by_test_id("consent-any")).to_be_visible()
    page.select_option("#dir-service", "PSYCHOLOGICAL_THERAPY")
    page.locator("[data-testid=directory-search] button[type=submit]").click()
    option = page.locator(f'[data-testid=agency-option][data-name="{SWC}"]')
    expect(option.get_by_test_id("agency-stats")).to_be_visible()
    option.locator("input[type=radio]").check()
    page.select_option("select[name=service_type]", "PSYCHOLOGICAL_THERAPY")
    page.fill("textarea[name=reason]", "Cháu sợ hãi sau sự việc, cần tham vấn tâm lý.")
    expect(page.locator("#share-hiv_status")).to_have_count(1)  # the key worker sees the sensitive parts
    assert fits_the_phone(page)
    page.get_by_test_id("send-referral").click()
    expect(page.get_by_test_id("referral-status")).to_have_attribute("data-status", "SENT")
    referral = Referral.objects.get(child=child, agency__name=SWC)
    assert referral.sent_by.username == "worker" and referral.consent is not None

    # The partner finds it in the inbox on the home page and sees only what was shared.
    log_in(page, site, "partner")
    page.locator(f'[data-testid=partner-inbox] a[href="/referrals/{referral.public_id}/"]').click()
    expect(page.get_by_test_id("shared")).to_contain_text(child.full_name)
    expect(page.get_by_test_id("reason")).to_contain_text("cần tham vấn tâm lý")
    assert child.registry_number not in page.content()
    assert fits_the_phone(page)
    page.get_by_test_id("partner-accept").click()
    expect(page.get_by_test_id("referral-status")).to_have_attribute("data-status", "ACCEPTED")
    page.fill("textarea[name=outcome]", "Đã tham vấn 6 buổi; cháu ngủ ngon, đi học đều.")
    page.get_by_test_id("partner-complete").click()
    expect(page.get_by_test_id("referral-status")).to_have_attribute("data-status", "COMPLETED")
    # Nothing else of the system: the child's page is not found for the partner.
    response = page.goto(f"{site}/children/{child.public_id}/")
    assert response.status == 404

    # The worker sees the loop closed, on the child's page and the referral.
    log_in(page, site, "worker")
    page.goto(f"{site}/children/{child.public_id}/")
    panel = page.get_by_test_id("referral-panel")
    panel.locator(f'a[href="/referrals/{referral.public_id}/"]').click()
    expect(page.get_by_test_id("referral-status")).to_have_attribute("data-status", "COMPLETED")
    expect(page.get_by_test_id("outcome")).to_contain_text("Đã tham vấn 6 buổi")
    assert fits_the_phone(page)
