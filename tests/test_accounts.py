"""Login, lockout, two-factor authentication, idle timeout and passwords."""

import pytest
from allauth.mfa.models import Authenticator
from django.conf import settings
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.urls import reverse

from accounts.models import User
from accounts.roles import Role, ScopeLevel

pytestmark = pytest.mark.django_db
LOGIN = "/accounts/login/"


def post_login(client, username, password):
    return client.post(LOGIN, {"login": username, "password": password})


def test_worker_logs_in_and_lands_on_their_home_page(client):
    response = post_login(client, "worker", settings.DEMO_PASSWORD)
    assert response.status_code == 302
    home = client.get(response["Location"])
    assert home.status_code == 200
    assert home.templates[0].name == "home/social_worker.html"
    assert client.session.get_expiry_age() == 30 * 60


def test_wrong_password_is_refused_with_a_message(client):
    response = post_login(client, "worker", "not-the-password")
    assert response.status_code == 200
    assert response.context["form"].errors
    assert "_auth_user_id" not in client.session


def test_five_failures_lock_the_username_even_for_the_right_password(client):
    for _ in range(5):
        post_login(client, "worker", "wrong-password-123")
    response = post_login(client, "worker", settings.DEMO_PASSWORD)
    assert "_auth_user_id" not in client.session
    assert response.status_code in (200, 429)


def test_other_users_are_not_locked_by_someone_elses_failures(client):
    for _ in range(5):
        post_login(client, "worker", "wrong-password-123")
    post_login(client, "supervisor", settings.DEMO_PASSWORD)
    assert client.session["_auth_user_id"] == str(User.objects.get(username="supervisor").pk)


def test_official_must_give_a_totp_code_after_the_password(client, totp_code):
    response = post_login(client, "official", settings.DEMO_PASSWORD)
    assert response.status_code == 302
    assert response["Location"] == reverse("mfa_authenticate")
    assert "_auth_user_id" not in client.session

    bad = client.post(reverse("mfa_authenticate"), {"code": "000000"})
    assert "_auth_user_id" not in client.session
    assert bad.status_code == 200

    client.post(reverse("mfa_authenticate"), {"code": totp_code()})
    assert client.session["_auth_user_id"] == str(User.objects.get(username="official").pk)


def test_official_without_totp_is_sent_to_enrol_before_anything_else(client):
    official = User.objects.get(username="official")
    Authenticator.objects.filter(user=official).delete()
    post_login(client, "official", settings.DEMO_PASSWORD)
    response = client.get("/")
    assert response.status_code == 302
    assert response["Location"] == reverse("mfa_activate_totp")
    assert client.get(reverse("healthz")).status_code == 200  # not everything is blocked
    # allauth asks for the password again before enrolment, then shows the QR code.
    client.post(reverse("account_reauthenticate"), {"password": settings.DEMO_PASSWORD})
    enrol = client.get(reverse("mfa_activate_totp"))
    assert enrol.status_code == 200
    assert "totp_svg" in enrol.context or "form" in enrol.context


def test_worker_is_not_forced_to_enrol_totp(login_as):
    assert login_as("worker").get("/").status_code == 200


def test_admin_site_login_goes_through_allauth(client):
    response = client.get("/admin/login/")
    assert response.status_code == 302
    assert response["Location"].startswith(LOGIN)


def test_self_signup_is_closed(client):
    password = "A-long-pass-123"
    client.post("/accounts/signup/", {"username": "intruder", "password1": password, "password2": password})
    assert not User.objects.filter(username="intruder").exists()


def test_passwords_are_hashed_with_argon2():
    assert User.objects.get(username="worker").password.startswith("argon2")


@pytest.mark.parametrize("password", ["Short1!", "123456789012345", "password12345"])
def test_weak_passwords_are_refused(password):
    with pytest.raises(ValidationError):
        validate_password(password, User(username="someone"))


def test_a_twelve_character_password_is_accepted():
    validate_password("Rừng-xanh-2026", User(username="someone"))


def test_partner_user_needs_an_agency_and_province_scope_needs_a_province():
    with pytest.raises(ValidationError) as excinfo:
        User(username="p", role=Role.PARTNER, scope_level=ScopeLevel.NATIONAL).full_clean(exclude=["password"])
    assert "agency" in excinfo.value.message_dict
    with pytest.raises(ValidationError) as excinfo:
        User(username="w", role=Role.SOCIAL_WORKER, scope_level=ScopeLevel.PROVINCE).full_clean(exclude=["password"])
    assert "province" in excinfo.value.message_dict


def test_logout_needs_post_and_ends_the_session(login_as):
    client = login_as("worker")
    client.post("/accounts/logout/")
    assert client.get("/").status_code == 302


def test_the_sessions_user_comes_with_their_unread_notification_count(client, login_as):
    # Issue 9: the navigation's count is a column of the user's own row, not a query of each page,
    # and it is as current as the page: a notice arriving between two pages is counted by the next.
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from accounts.backends import AccountBackend, ModelBackend
    from core.models import Notification
    from core.notifications import notify

    worker = User.objects.get(username="worker")
    Notification.objects.filter(user=worker).delete()
    post_login(client, "worker", settings.DEMO_PASSWORD)  # allauth's form: e-mail or username
    assert client.session["_auth_user_backend"] in settings.AUTHENTICATION_BACKENDS
    assert 'data-testid="unread-count"' not in client.get("/").content.decode()
    notify(worker, key="t:1", title="Deadline near")
    notify(worker, key="t:2", title="Another")
    Notification.objects.filter(key="t:2").update(read_at="2026-11-01T00:00Z")
    with CaptureQueriesContext(connection) as queries:
        home = client.get("/")
    assert home.wsgi_request.user.unread_notification_count == 1
    assert 'data-testid="unread-count">1<' in home.content.decode()
    assert not [q for q in queries if q["sql"].startswith('SELECT COUNT(*) AS "__count" FROM "core_notification"')]
    for backend in (ModelBackend(), AccountBackend()):
        assert backend.get_user(worker.pk).unread_notification_count == 1
        assert backend.get_user(-1) is None
    User.objects.filter(pk=worker.pk).update(is_active=False)
    assert ModelBackend().get_user(worker.pk) is None and AccountBackend().get_user(worker.pk) is None
