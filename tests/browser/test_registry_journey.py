"""Journey: the children registry on a phone.

A social worker in Lào Cai registers Nguyễn Thị Hòa on a 360-px phone, is warned of a duplicate
when she registers the same girl again without accents, and opens the existing record instead;
later she finds the girl by typing `hoa nguyen`. When a worker confirms a "different" child with a
reason, the pair waits in the review queue; the supervisor merges it and the old registry number
then opens the surviving record.

The demo data (loaded by the `site` fixture) already holds a Nguyễn Thị Hòa of Phường Sa Pa, born
in 2013; this journey's girl lives in Xã Bát Xát and was born in 2016, so she is another child.
"""

import pytest
from django.conf import settings
from django.utils import timezone
from playwright.sync_api import expect

from beneficiaries import services
from beneficiaries.models import Child, DuplicateSuspect
from tests.beneficiaries import factories as f

PHONE = {"width": 360, "height": 740}
BORN = "05/09/2016"


def log_in(page, site, username):
    page.goto(f"{site}/accounts/login/")
    page.fill("input[name=login]", username)
    page.fill("input[name=password]", settings.DEMO_PASSWORD)
    page.click("main form button[type=submit]")
    expect(page.get_by_test_id("home-title")).to_be_visible()


def fits_the_phone(page) -> bool:
    return page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]


def fill_registration(page, site, *, name, phone, commune="Xã Bát Xát"):
    page.goto(f"{site}/children/register/")
    page.fill("input[name=full_name]", name)
    page.select_option("select[name=sex]", "F")
    page.fill("input[name=date_of_birth]", BORN)
    page.select_option("select[name=ethnicity]", "08")  # Hmông
    page.select_option("select[name=commune]", label=commune)
    page.fill("input[name=cg1-caregiver_name]", "Lò Thị Dung")
    page.select_option("select[name=cg1-caregiver_relationship]", "mother")
    page.fill("input[name=cg1-caregiver_phone]", phone)


def submit(page):
    page.get_by_test_id("child-form").locator("button[type=submit]").click()


@pytest.fixture
def phone_page(site, page):
    page.set_viewport_size(PHONE)
    return page


def test_worker_registers_is_warned_of_a_duplicate_and_finds_the_child(site, phone_page):
    page = phone_page
    log_in(page, site, "worker")

    # 1. Register the girl, in Vietnamese, in one form.
    fill_registration(page, site, name="Nguyễn Thị Hòa", phone="0912 777 001")
    assert fits_the_phone(page)
    submit(page)
    expect(page.get_by_test_id("child-name")).to_have_text("Nguyễn Thị Hòa")
    child = Child.objects.get(full_name="Nguyễn Thị Hòa", commune__code=f.BAT_XAT)
    assert page.url.endswith(f"/children/{child.public_id}/")
    expect(page.locator("main")).to_contain_text(child.registry_number)
    expect(page.get_by_test_id("caregivers")).to_contain_text("0912777001")
    assert fits_the_phone(page)

    # 1b. She records her mother's consent to share: the form is loaded when its panel is opened
    # (issue 9), and so is the record's history.
    page.get_by_test_id("consent-part").locator("summary").click()
    consent = page.get_by_test_id("consent-form")
    expect(consent).to_be_visible()
    consent.locator("select[name=purpose]").select_option("sharing")
    consent.locator("select[name=given_by]").select_option(index=1)
    consent.locator("input[name=given_on]").fill(timezone.localdate().strftime("%d/%m/%Y"))
    consent.locator("input[name=child_agreed]").check()  # she is ten: she agrees too (Law on Children art. 6)
    consent.locator("button[type=submit]").click()
    expect(page.get_by_test_id("consents")).to_contain_text("Lò Thị Dung")
    assert child.consents.filter(purpose="sharing", withdrawn_on__isnull=True).exists()
    # ... and the grandmother who looks after her in the week, from the caregiver panel.
    page.get_by_test_id("caregiver-part").locator("summary").click()
    caregiver = page.get_by_test_id("caregiver-form")
    expect(caregiver).to_be_visible()
    caregiver.locator("input[name=cg-caregiver_name]").fill("Lò Thị Mai")
    caregiver.locator("select[name=cg-caregiver_relationship]").select_option("grandmother")
    caregiver.locator("input[name=cg-caregiver_phone]").fill("0912 777 009")
    caregiver.locator("button[type=submit]").click()
    expect(page.get_by_test_id("caregivers")).to_contain_text("0912777009")
    page.get_by_test_id("history-part").locator("summary").click()
    expect(page.get_by_test_id("timeline").locator("li")).to_have_count(2)  # registered, consent recorded
    assert fits_the_phone(page)

    # 2. Register her again without accents: warned before anything is saved.
    fill_registration(page, site, name="Nguyen Thi Hoa", phone="0912 777 002")
    submit(page)
    warning = page.get_by_test_id("duplicate-warning")
    expect(warning).to_be_visible()
    expect(warning).to_contain_text(child.registry_number)
    assert fits_the_phone(page)
    assert not Child.objects.filter(full_name="Nguyen Thi Hoa", commune__code=f.BAT_XAT).exists()

    # 3. She opens the existing record (in a new tab) instead of creating a second one.
    with page.context.expect_page() as new_tab:
        warning.locator(f'a[href="/children/{child.public_id}/"]').click()
    existing = new_tab.value
    expect(existing.get_by_test_id("child-name")).to_have_text("Nguyễn Thị Hòa")
    expect(existing.locator("main")).to_contain_text(child.registry_number)
    existing.close()

    # 4. Later she finds her by typing the name the way people say it, without accents.
    page.goto(f"{site}/children/")
    page.fill("input[name=search]", "hoa nguyen")
    page.keyboard.press("Enter")
    results = page.get_by_test_id("children")
    expect(results).to_contain_text(child.registry_number)
    # The name went by POST: the address holds a key of the search, never the name (issue 8 item 6).
    assert "q=" in page.url and "hoa" not in page.url.lower(), page.url
    assert fits_the_phone(page)
    # She narrows the results to girls: the filters load when their panel is opened (issue 9).
    expect(page.locator('select[name="sex"]')).to_have_count(0)
    page.get_by_test_id("filters-part").locator("summary").click()
    page.select_option('[data-testid=child-filters] select[name="sex"]', "F")
    page.locator('[data-testid=child-filters] button:has-text("Áp dụng")').click()
    expect(page.locator('[data-testid=child-filters] select[name="sex"]')).to_have_value("F")
    expect(page.locator("input[name=search]")).to_have_value("hoa nguyen")
    expect(results).to_contain_text(child.registry_number)
    assert "hoa" not in page.url.lower(), page.url
    results.locator(f'a[href="/children/{child.public_id}/"]').click()
    expect(page.get_by_test_id("child-name")).to_have_text("Nguyễn Thị Hòa")
    assert Child.objects.filter(name_folded="nguyen thi hoa", commune__code=f.BAT_XAT).count() == 1


def test_confirmed_new_record_is_queued_and_the_supervisor_merges_it(site, phone_page, browser):
    original = services.register_child(by=f.user("worker"), data={
        "full_name": "Nguyễn Thị Hòa", "sex": "F", "date_of_birth": f.years_ago(10), "commune": f.commune(f.BAT_XAT),
    }, caregivers=[services.CaregiverData("Lò Thị Dung", "mother", "0912777001")])
    born = original.date_of_birth.strftime("%d/%m/%Y")

    # A worker is unsure, and registers the unaccented record anyway, saying why.
    page = phone_page
    log_in(page, site, "worker")
    fill_registration(page, site, name="Nguyen Thi Hoa", phone="0912 777 003")
    page.fill("input[name=date_of_birth]", born)
    submit(page)
    expect(page.get_by_test_id("duplicate-warning")).to_contain_text(original.registry_number)
    page.check("input[name=confirm_new]")
    page.fill("input[name=duplicate_reason]", "Mẹ khác tên, chưa chắc cùng một trẻ")
    submit(page)
    expect(page.get_by_test_id("child-name")).to_have_text("Nguyen Thi Hoa")
    second = Child.objects.get(full_name="Nguyen Thi Hoa", commune__code=f.BAT_XAT)
    suspect = DuplicateSuspect.objects.get(child=original, other=second, status="open")
    old_number = second.registry_number

    # The supervisor, on her phone too, reviews the queue and merges the pair.
    supervisor = browser.new_context(viewport=PHONE).new_page()
    log_in(supervisor, site, "supervisor")
    supervisor.goto(f"{site}/children/duplicates/")
    queue = supervisor.get_by_test_id("duplicates")
    expect(queue).to_contain_text(old_number)
    expect(queue).to_contain_text("Mẹ khác tên")
    queue.locator(f'a[href="/children/duplicates/{suspect.pk}/"]').click()
    supervisor.check(f'input[name=survivor][value="{original.public_id}"]')
    supervisor.fill("input[name=reason]", "Cùng ngày sinh, cùng xã, cùng mẹ")
    assert fits_the_phone(supervisor)
    supervisor.locator("button[name=action][value=merge]").click()
    expect(supervisor.get_by_test_id("child-name")).to_have_text("Nguyễn Thị Hòa")
    assert supervisor.url.endswith(f"/children/{original.public_id}/")
    expect(supervisor.locator("main")).to_contain_text(old_number)  # listed under merged records
    second.refresh_from_db()
    assert second.merged_into_id == original.pk and not second.is_active

    # The old number still opens the surviving record: by search, and by the old record's address.
    supervisor.goto(f"{site}/children/")
    supervisor.fill("input[name=search]", old_number)
    supervisor.keyboard.press("Enter")
    results = supervisor.get_by_test_id("children")
    expect(results.locator("a")).to_have_count(1)
    assert old_number not in supervisor.url
    expect(results).to_contain_text(original.registry_number)
    results.locator("a").click()
    expect(supervisor.get_by_test_id("child-name")).to_have_text("Nguyễn Thị Hòa")
    supervisor.goto(f"{site}/children/{second.public_id}/")
    expect(supervisor.get_by_test_id("child-name")).to_have_text("Nguyễn Thị Hòa")
    assert supervisor.url.endswith(f"/children/{original.public_id}/")
    supervisor.context.close()
