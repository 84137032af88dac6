"""Journey 2 (the social worker's morning), on a 360-px phone: open an emergency intervention case
for a demo child from the child's page, see the 12-hour clock on the case page, record the
temporary separation decision (Form 07) and see the clock met.

Selectors are test ids and field names, so the test holds when the Vietnamese catalogue fills in."""

from datetime import timedelta

from django.conf import settings
from django.utils import timezone
from playwright.sync_api import expect

from beneficiaries.models import Child
from cases.choices import OPEN_STATUSES
from cases.models import Case

PHONE = {"width": 360, "height": 740}


def log_in(page, site, username):
    page.goto(f"{site}/accounts/login/")
    page.fill("input[name=login]", username)
    page.fill("input[name=password]", settings.DEMO_PASSWORD)
    page.click("main form button[type=submit]")
    expect(page.get_by_test_id("home-title")).to_be_visible()


def demo_child_without_an_intervention_case() -> Child:
    busy = Case.objects.filter(level="INTERVENTION", status__in=OPEN_STATUSES).values("child_id")
    return (Child.objects.filter(commune__code="03006", merged_into__isnull=True, is_active=True)
            .exclude(pk__in=busy).order_by("full_name").first())


def fits_the_phone(page) -> bool:
    return page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]


def test_worker_opens_an_emergency_case_on_a_phone_and_meets_the_12_hour_clock(site, page):
    child = demo_child_without_an_intervention_case()
    page.set_viewport_size(PHONE)
    log_in(page, site, "worker")

    page.goto(f"{site}/children/{child.public_id}/")
    page.get_by_test_id("open-case").click()
    expect(page.get_by_test_id("open-for")).to_contain_text(child.full_name)
    assert fits_the_phone(page)
    page.select_option("select[name=level]", "INTERVENTION")
    page.select_option("select[name=category]", "ABUSED")
    page.check("input[name=is_emergency]")
    page.locator("input[name=abuse_types]").first.check()
    page.select_option("select[name=abuse_setting]", "FAMILY")
    page.select_option("select[name=channel]", "PHONE")
    page.select_option("select[name=source]", "HOTLINE")
    page.fill("textarea[name=child_condition]", "Cháu sợ hãi, có vết bầm ở tay.")
    page.get_by_test_id("open-case-submit").click()

    expect(page.get_by_test_id("case-number")).to_contain_text("HS-15-")
    expect(page.get_by_test_id("emergency")).to_be_visible()
    case = Case.objects.get(child=child, level="INTERVENTION", status="RECEIVED")
    assert case.is_emergency and case.assigned_worker.username == "worker"
    clock = page.locator('[data-testid=clock][data-code="EMERGENCY_12H"]')
    expect(clock).to_have_attribute("data-state", "running")
    due = timezone.localtime(case.received_at + timedelta(hours=12)).strftime("%d/%m/%Y %H:%M")
    expect(clock).to_contain_text(due)
    expect(clock.get_by_test_id("clock-state")).to_contain_text("11")  # 11 h 5x min left
    assert fits_the_phone(page)

    # Form 07: the commune chair's decision, then the move that it allows, in one step.
    page.get_by_test_id("edit-separation").click()
    decided = timezone.localtime(timezone.now() - timedelta(minutes=5)).strftime("%d/%m/%Y %H:%M")
    page.fill("input[name=decided_at]", decided)
    page.fill("input[name=decided_by]", "Chủ tịch UBND phường Sa Pa")
    page.check("input[name=temporary_separation]")
    page.fill("input[name=place_of_care]", "Trung tâm Công tác xã hội tỉnh Lào Cai")
    page.fill("textarea[name=reason]", "Người chăm sóc là người gây tổn hại.")
    assert fits_the_phone(page)
    page.get_by_test_id("save-then-record_emergency_protection").click()

    clock = page.locator('[data-testid=clock][data-code="EMERGENCY_12H"]')
    expect(clock).to_have_attribute("data-state", "met")
    expect(clock).to_contain_text(decided)
    expect(page.locator('[data-testid=clock][data-code="SEPARATION_MAX_15D"]')).to_have_attribute(
        "data-state", "running")
    expect(page.get_by_test_id("case-status")).not_to_have_text("")
    case.refresh_from_db()
    assert case.status == "EMERGENCY_PROTECTION"
    assert fits_the_phone(page)

    # The next morning she finds the case again from the case list, filtering by level: the
    # filters load when their panel is opened (issue 9).
    page.goto(f"{site}/cases/")
    expect(page.locator('select[name="level"]')).to_have_count(0)
    page.get_by_test_id("filters-part").locator("summary").click()
    page.select_option('[data-testid=case-filters] select[name="level"]', "INTERVENTION")
    page.select_option('[data-testid=case-filters] select[name="emergency"]', "true")
    page.locator('[data-testid=case-filters] button:has-text("Áp dụng")').click()
    expect(page.locator("main")).to_contain_text(case.case_number)
    expect(page.locator('[data-testid=case-filters] select[name="level"]')).to_have_value("INTERVENTION")
    assert fits_the_phone(page)
