"""Issue 8 item 6: no sensitive data in URLs, logs or error reports.

- A search for a person (a child's name, an ID number, a caregiver's or caller's phone) never
  travels in a URL: the HTML search forms POST the text, which comes back as a key of the user's
  session (core.search); the hotline's live searches POST too. The access log still records the
  text. (The API keeps its GET `?search=` filter for partner clients: README, "API".)
- Error reports (the ADMINS e-mail, any handler formatting a request's exception) show parameter
  and variable names, never their values (core.reporting).
"""

import logging
import re
import sys
from pathlib import Path
from urllib.parse import unquote_plus

import pytest
from django.conf import settings
from django.core import mail
from django.test import Client, RequestFactory
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext
from django.views.debug import get_exception_reporter_class

from accounts.models import User
from audit.models import AccessEvent
from beneficiaries.models import Child
from hotline.models import Hotline
from hotline.services import start_call

from .conftest import COMMUNE_A

# Marked for the whole module, so pytest-django runs these with the other database tests, before
# the transactional ones that flush the demo data.
pytestmark = pytest.mark.django_db

NAME = "Nguyễn Thị Hòa"  # a demo child of Phường Sa Pa


def client_for(username: str) -> Client:
    client = Client()
    client.force_login(User.objects.get(username=username))
    return client


@pytest.fixture
def child(db) -> Child:
    return Child.objects.filter(full_name=NAME, commune__code=COMMUNE_A, merged_into__isnull=True).first()


# --- Searches ----------------------------------------------------------------------------------

# The HTML pages that search for a child: (route, who searches there)
SEARCH_PAGES = {"children": ("beneficiaries:child_list", "worker"), "cases": ("cases:case_list", "supervisor"),
                "open a case": ("cases:case_open", "worker")}


def expired_message() -> str:
    with translation.override(settings.LANGUAGE_CODE):
        return gettext("This search has expired: search again.")


@pytest.mark.parametrize("page", sorted(SEARCH_PAGES))
@pytest.mark.parametrize("text_of", [lambda c: c.full_name, lambda c: "nguyen thi hoa",
                                     lambda c: c.personal_id or c.registry_number])
def test_a_search_travels_by_post_and_comes_back_as_a_key(page, text_of, child):
    route, persona = SEARCH_PAGES[page]
    text = text_of(child)
    client = client_for(persona)
    response = client.post(reverse(route), {"search": text, "sex": "F"} if page == "children" else {"search": text})
    assert response.status_code == 302
    location = unquote_plus(response["Location"])
    assert text not in location and "search=" not in location
    assert re.search(r"[?&]q=[\w-]{6,}", location), location
    if page == "children":
        assert "sex=F" in location  # the filters stay in the URL: they name nobody
    results = client.get(response["Location"])
    assert results.status_code == 200
    assert f'value="{text}"' in results.content.decode()  # the box shows what was typed
    event = AccessEvent.objects.filter(action="search").latest("pk")
    assert event.detail["query"]["search"] == text  # the access log records the text, not the key


def test_the_registry_search_finds_and_pages_by_key(child):
    worker = client_for("worker")
    results = worker.get(worker.post(reverse("beneficiaries:child_list"), {"search": "nguyen thi hoa"})["Location"])
    assert child in list(results.context["filter"].qs)
    key = results.wsgi_request.GET["q"]
    html = results.content.decode()
    # Export links carry the key; the export resolves it and logs the text.
    assert f"export.csv?q={key}" in html
    export = worker.get(f"{reverse('beneficiaries:child_export', args=['csv'])}?q={key}")
    assert child.registry_number in b"".join(export.streaming_content).decode()
    assert AccessEvent.objects.filter(action="export").latest("pk").detail["query"] == {"search": ["nguyen thi hoa"]}


def test_a_name_in_the_query_string_is_not_a_search(child):
    """Old bookmarks and hand-made URLs: `?search=<name>` is ignored by the pages, so that no page
    invites a name into a URL (the API keeps its filter)."""
    worker = client_for("worker")
    page = worker.get(reverse("beneficiaries:child_list"), {"search": "no such child zzz"})
    assert page.context["filter"].form["search"].value() in (None, "")
    assert not AccessEvent.objects.filter(action="search").exists()
    cases = client_for("supervisor").get(reverse("cases:case_list"), {"search": "no such child zzz"})
    assert cases.context["filter"] is None  # nothing chosen: not even a filter set is built (core.filters)
    assert cases.context["search_text"] == "" and len(cases.context["page"]) > 0


def test_a_key_means_nothing_in_another_session(child):
    """A results URL sent to someone else (or kept after the session ended) finds nothing, never the
    whole list, says so, and exports nothing."""
    url = client_for("worker").post(reverse("beneficiaries:child_list"), {"search": NAME})["Location"]
    key = url.split("q=")[1]
    other = client_for("supervisor")
    for route in ("beneficiaries:child_list", "cases:case_list"):
        page = other.get(f"{reverse(route)}?q={key}")
        assert page.status_code == 200 and list(page.context["page"]) == []
        assert [str(m) for m in page.context["messages"]] == [expired_message()]
    export = other.get(f"{reverse('beneficiaries:child_export', args=['csv'])}?q={key}")
    assert child.registry_number not in b"".join(export.streaming_content).decode()
    cases = other.get(f"{reverse('cases:case_export')}?q={key}").content.decode("utf-8-sig")
    assert len(cases.strip().splitlines()) == 1  # the header only


def test_the_hotline_searches_take_post_only(child):
    counsellor = client_for("hotline")
    assert counsellor.get(reverse("hotline:child_search"), {"search": NAME}).status_code == 405
    assert counsellor.get(reverse("hotline:previous_calls"), {"caller_phone": "0387000111"}).status_code == 405
    found = counsellor.post(reverse("hotline:child_search"), {"search": "nguyen thi hoa"})
    assert NAME in found.content.decode()
    call = start_call(hotline=Hotline.objects.get(code="LC-HOTLINE"), counsellor=User.objects.get(username="hotline"))
    form = counsellor.get(reverse("hotline:call_detail", args=[call.public_id])).content.decode()
    # The counselling form's live searches post only the text typed and the CSRF token.
    assert 'hx-post="/hotline/search/children/"' in form and 'hx-params="search,csrfmiddlewaretoken"' in form
    assert re.search(r'hx-post="/hotline/search/previous-calls/\?call=[0-9a-f-]{36}"', form)
    assert 'hx-params="caller_phone,csrfmiddlewaretoken"' in form


# Inputs that would carry a person into a URL if a GET form or an hx-get sent them.
PERSONAL_INPUTS = {"search", "caller_phone", "phone", "full_name", "personal_id", "caller_name", "child_name"}
# GET forms whose text box searches public reference data, not people.
REFERENCE_SEARCHES = {
    "geography/commune_list.html": "communes by name",
    "agencies/agency_list.html": "agencies by name",
    "referrals/referral_form.html": "the agency directory by name",
}
FIELD = re.compile(r"<(?:input|textarea|select)\b[^>]*>", flags=re.S)


def typed_text(tag: str) -> bool:
    """A field that takes what the user types (or a field that names a person)."""
    name = re.search(r'name="([\w-]+)"', tag)
    kind = re.search(r'type="(\w+)"', tag)
    return bool(name and name.group(1) in PERSONAL_INPUTS) or tag.startswith("<textarea") or (
        tag.startswith("<input") and (kind is None or kind.group(1) in ("text", "search", "tel")))


def test_no_page_sends_typed_text_by_get():
    """Every template: a form sent by GET (the default) and an htmx hx-get hold no field that takes
    typed text or names a person, but for the searches of public reference data above."""
    found = []
    for template in Path(settings.BASE_DIR, "templates").rglob("*.html"):
        name = template.relative_to(Path(settings.BASE_DIR, "templates")).as_posix()
        text = template.read_text()
        for form in re.finditer(r"<form\b([^>]*)>(.*?)</form>", text, flags=re.S):
            attributes, body = form.groups()
            method = re.search(r'method="(\w+)"', attributes)
            if (method and method.group(1).lower() != "get") or name in REFERENCE_SEARCHES:
                continue
            found += [f"{name}: GET form with {tag[:90]}" for tag in FIELD.findall(body) if typed_text(tag)]
        found += [f"{name}: hx-get from {tag[:90]}" for tag in FIELD.findall(text)
                  if "hx-get=" in tag and typed_text(tag)]
    assert not found, "\n".join(found)


# --- Error reports -----------------------------------------------------------------------------

SECRET_NARRATIVE = "Cháu bị cha dượng xâm hại"


def failing_view(request):
    """A view that fails with a child's data in its locals."""
    typed = request.POST.get("full_name")  # noqa: F841 - a local the report would show
    raise ValueError("boom")


def failed_request():
    request = RequestFactory().post(f"/children/register/?search={NAME}", {
        "full_name": NAME, "s-abuse_history": SECRET_NARRATIVE, "cg1-caregiver_phone": "0912777001"})
    request.user = User.objects.get(username="worker")
    try:
        failing_view(request)
    except ValueError:
        return request, sys.exc_info()


def test_error_reports_show_no_parameter_or_variable_value(db, settings):
    settings.DEBUG = False  # the filter protects production, where DEBUG is off
    request, exc_info = failed_request()
    reporter = get_exception_reporter_class(request)(request, *exc_info, is_email=True)
    for report in (reporter.get_traceback_text(), reporter.get_traceback_html()):
        assert "ValueError" in report and "full_name" in report  # still a useful report
        for value in (NAME, SECRET_NARRATIVE, "0912777001", "search=Nguy"):
            assert value not in report and value.encode("unicode_escape").decode() not in report, value


def test_the_admins_email_of_a_server_error_holds_no_personal_data(db, settings):
    settings.DEBUG = False
    settings.ADMINS = [("Ops", "ops@example.org")]
    request, exc_info = failed_request()
    logging.getLogger("django.request").error("Internal Server Error: %s", request.path, exc_info=exc_info,
                                              extra={"status_code": 500, "request": request})
    assert len(mail.outbox) == 1
    message = mail.outbox[0].subject + mail.outbox[0].body
    assert "ValueError" in message
    for value in (NAME, SECRET_NARRATIVE, "0912777001"):
        assert value not in message and value.encode("unicode_escape").decode() not in message
