"""core.filters.LabelColumnChoiceFilter: options read as (value, label) pairs, no model object per
option (issue 9). The page must offer, keep and refuse exactly what ModelChoiceFilter did."""

import django_filters
import pytest

from accounts.models import User
from cases.models import Case
from core.filters import LabelColumnChoiceFilter
from geography.models import Commune

pytestmark = pytest.mark.django_db

LAO_CAI = "15"


def communes():
    return Commune.objects.filter(province__code=LAO_CAI).order_by("name_folded")


class Before(django_filters.FilterSet):
    commune = django_filters.ModelChoiceFilter(to_field_name="code", queryset=communes())
    worker = django_filters.ModelChoiceFilter(field_name="assigned_worker", queryset=User.objects.order_by("pk"))

    class Meta:
        model = Case
        fields = ["commune", "worker"]


class After(django_filters.FilterSet):
    commune = LabelColumnChoiceFilter(to_field_name="code", label_column="name", queryset=communes())
    worker = LabelColumnChoiceFilter(field_name="assigned_worker", label_column="username",
                                     queryset=User.objects.order_by("pk"))

    class Meta:
        model = Case
        fields = ["commune", "worker"]


@pytest.mark.parametrize("data", [{}, {"commune": "03006"}, {"worker": "1", "commune": "03006"}])
def test_the_options_are_the_same(data):
    before, after = Before(data, queryset=Case.objects.all()), After(data, queryset=Case.objects.all())
    for name in ("commune", "worker"):
        assert str(after.form[name]) == str(before.form[name])
    assert communes().count() > 50  # a real list: Lào Cai's communes
    assert 'value="03006" selected' in str(after.form["commune"]) or "commune" not in data


def test_a_choice_filters_as_before():
    worker = User.objects.get(username="worker")
    after = After({"worker": str(worker.pk)}, queryset=Case.objects.all())
    assert after.is_valid()
    assert set(after.qs) == set(Before({"worker": str(worker.pk)}, queryset=Case.objects.all()).qs)


def test_a_value_not_offered_is_refused_with_a_message():
    after = After({"commune": "99999"}, queryset=Case.objects.all())
    assert not after.is_valid() and after.errors["commune"]
