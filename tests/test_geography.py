import pytest
from django.urls import reverse

from geography.models import Commune, Province, Village
from geography.services import load_official_units

pytestmark = pytest.mark.django_db


def test_loader_is_idempotent():
    before = (Province.objects.count(), Commune.objects.count())
    result = load_official_units()
    assert all(counts == (0, 0) for counts in result.values())
    assert (Province.objects.count(), Commune.objects.count()) == before == (43, 3321)


def test_loader_repairs_a_changed_name():
    Commune.objects.filter(code="03006").update(name="Wrong", name_folded="wrong")
    assert load_official_units()["communes"] == (0, 1)
    assert Commune.objects.get(code="03006").name == "Phường Sa Pa"


def test_names_are_stored_nfc_with_a_folded_search_form():
    commune = Commune.objects.get(code="03006")
    assert commune.name_folded == "phuong sa pa"


def test_worker_adds_a_village_in_their_province(login_as):
    client = login_as("worker")
    url = reverse("geography:commune_detail", args=["03006"])
    response = client.post(url, {"name": "  Tổ dân phố   5 ", "kind": "to_dan_pho"})
    assert response.status_code == 302
    village = Village.objects.get(commune__code="03006", name="Tổ dân phố 5")
    assert village.created_by.username == "worker"


def test_a_duplicate_village_name_is_refused_ignoring_diacritics(login_as):
    client = login_as("worker")
    url = reverse("geography:commune_detail", args=["03006"])
    before = Village.objects.count()
    response = client.post(url, {"name": "TO DAN PHO 1", "kind": "to_dan_pho"})
    assert response.status_code == 200
    assert response.context["form"].errors["name"]
    assert Village.objects.count() == before


def test_a_worker_of_another_province_cannot_add_or_change_villages(login_as):
    client = login_as("worker_b")
    url = reverse("geography:commune_detail", args=["03006"])
    assert client.post(url, {"name": "Thôn Mới", "kind": "thon"}).status_code == 404
    village = Village.objects.filter(commune__code="03006").first()
    toggle = reverse("geography:village_toggle", args=["03006", village.pk])
    assert client.post(toggle).status_code == 404
    village.refresh_from_db()
    assert village.is_active
    assert not Village.objects.filter(name="Thôn Mới").exists()


def test_deactivated_village_is_kept_but_hidden_from_readers(login_as):
    village = Village.objects.filter(commune__code="03006").first()
    worker = login_as("worker")
    worker.post(reverse("geography:village_toggle", args=["03006", village.pk]))
    village.refresh_from_db()
    assert not village.is_active
    page = login_as("official").get(reverse("geography:commune_detail", args=["03006"]))
    assert village not in page.context["villages"]


def test_commune_list_defaults_to_the_users_province_and_searches(login_as):
    response = login_as("worker").get(reverse("geography:commune_list"), {"q": "sa pa"})
    assert [c.code for c in response.context["page"]] == ["03006"]
    everything = login_as("worker_b").get(reverse("geography:commune_list"))
    assert {c.province.code for c in everything.context["page"]} == {"82"}
