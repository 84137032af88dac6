"""Forms of the statistics pages. Commune choices come from the communes the user manages
(geography.selectors.communes_managed_by), never the whole table."""

from django import forms
from django.core.validators import MaxValueValidator
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from core.forms import BootstrapMixin
from geography.selectors import communes_managed_by
from reports.criteria import criteria
from reports.models import ChildFriendlyAssessment, CommunicationEvent

DATE = forms.DateInput(format="%d/%m/%Y", attrs={"placeholder": "dd/mm/yyyy", "inputmode": "numeric"})
FIRST_YEAR = 2019  # Decision 06/QĐ-TTg took effect in 2019


class CommuneChoiceMixin:
    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["commune"].queryset = communes_managed_by(user).order_by("name_folded")


class AssessmentForm(CommuneChoiceMixin, BootstrapMixin, forms.Form):
    commune = forms.ModelChoiceField(label=_("Commune"), queryset=None)
    year = forms.IntegerField(label=_("Year"), min_value=FIRST_YEAR)
    area_type = forms.ChoiceField(label=_("Commune type"), choices=ChildFriendlyAssessment.Area.choices,
                                  initial=ChildFriendlyAssessment.Area.OTHER)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        this_year = timezone.localdate().year
        self.fields["year"].validators.append(MaxValueValidator(this_year))
        self.fields["year"].widget.attrs["max"] = this_year
        self.fields["year"].initial = this_year
        for criterion in criteria():
            self.fields[f"criterion_{criterion.number}"] = forms.IntegerField(
                label=f"{criterion.number}. {criterion.name}", min_value=0, max_value=criterion.maximum,
                help_text=_("0 to %(max)s points") % {"max": criterion.maximum},
                widget=forms.NumberInput(attrs={"class": "form-control", "inputmode": "numeric"}))

    def criterion_fields(self):
        return [self[f"criterion_{c.number}"] for c in criteria()]

    def scores(self) -> dict[int, int]:
        return {c.number: self.cleaned_data[f"criterion_{c.number}"] for c in criteria()}


class FundRecordForm(CommuneChoiceMixin, BootstrapMixin, forms.Form):
    commune = forms.ModelChoiceField(label=_("Commune"), queryset=None)
    recorded_on = forms.DateField(label=_("Date"), widget=DATE)
    amount_vnd = forms.IntegerField(label=_("Amount raised (VND)"), min_value=0)
    children_helped = forms.IntegerField(label=_("Children helped"), min_value=0, initial=0)
    note = forms.CharField(label=_("Note"), max_length=255, required=False)

    def clean_recorded_on(self):
        day = self.cleaned_data["recorded_on"]
        if day > timezone.localdate():
            raise forms.ValidationError(_("The date cannot be in the future."))
        return day


class EventForm(CommuneChoiceMixin, BootstrapMixin, forms.Form):
    commune = forms.ModelChoiceField(label=_("Commune"), queryset=None)
    held_on = forms.DateField(label=_("Date"), widget=DATE)
    kind = forms.ChoiceField(label=_("Kind"), choices=CommunicationEvent.Kind.choices)
    title = forms.CharField(label=_("Title"), max_length=255)
    people_reached = forms.IntegerField(label=_("People reached"), min_value=0)

    def clean_held_on(self):
        day = self.cleaned_data["held_on"]
        if day > timezone.localdate():
            raise forms.ValidationError(_("The date cannot be in the future."))
        return day


class YearForm(forms.Form):
    year = forms.IntegerField(min_value=FIRST_YEAR, max_value=2999, required=False)
