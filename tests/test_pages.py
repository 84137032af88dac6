"""The UI skeleton: role navigation, languages, error pages and security headers."""

from pathlib import Path

import polib
import pytest
from django.conf import settings
from django.core.management import call_command
from django.core.management.base import CommandError
from django.urls import reverse

from accounts.models import User
from tests.conftest import PERSONAS

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("username", PERSONAS)
def test_every_persona_has_a_home_page_for_their_role(login_as, username):
    response = login_as(username).get("/")
    assert response.status_code == 200
    assert response.templates[0].name == f"home/{User.objects.get(username=username).role}.html"


def test_navigation_follows_the_role(login_as):
    partner_nav = [i.url_name for i in login_as("partner").get("/").context["nav_items"]]
    admin_nav = [i.url_name for i in login_as("admin").get("/").context["nav_items"]]
    assert "geography:commune_list" not in partner_nav and "admin:index" not in partner_nav
    assert "admin:index" in admin_nav


# The navigation's entries as base.html wrote them before core_tags.nav_links (issue 9).
NAV_TEMPLATE = (Path(__file__).parent / "nav_before.html").read_text()


@pytest.mark.parametrize("username", PERSONAS)
def test_nav_links_written_in_python_are_what_the_template_wrote(login_as, username):
    from django.template import Context, Template

    from core.navigation import items_for
    from core.templatetags.core_tags import nav_links

    response = login_as(username).get("/")
    request, items = response.wsgi_request, items_for(User.objects.get(username=username).role)
    for path in {"/", reverse(items[-1].url_name)}:  # the home page, and another entry's page active
        request.path = path
        context = {"request": request, "nav_items": items}
        old = Template(NAV_TEMPLATE).render(Context(context))
        assert " ".join(nav_links(Context(context)).split()) == " ".join(old.split())
        assert nav_links(Context(context)).count(" active") == 1
    nav = response.content.decode()
    assert '<a class="nav-link active" href="/">' in nav and nav.count('class="nav-link') >= len(items)


def test_partner_cannot_open_the_agency_directory_of_others(login_as, persona):
    client = login_as("partner")
    own = persona("partner").agency
    listed = list(client.get(reverse("agencies:agency_list")).context["page"])
    assert listed == [own]


def test_agency_of_another_province_is_404_in_the_ui(login_as):
    from agencies.models import Agency

    lao_cai = Agency.objects.filter(province__code="15").first()
    assert login_as("worker_b").get(reverse("agencies:agency_detail", args=[lao_cai.public_id])).status_code == 404


def test_vietnamese_is_the_default_even_for_an_english_browser(client):
    page = client.get("/accounts/login/", HTTP_ACCEPT_LANGUAGE="en-US,en;q=0.9").content.decode()
    assert "Đăng nhập" in page and "Log in" not in page


def test_english_is_a_choice_that_sticks(client):
    client.post("/i18n/setlang/", {"language": "en", "next": "/accounts/login/"})
    page = client.get("/accounts/login/").content.decode()
    assert "Log in" in page and "Đăng nhập" not in page


def test_every_vietnamese_string_is_translated():
    for path in settings.LOCALE_PATHS:
        catalogue = polib.pofile(str(path / "vi" / "LC_MESSAGES" / "django.po"))
        missing = [e.msgid for e in catalogue if not e.obsolete and not e.translated()]
        assert missing == [], f"untranslated in {path}: {missing[:5]}"


def test_unknown_page_is_a_friendly_404(login_as):
    response = login_as("worker").get("/no-such-page/")
    assert response.status_code == 404
    assert "errors/404.html" in [t.name for t in response.templates]


def test_pages_carry_a_strict_csp_and_are_not_cached(login_as):
    response = login_as("worker").get("/")
    assert "default-src 'self'" in response["Content-Security-Policy"]
    assert "no-store" in response["Cache-Control"]
    assert response["X-Frame-Options"] == "DENY"


def test_pages_use_no_cdn(login_as):
    html = login_as("worker").get("/").content.decode()
    assert "https://" not in html


def test_seed_demo_is_idempotent():
    before = User.objects.count()
    call_command("seed_demo", force=True)
    assert User.objects.count() == before


def test_seed_demo_is_refused_when_debug_is_off(settings):
    settings.DEBUG = False
    with pytest.raises(CommandError):
        call_command("seed_demo")


def test_demo_users_cover_both_provinces_and_every_role(persona):
    assert persona("worker").province.code == "15"
    assert persona("worker_b").province.code == "82"
    assert {persona(u).role for u in PERSONAS} == {r for r, _ in User._meta.get_field("role").choices}


def test_a_record_address_is_what_reverse_gives():
    # core.addresses: one reverse() for a page of rows (issue 9).
    import uuid

    from core.addresses import record_address

    ids = [uuid.uuid4(), str(uuid.uuid4())]
    for name in ("cases:case_detail", "beneficiaries:child_detail"):
        address = record_address(name)
        assert [address(i) for i in ids] == [reverse(name, args=[i]) for i in ids]


def test_nav_addresses_follow_the_script_prefix(login_as):
    # core_tags.nav_links caches each address per script prefix: a site served under a sub-path
    # (SCRIPT_NAME) links under it, the same process served at the root links at the root.
    from django.template import Context
    from django.urls import get_script_prefix, set_script_prefix

    from core.navigation import items_for
    from core.templatetags.core_tags import nav_links

    request = login_as("worker").get("/").wsgi_request
    context = Context({"request": request, "nav_items": items_for("social_worker")})
    assert 'href="/cases/my-work/"' in nav_links(context)
    before = get_script_prefix()
    try:
        set_script_prefix("/child-protection/")
        assert 'href="/child-protection/cases/my-work/"' in nav_links(context)
    finally:
        set_script_prefix(before)
    assert 'href="/cases/my-work/"' in nav_links(context)
