"""The content of each step's form (Decree 56/2017 Forms 01-07 and the conference minutes), as
Django forms: the web page, the API and the printable page share the fields and validation.

`NARRATIVE` fields tell what happened to the child and who said what: officials see the case's
facts but not these, unless their role allows (cases.permissions.can_read_narratives).
"""

from django import forms
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from cases.choices import ClosureReason, Rating
from cases.models import DocumentKind
from core.forms import BootstrapMixin

TEXT = {"widget": forms.Textarea(attrs={"rows": 3}), "required": False, "max_length": 5000}
DATE = forms.DateInput(format="%d/%m/%Y", attrs={"placeholder": "dd/mm/yyyy", "inputmode": "numeric"})
NEEDS = [
    ("medical", _("Medical care")), ("social_assistance", _("Social assistance")),
    ("education", _("Education or vocational training")), ("legal_aid", _("Legal aid")),
    ("counselling", _("Counselling or therapy")), ("other", _("Other")),
]


class CaseDocumentForm(BootstrapMixin, forms.Form):
    NARRATIVE: tuple[str, ...] = ()
    DATE_FIELDS: tuple[str, ...] = ()

    def clean(self):
        data = super().clean()
        today = timezone.localdate()
        for name in self.DATE_FIELDS:
            if data.get(name) and data[name] > today:
                self.add_error(name, _("This date cannot be in the future."))
        return data

    def content(self) -> dict:
        """JSON-safe content: dates as ISO strings."""
        return {k: (v.isoformat() if hasattr(v, "isoformat") else v) for k, v in self.cleaned_data.items()}


class IntakeForm(CaseDocumentForm):
    """Form 01: intake report. The reporter's identity only if they agree (Decree 56 art. 24)."""

    NARRATIVE = ("child_condition", "likely_consequence", "family_circumstances", "father", "mother",
                 "current_caregiver", "support_before", "reporter_name", "reporter_phone", "reporter_address",
                 "reporter_notes")
    receiving_body = forms.CharField(label=_("Receiving body"), max_length=255)
    place = forms.CharField(label=_("Where it happened"), max_length=255, required=False)
    child_condition = forms.CharField(label=_("The child's current condition"), **TEXT)
    likely_consequence = forms.CharField(label=_("Likely consequence without support"), **TEXT)
    father = forms.CharField(label=_("Father: name, age, occupation"), max_length=255, required=False)
    mother = forms.CharField(label=_("Mother: name, age, occupation"), max_length=255, required=False)
    family_circumstances = forms.CharField(label=_("Family circumstances"), **TEXT)
    current_caregiver = forms.CharField(label=_("Current caregiver"), max_length=255, required=False)
    support_before = forms.CharField(label=_("Support given before the report"), **TEXT)
    reporter_agrees = forms.BooleanField(label=_("The reporter agrees to be identified"), required=False)
    reporter_name = forms.CharField(label=_("Reporter's name"), max_length=150, required=False)
    reporter_phone = forms.CharField(label=_("Reporter's phone"), max_length=20, required=False)
    reporter_address = forms.CharField(label=_("Reporter's address"), max_length=255, required=False)
    reporter_notes = forms.CharField(label=_("Notes on the reporter"), max_length=500, required=False)

    def clean(self):
        data = super().clean()
        if not data.get("reporter_agrees"):
            # Without consent nothing identifying the reporter is kept.
            for name in ("reporter_name", "reporter_phone", "reporter_address", "reporter_notes"):
                data[name] = ""
        return data


class InitialAssessmentForm(CaseDocumentForm):
    """Form 02: initial risk assessment."""

    NARRATIVE = ("harm", "notes")
    DATE_FIELDS = ("assessed_on",)
    assessed_on = forms.DateField(label=_("Assessed on"), widget=DATE)
    risk_level = forms.ChoiceField(label=_("Risk level"), choices=Rating.choices)
    harm = forms.CharField(label=_("Harm and risk found"), **TEXT)
    emergency_needed = forms.BooleanField(label=_("Emergency protection needed"), required=False)
    notes = forms.CharField(label=_("Notes"), **TEXT)


class DetailedAssessmentForm(CaseDocumentForm):
    """Form 03: the content list of Decree 56 art. 27, including the child's own views."""

    NARRATIVE = ("physical_psychological", "family_situation", "risk_factors", "schooling_self_protection",
                 "community_support", "child_views", "parents_views")
    DATE_FIELDS = ("assessed_on",)
    assessed_on = forms.DateField(label=_("Assessed on"), widget=DATE)
    physical_psychological = forms.CharField(label=_("Physical, psychological and emotional state"), **TEXT)
    family_situation = forms.CharField(label=_("Family situation and the parents' capacity to protect"), **TEXT)
    risk_factors = forms.CharField(label=_("Risk factors"), **TEXT)
    schooling_self_protection = forms.CharField(label=_("Schooling and capacity to protect themself"), **TEXT)
    community_support = forms.CharField(label=_("Safety and support in the community"), **TEXT)
    needs = forms.MultipleChoiceField(label=_("Needs"), choices=NEEDS, required=False,
                                      widget=forms.CheckboxSelectMultiple)
    child_views = forms.CharField(label=_("What the child says and wants"), widget=forms.Textarea(attrs={"rows": 3}),
                                  max_length=5000)
    parents_views = forms.CharField(label=_("The parents' views (unless they are the abusers)"), **TEXT)


class ConferenceForm(CaseDocumentForm):
    NARRATIVE = ("discussion",)
    DATE_FIELDS = ("held_on",)
    held_on = forms.DateField(label=_("Held on"), widget=DATE)
    chaired_by = forms.CharField(label=_("Chaired by"), max_length=255)
    participants = forms.CharField(label=_("Participants"), max_length=1000)
    caregivers_attended = forms.BooleanField(label=_("Parents or caregiver attended"), required=False)
    discussion = forms.CharField(label=_("Discussion"), **TEXT)
    decisions = forms.CharField(label=_("Needs and measures agreed"), widget=forms.Textarea(attrs={"rows": 3}),
                                max_length=5000)


class PlanForm(CaseDocumentForm):
    """Form 04: the plan's goals; its tasks are PlanTask rows."""

    goals = forms.CharField(label=_("Goals of the plan"), widget=forms.Textarea(attrs={"rows": 3}), max_length=5000)
    notes = forms.CharField(label=_("Notes"), **TEXT)


class ReviewForm(CaseDocumentForm):
    """Form 06: the four criteria rated High/Medium/Low."""

    NARRATIVE = ("conclusion",)
    DATE_FIELDS = ("reviewed_on",)
    reviewed_on = forms.DateField(label=_("Reviewed on"), widget=DATE)
    remaining_harm = forms.ChoiceField(label=_("Severity of remaining harm"), choices=Rating.choices)
    abuser_access = forms.ChoiceField(label=_("The abuser's access to the child"), choices=Rating.choices)
    environment_obstacles = forms.ChoiceField(label=_("Obstacles to safety in the care environment"),
                                              choices=Rating.choices)
    child_capacity = forms.ChoiceField(label=_("The child's capacity to protect themself and recover"),
                                       choices=Rating.choices)
    conclusion = forms.CharField(label=_("Conclusion"), **TEXT)


class SeparationForm(CaseDocumentForm):
    """Form 07: emergency intervention or temporary separation (art. 32: at most 15 days)."""

    NARRATIVE = ("reason",)
    decided_at = forms.DateTimeField(label=_("Decided at"), input_formats=["%d/%m/%Y %H:%M", "%Y-%m-%dT%H:%M"],
                                     widget=forms.DateTimeInput(format="%d/%m/%Y %H:%M",
                                                                attrs={"placeholder": "dd/mm/yyyy hh:mm"}))
    decided_by = forms.CharField(label=_("Decided by (commune chair)"), max_length=255)
    temporary_separation = forms.BooleanField(label=_("Temporary separation from the caregiver"), required=False)
    place_of_care = forms.CharField(label=_("Where the child is cared for"), max_length=255)
    reason = forms.CharField(label=_("Reason"), widget=forms.Textarea(attrs={"rows": 3}), max_length=5000)

    def clean_decided_at(self):
        value = self.cleaned_data["decided_at"]
        if value > timezone.now():
            raise ValidationError(_("This time cannot be in the future."))
        return value


class ClosureForm(CaseDocumentForm):
    closure_reason = forms.ChoiceField(label=_("Reason for closing"), choices=ClosureReason.choices)
    outcome = forms.CharField(label=_("Outcome"), widget=forms.Textarea(attrs={"rows": 3}), max_length=5000)


DOCUMENT_FORMS = {
    DocumentKind.INTAKE: IntakeForm,
    DocumentKind.INITIAL_ASSESSMENT: InitialAssessmentForm,
    DocumentKind.DETAILED_ASSESSMENT: DetailedAssessmentForm,
    DocumentKind.CONFERENCE: ConferenceForm,
    DocumentKind.PLAN: PlanForm,
    DocumentKind.REVIEW: ReviewForm,
    DocumentKind.SEPARATION: SeparationForm,
    DocumentKind.CLOSURE: ClosureForm,
}
