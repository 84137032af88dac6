"""generate_scale_data fills every table with consistent rows that the app can read."""

import pytest
from django.core.management import call_command
from django.db.models import F

from beneficiaries.models import Child, ChildCircumstance
from beneficiaries.selectors import search_children
from cases.models import Case
from hotline.models import Call
from referrals.models import Referral

pytestmark = pytest.mark.django_db


def test_generated_data_is_consistent_and_readable(capsys):
    before = Child.objects.count()
    call_command("generate_scale_data", "--children", "3000", "--provinces", "15,82", "--cases", "300",
                 "--calls", "1500", "--referrals", "60", "--years", "2")
    out = capsys.readouterr().out
    assert "children: 3,000 / 3,000" in out and "Loaded" in out
    generated = Child.objects.filter(registry_number__regex=r"^\d{2}-\d{4}-\d{7}$")
    assert Child.objects.count() - before == 3000 == generated.count()
    assert generated.filter(commune__province__code__in=["15", "82"]).count() == 3000
    share = ChildCircumstance.objects.filter(child__in=generated).values("child").distinct().count() / 3000
    assert 0.04 < share < 0.10
    assert Case.objects.filter(case_number__regex=r"^HS-(15|82)-").count() >= 300
    assert Call.objects.count() >= 1500 and Referral.objects.count() >= 60
    # Loaded with triggers off, so the generator sets the referral's area itself: its case's commune.
    assert not Referral.objects.exclude(area_commune=F("case__commune")).exists()
    counselling = Call.objects.filter(reporting_class="COUNSELLING").count() / Call.objects.count()
    assert counselling < 0.2  # most calls are not counselling, as on 111
    one = generated.first()
    assert one in search_children(Child.objects.all(), one.full_name.split()[-1] + " " + one.full_name.split()[0])
    case = Case.objects.filter(case_number__regex=r"^HS-(15|82)-\d{4}-\d{7}$").first()
    assert case.documents.get(kind="INTAKE").content == {"receiving_body": "UBND xã"}


def test_a_registration_after_generation_gets_a_fresh_number(persona):
    from beneficiaries import services

    call_command("generate_scale_data", "--children", "200", "--cases", "0", "--calls", "0")
    lao_cai = Child.objects.filter(commune__province__code="15").first()
    child = services.register_child(data={"full_name": "Lò Văn Tính", "sex": "M",
                                          "date_of_birth": lao_cai.date_of_birth, "commune": lao_cai.commune},
                                    by=persona("worker"))
    assert Child.objects.filter(registry_number=child.registry_number).count() == 1
