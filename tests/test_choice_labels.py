"""core.models.ChoiceLabelsMixin: get_FOO_display() from a dict built once per field (issue 9),
still in the language of the moment."""

from django.utils import translation

from cases.models import Case, CaseClock
from core.models import _choice_labels


def test_labels_follow_the_active_language():
    case = Case(level="INTERVENTION", status="INTAKE")
    with translation.override("en"):
        english = case.get_level_display()
    with translation.override("vi"):
        vietnamese = case.get_level_display()
    assert english == "Intervention" and vietnamese != english


def test_an_unknown_value_shows_as_itself():
    assert CaseClock(code="NOT_A_CODE").get_code_display() == "NOT_A_CODE"


def test_the_choices_are_read_once_per_field(monkeypatch):
    field = Case._meta.get_field("status")
    _choice_labels.pop(field, None)
    reads = []
    flat = type(field).flatchoices.fget

    monkeypatch.setattr(type(field), "flatchoices", property(lambda self: reads.append(self) or flat(self)))
    for _n in range(5):
        Case(status="INTAKE").get_status_display()
    assert reads.count(field) == 1
