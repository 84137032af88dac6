"""Journey 1 (a night on the hotline), in Chromium: the hotline persona logs ten non-counselling
calls with single keystrokes on the Lào Cai line, starts a counselling call, types, leaves the
page and comes back to find every word; finds the girl in the registry by her name without
accents, marks the call urgent and opens an emergency intervention case in one step, sees the case
number and the 12-hour clock running. The Lào Cai supervisor then sees the call on the live board
and figures for the period that agree with what was logged.

Selectors are test ids, names and values, so the test holds when the Vietnamese catalogue fills in.
"""

from django.conf import settings
from django.utils import timezone
from playwright.sync_api import expect

from accounts.models import User
from cases.models import Case
from hotline import selectors, statistics
from hotline.models import Call

KEYS = ["s", "h", "p", "w", "a", "t", "i", "k", "s", "s"]
TYPES = ["SILENT", "HANG_UP", "PRANK", "WRONG_NUMBER", "ABUSIVE", "TEST", "INFORMATION_REQUEST", "THANKS", "SILENT",
         "SILENT"]
MARKER = "ref-2310"  # in the summary, to recognise the autosave that carries it
SUMMARY = f"Cháu gái 13 tuổi kể bị cha dượng đánh, sợ không dám về nhà tối nay ({MARKER})."


def log_in(page, site, username):
    page.goto(f"{site}/accounts/login/")
    page.fill("input[name=login]", username)
    page.fill("input[name=password]", settings.DEMO_PASSWORD)
    page.click("main form button[type=submit]")
    expect(page.get_by_test_id("home-title")).to_be_visible()


def watch_policy_violations(page) -> list[str]:
    """Inline script, inline style or an on* attribute would show up as a CSP violation."""
    violations = []
    page.on("console", lambda message: violations.append(message.text)
            if "Content Security Policy" in message.text else None)
    return violations


def lao_cai_figures() -> dict:
    supervisor = User.objects.get(username="supervisor")
    today = timezone.localdate()
    calls = statistics.in_period(selectors.calls_counted_for(supervisor).filter(hotline__code="LC-HOTLINE"),
                                 statistics.Period(today.replace(day=1), today))
    return {**statistics.kpis(calls), **statistics.emergencies(calls)}


def test_a_night_on_the_hotline(site, page, browser):
    violations = watch_policy_violations(page)
    counsellor = User.objects.get(username="hotline")
    before = lao_cai_figures()
    log_in(page, site, "hotline")

    # The call screen: choose the Lào Cai line, then one key per call.
    page.get_by_test_id("nav").locator('a[href="/hotline/"]').click()
    expect(page.get_by_test_id("call-screen-title")).to_be_visible()
    page.get_by_test_id("line-select").select_option(label="Đường dây nóng bảo vệ trẻ em tỉnh Lào Cai (02143840111)")
    page.evaluate("document.activeElement.blur()")
    logged = int(page.get_by_test_id("logged-today").inner_text())
    for number, key in enumerate(KEYS, start=1):
        page.keyboard.press(key)
        expect(page.get_by_test_id("logged-today")).to_have_text(str(logged + number))
    latest = list(Call.objects.filter(counsellor=counsellor, hotline__code="LC-HOTLINE").order_by("-pk")[:10])
    assert [c.contact_type for c in reversed(latest)] == TYPES
    assert all(c.status == "COMPLETE" for c in latest)

    # A counselling call: N opens the form; the counsellor types and the form saves itself.
    page.keyboard.press("n")
    expect(page.get_by_test_id("counselling-form")).to_be_visible()
    call = Call.objects.filter(counsellor=counsellor, status="DRAFT").order_by("-pk").first()
    assert call.hotline.code == "LC-HOTLINE"
    page.select_option("select[name=contact_type]", "CHILD_SELF")
    page.select_option("select[name=caller_relationship]", "CHILD_SELF")
    with page.expect_request(lambda r: "/hotline/search/previous-calls/" in r.url) as looked_up:
        page.fill("input[name=caller_phone]", "0387 000 111")  # the demo's prank caller: a repeat caller
    expect(page.get_by_test_id("previous-calls")).to_be_visible()
    with page.expect_request(lambda r: "/hotline/search/children/" in r.url) as searched:
        page.fill("[data-testid=child-search]", "nguyen thi hoa")
    # A number and a name go by POST, never in a URL (issue 8 item 6).
    for request, typed in ((looked_up.value, "0387"), (searched.value, "nguyen")):
        assert request.method == "POST" and typed not in request.url, request.url
    page.get_by_test_id("child-result").filter(has_text="Nguyễn Thị Hòa").first.click()
    expect(page.get_by_test_id("chosen-child")).to_contain_text("Nguyễn Thị Hòa")
    page.get_by_test_id("category-group-VIOLENCE").locator("summary").click()
    page.check('input[name=categories][value="VIOLENCE.PHYSICAL_VIOLENCE"]')
    page.get_by_test_id("category-group-FAMILY").locator("summary").click()
    page.check('input[name=categories][value="FAMILY.RELATIONSHIP_TO_CAREGIVER"]')
    page.select_option("select[name=urgency]", "EMERGENCY")
    with page.expect_response(lambda r: "/draft/" in r.url and MARKER in (r.request.post_data or "")) as saved:
        page.fill("textarea[name=summary]", SUMMARY)
    assert saved.value.ok
    expect(page.get_by_test_id("draft-saved")).to_be_visible()

    # The tab is "closed": the counsellor goes elsewhere, then finds the draft on the call screen.
    page.goto(f"{site}/")
    page.goto(f"{site}/hotline/")
    page.get_by_test_id("my-drafts").get_by_test_id("draft-link").first.click()
    expect(page.locator("textarea[name=summary]")).to_have_value(SUMMARY)
    expect(page.locator("select[name=urgency]")).to_have_value("EMERGENCY")
    expect(page.locator('input[name=categories][value="VIOLENCE.PHYSICAL_VIOLENCE"]')).to_be_checked()
    expect(page.get_by_test_id("chosen-child")).to_contain_text("Nguyễn Thị Hòa")
    expect(page.locator("input[name=caller_phone]")).to_have_value("0387 000 111")

    # The urgent report becomes an emergency intervention case in one step.
    page.get_by_test_id("escalate-section").locator("summary").click()
    page.select_option("select[name=case-level]", "INTERVENTION")
    page.select_option("select[name=case-category]", "ABUSED")
    page.check("input[name=case-is_emergency]")
    page.check('input[name=case-abuse_types][value="VIOLENCE"]')
    page.get_by_test_id("log-and-open-case").click()
    expect(page.get_by_test_id("case-number")).to_contain_text("HS-15-")
    call.refresh_from_db()
    case = Case.objects.get(pk=call.case_id)
    assert call.status == "COMPLETE" and call.reporting_class == "COUNSELLING" and call.summary == SUMMARY
    assert case.child.full_name == "Nguyễn Thị Hòa" and case.commune.province.code == "15" and case.is_emergency
    expect(page.get_by_test_id("case-number")).to_have_text(case.case_number)
    page.get_by_test_id("case-number").click()
    clock = page.locator('[data-testid=clock][data-code="EMERGENCY_12H"]')
    expect(clock).to_have_attribute("data-state", "running")
    expect(clock.get_by_test_id("clock-state")).to_contain_text("11")  # 11 h 5x min left

    # The Lào Cai supervisor sees the call live and figures that agree with what was logged.
    supervisor = browser.new_context().new_page()
    supervisor_violations = watch_policy_violations(supervisor)
    log_in(supervisor, site, "supervisor")
    supervisor.goto(f"{site}/hotline/figures/?hotline=LC-HOTLINE")
    live = supervisor.get_by_test_id("live-board")
    expect(live.get_by_test_id("live-row").filter(has_text=case.case_number)).to_be_visible()
    after = lao_cai_figures()
    assert after["received"] == before["received"] + 11 and after["counselling"] == before["counselling"] + 1
    assert after["non_contact"] == before["non_contact"] + 8 and after["non_counselling"] == \
        before["non_counselling"] + 2
    assert after["with_case"] == before["with_case"] + 1
    assert after["emergency_cases"] == before["emergency_cases"] + 1
    counts = supervisor.get_by_test_id("counts")
    for code in ("received", "counselling", "non_counselling", "non_contact", "with_case", "emergency_cases"):
        expect(counts.locator(f"tr[data-code={code}] td")).to_have_text(str(after[code]))
    expect(supervisor.get_by_test_id("kpis").locator("tr[data-code=ANSWER_RATE]")).to_contain_text("answered / offered")
    assert not violations and not supervisor_violations, violations + supervisor_violations
