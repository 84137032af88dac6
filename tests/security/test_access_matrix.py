"""The access matrix: every route of the site and the API × every demo persona → the expected outcome.

The routes come from the URL configuration itself (`get_resolver()`, which includes the API
router), so a new route without a row below fails `test_every_route_has_a_matrix_entry`. The
records requested are of province A (Lào Cai, 15), made by `matrix_records`; worker_b and the
counsellor hotline_b work in province B and must get 404 on every one of them, as must a partner on
everything that was not referred to its agency (ARCHITECTURE.md, "Access control: one choke point").

Outcomes of a GET:
- "ok": 200, or a 302 to a page of the app that is not the login page;
- "login": a 302 to the login page (HTML), or a 401 (API);
- "404", "403", "400": that status;
- "405": the route takes POST (or another method) only.
"""

import json
from collections.abc import Callable

import pytest
from django.conf import settings
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from accounts.models import User
from beneficiaries.models import Caregiver, Child, ChildCircumstance, ChildMerge, Consent, SensitiveInfo
from cases.models import Attachment, Case, CaseDocument, CaseTransition, PlanTask, ServiceDelivery, Visit
from core.models import Notification
from hotline.models import Call, Callback, CallbackAttempt
from referrals.models import Referral, ReferralEvent
from tests.conftest import PERSONAS

from .conftest import MatrixRecords

ANONYMOUS = "anonymous"
EVERYONE = [ANONYMOUS, *PERSONAS]

# Routes the matrix leaves out, and why. Everything else the resolver lists needs a row.
SKIPPED_PREFIXES = {
    "admin:": "the Django admin: staff only, behind allauth's login and two factors, Django's own checks",
    "account_": "allauth's sign-in, sign-out, password and e-mail pages: public by design",
    "mfa_": "allauth's two-factor pages: the signed-in user's own authenticators",
    "socialaccount_": "allauth's social accounts (not enabled)",
}
SKIPPED_NAMES = {
    "set_language": "i18n: sets the language cookie, reads no record",
    "api-schema": "the OpenAPI schema (tested by the API fuzzing)",
    "api-docs": "the Swagger UI page of the schema",
    "static": "static files (development only)",
    "media": "media files (development only)",
}
# Unnamed patterns exist only in the admin (its catch-all and object redirects).
SKIPPED_UNNAMED_PREFIXES = ("admin/",)


def skip_reason(name: str) -> str | None:
    for prefix, reason in SKIPPED_PREFIXES.items():
        if name.startswith(prefix):
            return reason
    return SKIPPED_NAMES.get(name)


def walk(resolver: URLResolver, prefix: str = "", namespace: str = ""):
    """(name with its namespace, pattern) of every route, recursively."""
    for pattern in resolver.url_patterns:
        if isinstance(pattern, URLResolver):
            ns = f"{namespace}:{pattern.namespace}" if namespace and pattern.namespace else (
                pattern.namespace or namespace)
            yield from walk(pattern, prefix + str(pattern.pattern), ns)
        elif isinstance(pattern, URLPattern):
            name = pattern.name and (f"{namespace}:{pattern.name}" if namespace else pattern.name)
            yield name, prefix + str(pattern.pattern)


def routes_of_the_site() -> set[str]:
    """Every route name to check, and `<unnamed: pattern>` for an unnamed route outside the admin."""
    names = set()
    for name, pattern in walk(get_resolver()):
        if name is None:
            if not pattern.startswith(SKIPPED_UNNAMED_PREFIXES):
                names.add(f"<unnamed: {pattern}>")
        elif skip_reason(name) is None:
            names.add(name)
    return names


# --- URL arguments, built from the records of province A ---------------------------------------

Kwargs = Callable[[MatrixRecords], dict]


def child(r):
    return {"public_id": r.child.public_id}


def case(r):
    return {"public_id": r.case.public_id}


def call(r):
    return {"public_id": r.call.public_id}


def batch(r):
    return {"public_id": r.batch.public_id}


def commune(r):
    return {"code": r.commune.code}


def referral_to_partner(r):
    return {"public_id": r.referral_to_partner.public_id}


def referral_elsewhere(r):
    return {"public_id": r.referral_elsewhere.public_id}


def api_referral(r):
    return {"id": r.referral_to_partner.public_id}


def api_referral_elsewhere(r):
    return {"id": r.referral_elsewhere.public_id}


def with_(base: Kwargs, **extra: Callable[[MatrixRecords], object]) -> Kwargs:
    return lambda r: {**base(r), **{key: make(r) for key, make in extra.items()}}


def fixed(**values) -> Kwargs:
    return lambda r: values


NONE = fixed()


# --- The matrix ----------------------------------------------------------------------------------


def row(kwargs: Kwargs = NONE, default: str = "404", *, anonymous: str = "login", query: str = "",
        **outcomes: str) -> dict:
    """One route: how to build its URL, and the outcome per persona (`default` for those not named)."""
    unknown = set(outcomes) - set(PERSONAS)
    assert not unknown, f"not a persona: {unknown}"
    return {"kwargs": kwargs, "query": query,
            "expect": {ANONYMOUS: anonymous, **{p: outcomes.get(p, default) for p in PERSONAS}}}


def ok_for(*personas: str, kwargs: Kwargs = NONE, default: str = "404", anonymous: str = "login", query: str = "",
           **overrides: str) -> dict:
    """"ok" for these personas (but for those `overrides` names), `default` for the others."""
    return row(kwargs, default, anonymous=anonymous, query=query, **({p: "ok" for p in personas} | overrides))


def post_only(kwargs: Kwargs = NONE, **rest) -> dict:
    """A POST-only route: a GET is refused with 405 once signed in."""
    return row(kwargs, "405", **rest)


STAFF_A = ("worker", "supervisor", "hotline", "official", "national", "admin")
ALL_STAFF = ("worker", "worker_b", "supervisor", "hotline", "hotline_b", "official", "national", "admin")
SIGNED_IN = (*ALL_STAFF, "partner")
COUNSELLORS = ("hotline", "hotline_b")
NO_COUNSELLOR = {c: "404" for c in COUNSELLORS}  # statistics are not for hotline counsellors

MATRIX: dict[str, dict] = {}  # filled in below


def agency(r):
    return {"public_id": r.partner_agency.public_id}


def other_agency(r):
    return {"public_id": r.other_agency.public_id}


def service_type(r):
    from agencies.models import ServiceType

    return {"code": ServiceType.objects.order_by("pk").first().code}


# Who may do what (from the permissions modules and the *_visible_to selectors):
# - children: everyone of the area but partners; registering, importing and the duplicate queue for
#   workers, supervisors and the admin; the child's edit page for its area's worker, supervisor, admin.
# - cases: the assigned worker, the area's supervisor and officials, the counsellor who opened it.
# - calls: counsellors and supervisors of the line (hotline_b's is Đồng Tháp's); officials count
#   calls, never read them.
# - referrals: staff whose case or child it is; a partner only those addressed to its agency.
# - statistics: staff but counsellors; a provincial user only their province (404 for another).
# - reference data (provinces, communes, villages, service types): anyone signed in.
MATRIX.update({
    # core
    "home": ok_for(*SIGNED_IN),
    "healthz": ok_for(*SIGNED_IN, anonymous="ok"),
    "readyz": ok_for(*SIGNED_IN, anonymous="ok"),
    # geography (reference data)
    "geography:commune_list": ok_for(*SIGNED_IN),
    "geography:commune_detail": ok_for(*SIGNED_IN, kwargs=commune),
    "geography:village_toggle": post_only(lambda r: {"code": r.commune.code, "village_id": r.village.pk}),
    # agencies: staff see their province's and nationwide agencies, a partner its own only
    "agencies:agency_list": ok_for(*SIGNED_IN),
    "agencies:agency_detail": ok_for(*STAFF_A, "partner", kwargs=agency),
    "agencies:agency_detail [another agency]": ok_for(*STAFF_A, kwargs=other_agency),
    # beneficiaries
    "beneficiaries:child_list": ok_for(*ALL_STAFF),
    "beneficiaries:child_filters": ok_for(*ALL_STAFF),
    "beneficiaries:child_register": ok_for("worker", "worker_b", "supervisor", "admin"),
    "beneficiaries:child_export": ok_for("worker", "worker_b", "supervisor", "official", "national", "admin",
                                         kwargs=fixed(fmt="csv")),
    "beneficiaries:village_options": ok_for(*SIGNED_IN),
    "beneficiaries:import_upload": ok_for("worker", "worker_b", "supervisor", "admin"),
    "beneficiaries:import_template": ok_for("worker", "worker_b", "supervisor", "admin", kwargs=fixed(fmt="csv")),
    "beneficiaries:import_preview": ok_for("worker", kwargs=batch),  # the uploader only
    "beneficiaries:import_run": post_only(batch),
    "beneficiaries:import_progress": ok_for("worker", kwargs=batch),
    "beneficiaries:duplicate_queue": ok_for("worker", "worker_b", "supervisor", "admin"),
    "beneficiaries:duplicate_review": ok_for("supervisor", kwargs=lambda r: {"suspect_id": r.suspect.pk}),
    "beneficiaries:merge_undo": post_only(lambda r: {"merge_id": r.merge.pk}),
    "beneficiaries:child_detail": ok_for(*STAFF_A, kwargs=child),
    "beneficiaries:child_edit": ok_for("worker", "supervisor", "admin", kwargs=child),
    # GET: the form, loaded when its panel of the child's page is opened; POST: the action.
    "beneficiaries:caregiver_add": ok_for("worker", "supervisor", "admin", kwargs=child),
    "beneficiaries:circumstance_add": ok_for("worker", "supervisor", "admin", kwargs=child),
    "beneficiaries:circumstance_end": post_only(with_(child, circumstance_id=lambda r: r.circumstance.pk)),
    "beneficiaries:consent_add": ok_for("worker", "supervisor", "admin", kwargs=child),
    "beneficiaries:child_history": ok_for(*STAFF_A, kwargs=child),
    "beneficiaries:child_viewers": ok_for("supervisor", kwargs=child),
    "beneficiaries:consent_withdraw": post_only(with_(child, consent_id=lambda r: r.consent.pk)),
    # the sensitive form holds the sensitive values: the key worker and the supervisor only
    "beneficiaries:sensitive_edit": ok_for("worker", "supervisor", kwargs=child),
    "beneficiaries:child_deactivate": ok_for("worker", "supervisor", "admin", kwargs=child),
    "beneficiaries:child_reactivate": post_only(child),
    # cases (the case is opened and assigned to `worker`, not by the counsellor)
    "cases:case_list": ok_for(*ALL_STAFF),
    "cases:case_filters": ok_for(*ALL_STAFF),
    "cases:case_export": ok_for("supervisor", "official", "national", "admin"),
    "cases:case_open": ok_for("worker", "worker_b", "supervisor", *COUNSELLORS),
    "cases:my_work": ok_for("worker", "worker_b"),
    "cases:team": ok_for("supervisor"),
    "cases:notifications": ok_for(*SIGNED_IN),
    "cases:notifications_read_all": post_only(),
    "cases:notification_open": post_only(lambda r: {"pk": r.notification.pk}),
    "cases:case_detail": ok_for("worker", "supervisor", "official", "national", "admin", kwargs=case),
    "cases:case_transition": post_only(case),
    "cases:document_edit": ok_for("worker", "supervisor", kwargs=with_(case, kind=lambda r: "intake")),
    "cases:level_change": post_only(case),
    "cases:task_add": post_only(case),
    "cases:task_remove": post_only(with_(case, task_id=lambda r: r.task.pk)),
    "cases:visit_add": post_only(case),
    "cases:service_add": post_only(case),
    "cases:attachment_add": post_only(case),
    "cases:attachment_download": ok_for("worker", "supervisor", "official", "national", "admin",
                                        kwargs=with_(case, attachment_id=lambda r: r.attachment.pk)),
    "cases:reassign": post_only(case),
    "cases:transfer": post_only(case),
    "cases:lift_separation": post_only(case),
    "cases:form_print": ok_for("worker", "supervisor", "official", "national", "admin",
                               kwargs=with_(case, form_no=lambda r: "01")),
    # referrals
    "referrals:referral_list": ok_for(*ALL_STAFF),
    "referrals:inbox": ok_for("partner"),
    "referrals:referral_new": row(),  # needs a case, child or call to refer: 404 without one
    "referrals:referral_detail": ok_for("worker", "supervisor", "official", "national", "admin", "partner",
                                        kwargs=referral_to_partner),
    "referrals:referral_detail [another agency]": ok_for("worker", "supervisor", "official", "national", "admin",
                                                         kwargs=referral_elsewhere),
    "referrals:partner_action": post_only(referral_to_partner),
    "referrals:sender_action": post_only(referral_to_partner),
    # hotline: counsellors and supervisors of the line; figures for supervisors and officials
    "hotline:call_screen": ok_for("supervisor", *COUNSELLORS),
    "hotline:call_start": post_only(),
    "hotline:quick_log_new": post_only(),
    "hotline:call_list": ok_for("supervisor", *COUNSELLORS),
    "hotline:call_detail": ok_for("supervisor", "hotline", kwargs=call),
    "hotline:call_draft": post_only(call),
    "hotline:call_complete": post_only(call),
    "hotline:call_quick_log": post_only(call),
    "hotline:call_escalate": post_only(call),
    "hotline:call_add_to_case": post_only(call),
    "hotline:callback_schedule": post_only(call),
    "hotline:callback_queue": ok_for("supervisor", *COUNSELLORS),
    "hotline:callback_attempt": post_only(lambda r: {"pk": r.callback.pk}),
    "hotline:child_search": post_only(),  # POST: a name never travels in a URL (core.search)
    "hotline:child_pick": ok_for("supervisor", *COUNSELLORS),
    "hotline:previous_calls": post_only(),  # POST: nor a caller's number
    "hotline:commune_options": ok_for("supervisor", *COUNSELLORS),
    "hotline:figures": ok_for("supervisor", "official", "national", "admin"),
    "hotline:figures [province A]": ok_for("supervisor", "official", "national", "admin", query="province=15"),
    "hotline:figures_live": ok_for("supervisor"),
    "hotline:report_111": ok_for("supervisor", "official", "national", "admin"),
    "hotline:report_111_export": ok_for("supervisor", "official", "national", "admin"),
    # statistics: a provincial user sees their own province; another province's is a 404
    "reports:dashboard": ok_for(*ALL_STAFF, **NO_COUNSELLOR),
    "reports:dashboard [province A]": ok_for(*STAFF_A, hotline="404", query="province=15"),
    "reports:rebuild": post_only(anonymous="405"),  # require_POST comes before the login check
    "reports:build": ok_for(*STAFF_A, hotline="404", kwargs=lambda r: {"pk": r.build.pk}),
    "reports:export": ok_for(*ALL_STAFF, **NO_COUNSELLOR, kwargs=fixed(fmt="csv")),
    "reports:export [province A]": ok_for(*STAFF_A, hotline="404", kwargs=fixed(fmt="csv"), query="province=15"),
    "reports:print_report": ok_for(*ALL_STAFF, **NO_COUNSELLOR),
    "reports:print_report [province A]": ok_for(*STAFF_A, hotline="404", query="province=15"),
    "reports:commune": ok_for(*STAFF_A, hotline="404", kwargs=commune),
    "reports:drilldown": ok_for("supervisor", kwargs=with_(commune, indicator=lambda r: "CASES_OPENED")),
    "reports:assessment_list": ok_for(*ALL_STAFF, **NO_COUNSELLOR),
    "reports:assessment_record": ok_for("supervisor", "official"),
    "reports:fund_list": ok_for(*ALL_STAFF, **NO_COUNSELLOR),
    "reports:fund_record": ok_for("supervisor", "official"),
    "reports:event_list": ok_for(*ALL_STAFF, **NO_COUNSELLOR),
    "reports:event_record": ok_for("supervisor", "official"),
    # API (DRF router and its extra actions): 401 without credentials; lists are scoped (see below)
    "api-token": post_only(anonymous="405"),  # the sign-in itself
    "api-logout": row(default="login"),  # token authentication only: a session is not enough
    "api-statistics": ok_for(*ALL_STAFF, hotline="403", hotline_b="403", partner="403"),
    "api-statistics [province A]": ok_for(*ALL_STAFF, hotline="403", hotline_b="403", partner="403",
                                          query="province=15"),
    "province-list": ok_for(*SIGNED_IN),
    "province-detail": ok_for(*SIGNED_IN, kwargs=fixed(code="15")),
    "commune-list": ok_for(*SIGNED_IN),
    "commune-detail": ok_for(*SIGNED_IN, kwargs=commune),
    "service-type-list": ok_for(*SIGNED_IN),
    "service-type-detail": ok_for(*SIGNED_IN, kwargs=service_type),
    "agency-list": ok_for(*SIGNED_IN),
    "agency-detail": ok_for(*STAFF_A, "partner", kwargs=agency),
    "agency-detail [another agency]": ok_for(*STAFF_A, kwargs=other_agency),
    "child-list": ok_for(*SIGNED_IN),
    "child-detail": ok_for(*STAFF_A, kwargs=child),
    "case-list": ok_for(*SIGNED_IN),
    "case-detail": ok_for("worker", "supervisor", "official", "national", "admin", kwargs=case),
    "case-tasks": ok_for("worker", "supervisor", "official", "national", "admin", kwargs=case),
    "case-documents": post_only(case),
    "case-level": post_only(case),
    "case-services": post_only(case),
    "case-transitions": post_only(case),
    "case-visits": post_only(case),
    "call-list": ok_for(*SIGNED_IN),
    "call-detail": ok_for("supervisor", "hotline", kwargs=call),
    "referral-list": ok_for(*SIGNED_IN),
    "referral-detail": ok_for("worker", "supervisor", "official", "national", "admin", "partner",
                              kwargs=api_referral),
    "referral-detail [another agency]": ok_for("worker", "supervisor", "official", "national", "admin",
                                               kwargs=api_referral_elsewhere),
    "referral-accept": post_only(api_referral),
    "referral-close": post_only(api_referral),
    "referral-complete": post_only(api_referral),
    "referral-decline": post_only(api_referral),
    "referral-revoke": post_only(api_referral),
    "referral-start": post_only(api_referral),
})


API_ROUTES = {name for name, pattern in walk(get_resolver()) if name and pattern.startswith("api/v1/")}


def route_of(key: str) -> str:
    """`name [variant]` → name: a route may have several rows (another record, another query)."""
    return key.split(" [")[0]


def outcome(response) -> str:
    if response.status_code == 302:
        location = response["Location"]
        return "login" if location.startswith(settings.LOGIN_URL) or "/accounts/login/" in location else "ok"
    if response.status_code == 401:
        return "login"
    return "ok" if response.status_code == 200 else str(response.status_code)


def client_for(persona: str) -> Client:
    client = Client()
    if persona != ANONYMOUS:
        client.force_login(User.objects.get(username=persona))
    return client


def url_of(key: str, records: MatrixRecords) -> str:
    entry = MATRIX[key]
    url = reverse(route_of(key), kwargs=entry["kwargs"](records))
    return f"{url}?{entry['query']}" if entry["query"] else url


# --- The tests ---------------------------------------------------------------------------------


def test_every_route_has_a_matrix_entry():
    missing = routes_of_the_site() - {route_of(key) for key in MATRIX}
    assert not missing, f"routes without a row in the access matrix: {sorted(missing)}"


def test_every_matrix_entry_is_a_route():
    stale = {route_of(key) for key in MATRIX} - routes_of_the_site()
    assert not stale, f"rows of the access matrix for routes that no longer exist: {sorted(stale)}"


def test_the_skip_rules_hide_no_app_route():
    """The skip rules cover only third-party and infrastructure routes, never one of the apps."""
    skipped = {name for name, _ in walk(get_resolver()) if name and skip_reason(name)}
    apps = ("geography:", "agencies:", "beneficiaries:", "cases:", "referrals:", "hotline:", "reports:")
    assert not {name for name in skipped if name.startswith(apps)}


@pytest.mark.parametrize(("key", "persona"), [(key, persona) for key in MATRIX for persona in EVERYONE])
def test_access_matrix(key, persona, matrix_records):
    url = url_of(key, matrix_records)
    expected = MATRIX[key]["expect"][persona]
    got = outcome(client_for(persona).get(url))
    assert got == expected, f"GET {url} as {persona}: {got}, expected {expected}"


# --- Lists, searches, exports and choices: province A's records appear nowhere for worker_b ------


def body(client: Client, url: str) -> str:
    response = client.get(url)
    assert response.status_code == 200, f"GET {url}: {response.status_code}"
    return b"".join(response.streaming_content).decode() if response.streaming else response.content.decode()


def api_ids(client: Client, url: str) -> set[str]:
    """Public ids of every row of a paginated API list (all pages)."""
    ids: set[str] = set()
    while url:
        data = client.get(url).json()
        rows = data["results"] if isinstance(data, dict) else data
        ids |= {str(row.get("public_id") or row.get("id")) for row in rows}
        url = data.get("next") if isinstance(data, dict) else None
    return ids


def leaked(page: str, markers: tuple[str, ...], url: str, typed: str = "") -> list[str]:
    """Markers of a record found on a page, but for those the URL or the search typed holds (pages
    echo the query)."""
    return [marker for marker in markers if marker in page and marker not in url and marker not in typed]


def searched(client: Client, list_url: str, **form: str) -> str:
    """The results page a list's search form leads to (the text goes by POST, a key comes back)."""
    response = client.post(list_url, form)
    assert response.status_code == 302, f"POST {list_url}: {response.status_code}"
    return response["Location"]


def test_worker_b_finds_no_child_of_province_a(matrix_records):
    r = matrix_records
    markers = (str(r.child.public_id), r.child.registry_number, r.child.full_name)
    own, other = client_for("worker"), client_for("worker_b")
    children = reverse("beneficiaries:child_list")
    export = reverse("beneficiaries:child_export", kwargs={"fmt": "csv"})
    for form in ({}, {"search": r.child.full_name}, {"search": r.child.registry_number},
                 {"commune": r.commune.code}):
        for client, sees_it in ((own, True), (other, False)):
            url = searched(client, children, **form)
            query = url.partition("?")[2]
            for page_url in (url, f"{export}?{query}"):
                page = body(client, page_url)
                if sees_it:  # the page does list it for province A
                    assert str(r.child.registry_number) in page, page_url
                else:
                    assert not leaked(page, markers, page_url, form.get("search", "")), page_url


def test_worker_b_finds_no_case_of_province_a(matrix_records):
    r = matrix_records
    markers = (r.case.case_number, str(r.case.public_id), r.case.child.full_name)
    for form in ({}, {"commune": r.commune.code}, {"search": r.case.case_number},
                 {"search": r.case.child.full_name}):
        for persona, sees_it in (("worker", True), ("worker_b", False)):
            client = client_for(persona)
            url = searched(client, reverse("cases:case_list"), **form)
            page = body(client, url)
            if sees_it:
                assert r.case.case_number in page, url
            else:
                assert not leaked(page, markers, url, form.get("search", "")), url


@pytest.mark.parametrize(("route", "record", "sees_it"), [
    ("child-list", "child", "worker"),
    ("case-list", "case", "worker"),
    ("call-list", "call", "hotline"),
    ("referral-list", "referral_to_partner", "worker"),
    ("referral-list", "referral_elsewhere", "worker"),
    ("agency-list", "partner_agency", "worker"),
])
def test_worker_b_api_lists_hold_nothing_of_province_a(matrix_records, route, record, sees_it):
    public_id = str(getattr(matrix_records, record).public_id)
    assert public_id in api_ids(client_for(sees_it), reverse(route))
    assert public_id not in api_ids(client_for("worker_b"), reverse(route))


def test_worker_b_agency_directory_offers_nothing_of_province_a(matrix_records):
    r = matrix_records
    page = body(client_for("worker_b"), reverse("agencies:agency_list"))
    assert r.partner_agency.name not in page and r.other_agency.name not in page
    assert f'<option value="{r.commune.province.code}"' not in page  # the province filter's choices
    assert f'<option value="{r.commune.province.code}"' in body(client_for("worker"), reverse("agencies:agency_list"))


def test_partner_api_lists_only_referrals_to_its_agency(matrix_records):
    r = matrix_records
    partner = client_for("partner")
    ids = api_ids(partner, reverse("referral-list"))
    assert str(r.referral_to_partner.public_id) in ids
    assert str(r.referral_elsewhere.public_id) not in ids
    assert ids == {str(i) for i in Referral.objects.filter(agency=r.partner_agency).values_list("public_id", flat=True)}


@pytest.mark.parametrize("route", ["child-list", "case-list", "call-list"])
def test_partner_api_lists_of_records_are_empty(matrix_records, route):
    assert api_ids(client_for("partner"), reverse(route)) == set()


def test_partner_agency_directory_shows_its_agency_only(matrix_records):
    r = matrix_records
    page = body(client_for("partner"), reverse("agencies:agency_list"))
    assert r.partner_agency.name in page and r.other_agency.name not in page
    assert api_ids(client_for("partner"), reverse("agency-list")) == {str(r.partner_agency.public_id)}


# --- POST-only routes: worker_b's POST on a record of province A is a 404 and changes nothing ----


def plain(value) -> str:
    return bytes(value).hex() if isinstance(value, memoryview) else str(value)


def state_of(r: MatrixRecords) -> dict:
    """Everything a POST on one of these records could change."""
    def rows(qs):
        return sorted(json.dumps(row, default=plain, sort_keys=True) for row in qs.values())

    return {
        "child": rows(Child.objects.filter(pk=r.child.pk)), "case": rows(Case.objects.filter(pk=r.case.pk)),
        "call": rows(Call.objects.filter(pk=r.call.pk)),
        "referrals": rows(Referral.objects.filter(pk__in=[r.referral_to_partner.pk, r.referral_elsewhere.pk])),
        **{model.__name__: model.objects.count() for model in (
            Caregiver, ChildCircumstance, Consent, SensitiveInfo, PlanTask, Visit, ServiceDelivery, Attachment,
            CaseDocument, CaseTransition, Case, Callback, CallbackAttempt, ReferralEvent, Referral, Call)},
        "batch": rows(type(r.batch).objects.filter(pk=r.batch.pk)),
        # The records inside them that the URLs of some actions name by their own id.
        "merge": rows(ChildMerge.objects.filter(pk=r.merge.pk)),
        "merged_children": rows(Child.objects.filter(pk__in=[r.merge.survivor_id, r.merge.merged_id])),
        "notification": rows(Notification.objects.filter(pk=r.notification.pk)),
        "callback": rows(Callback.objects.filter(pk=r.callback.pk)),
        "circumstance": rows(ChildCircumstance.objects.filter(pk=r.circumstance.pk)),
        "consent": rows(Consent.objects.filter(pk=r.consent.pk)),
        "task": rows(PlanTask.objects.filter(pk=r.task.pk)),
    }


HOSTILE_POST = {"action": "close", "note": "x", "level": "PREVENTION", "reason": "x", "title": "x",
                "full_name": "Đã bị sửa", "is_active": "false", "assigned_worker": "", "status": "CLOSED"}


# Routes whose GET is the form (loaded into a panel of the child's page) and whose POST acts: the
# POST tests below run on them as on the POST-only ones.
FORM_AND_ACTION = {"beneficiaries:caregiver_add", "beneficiaries:circumstance_add", "beneficiaries:consent_add",
                   "beneficiaries:sensitive_edit", "beneficiaries:child_deactivate"}


def post_rows_on_a_record() -> list[str]:
    """Rows that take a POST and whose URL names a record of province A (every id in them a real one)."""
    return [key for key, entry in MATRIX.items() if entry["kwargs"] is not NONE
            and (entry["expect"]["worker"] == "405" or key in FORM_AND_ACTION)]


@pytest.mark.parametrize("persona", ["worker_b", "hotline_b"])
@pytest.mark.parametrize("key", post_rows_on_a_record())
def test_province_b_post_on_a_record_of_province_a_is_404_and_changes_nothing(key, persona, matrix_records):
    url = url_of(key, matrix_records)
    before = state_of(matrix_records)
    client = client_for(persona)
    if route_of(key) in API_ROUTES:
        response = client.post(url, HOSTILE_POST, content_type="application/json")
    else:
        response = client.post(url, HOSTILE_POST)
    assert response.status_code == 404, f"POST {url} as {persona}: {response.status_code}"
    assert state_of(matrix_records) == before


@pytest.mark.parametrize("key", [key for key in post_rows_on_a_record()
                                 if key.startswith(("beneficiaries:", "cases:", "case-"))])
def test_partner_post_on_a_child_or_case_is_404_and_changes_nothing(key, matrix_records):
    url = url_of(key, matrix_records)
    before = state_of(matrix_records)
    client = client_for("partner")
    if route_of(key) in API_ROUTES:
        response = client.post(url, HOSTILE_POST, content_type="application/json")
    else:
        response = client.post(url, HOSTILE_POST)
    assert response.status_code == 404, f"POST {url} as partner: {response.status_code}"
    assert state_of(matrix_records) == before


# Worker_b's own child or case in the URL, a record of province A inside it by its id: the inner
# record is looked up within the outer one, so the pair is a 404 too (no id confusion).
THROUGH_OWN_RECORD = {
    "beneficiaries:circumstance_end": (
        lambda r, b: {"public_id": b.child.public_id, "circumstance_id": r.circumstance.pk},
        {"ended_on": "01/01/2026"}),
    "beneficiaries:consent_withdraw": (
        lambda r, b: {"public_id": b.child.public_id, "consent_id": r.consent.pk}, {"reason": "Mẹ rút lại"}),
    "cases:task_remove": (lambda r, b: {"public_id": b.case.public_id, "task_id": r.task.pk}, {}),
}


@pytest.mark.parametrize("route", sorted(THROUGH_OWN_RECORD))
def test_worker_b_reaches_no_record_of_province_a_through_their_own(route, matrix_records, province_b):
    kwargs, data = THROUGH_OWN_RECORD[route]
    url = reverse(route, kwargs=kwargs(matrix_records, province_b))
    client = client_for("worker_b")
    assert client.get(reverse("beneficiaries:child_detail", args=[province_b.child.public_id])).status_code == 200
    before = state_of(matrix_records)
    assert client.post(url, data).status_code == 404, f"POST {url}"
    assert state_of(matrix_records) == before


def test_worker_b_downloads_no_attachment_of_province_a_through_their_own_case(matrix_records, province_b):
    url = reverse("cases:attachment_download", kwargs={"public_id": province_b.case.public_id,
                                                        "attachment_id": matrix_records.attachment.pk})
    assert client_for("worker_b").get(url).status_code == 404


def test_a_supervisor_of_province_b_cannot_undo_a_merge_of_province_a(matrix_records):
    """worker_b may not merge at all; a supervisor may, within their province only."""
    supervisor_b = User.objects.create_user(username="supervisor_b", password="x-not-used-x", role="supervisor",
                                            scope_level="province", province=User.objects.get(
                                                username="worker_b").province)
    client = Client()
    client.force_login(supervisor_b)
    before = state_of(matrix_records)
    response = client.post(reverse("beneficiaries:merge_undo", kwargs={"merge_id": matrix_records.merge.pk}))
    assert response.status_code == 404
    assert state_of(matrix_records) == before


def test_post_rows_cover_the_actions_on_records():
    """The POST tests above run on every beneficiaries and cases action that takes a record."""
    keys = post_rows_on_a_record()
    assert {"beneficiaries:child_deactivate", "beneficiaries:sensitive_edit", "cases:case_transition",
            "cases:reassign", "case-transitions", "referral-accept", "hotline:call_complete",
            # Routes that name a record inside another by its own id (issue 8 item 1).
            "beneficiaries:merge_undo", "beneficiaries:circumstance_end", "beneficiaries:consent_withdraw",
            "cases:notification_open", "cases:task_remove", "hotline:callback_attempt", *FORM_AND_ACTION} <= set(keys)


def test_worker_b_cannot_name_records_of_province_a_in_api_writes(matrix_records):
    """Related fields resolve through the same scope: a record of province A is unknown to worker_b."""
    r = matrix_records
    client = client_for("worker_b")
    before = state_of(r)
    response = client.post(reverse("case-list"), {"child": str(r.child.public_id), "level": "INTERVENTION"},
                           content_type="application/json")
    assert response.status_code == 400 and "child" in response.json()["errors"]
    response = client.post(reverse("referral-list"), {
        "child": str(r.child.public_id), "case": str(r.case.public_id), "agency": str(r.partner_agency.public_id),
    }, content_type="application/json")
    assert response.status_code == 400
    assert {"child", "case", "agency"} <= set(response.json()["errors"])
    response = client.patch(reverse("child-detail", kwargs={"public_id": r.child.public_id}),
                            {"full_name": "Đã bị sửa"}, content_type="application/json")
    assert response.status_code == 404
    assert state_of(r) == before


def test_statistics_of_province_a_are_empty_for_worker_b(matrix_records):
    client = client_for("worker_b")
    for query in ("province=15", f"commune={matrix_records.commune.code}"):
        assert client.get(f"{reverse('api-statistics')}?{query}").json()["results"] == []
    assert client_for("worker").get(f"{reverse('api-statistics')}?province=15").json()["count"] > 0
