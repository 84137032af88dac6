"""Referrals over the API. Every field is listed by name. A partner agency's user gets what
referrals.shared.shared_view gives and nothing else; staff get the referral with a reference to
the child (id, registry number, name) and its history."""

from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from accounts.roles import Role
from agencies.models import Agency, ServiceType
from agencies.selectors import agencies_visible_to
from beneficiaries.models import Child
from beneficiaries.permissions import can_view_sensitive
from beneficiaries.selectors import children_visible_to
from cases.api.serializers import UserRefSerializer
from cases.models import Case
from cases.selectors import cases_visible_to
from referrals.choices import SENSITIVE_SHARED, ReferralStatus, SharedField, Urgency
from referrals.models import Referral
from referrals.shared import shared_view

# --- References ---------------------------------------------------------------------------------


class CodeLabelSerializer(serializers.Serializer):
    code = serializers.CharField(read_only=True)
    label = serializers.CharField(read_only=True)


class ServiceTypeRefSerializer(serializers.Serializer):
    code = serializers.CharField(read_only=True)
    name = serializers.CharField(read_only=True)


class AgencyRefSerializer(serializers.Serializer):
    id = serializers.UUIDField(source="public_id", read_only=True)
    name = serializers.CharField(read_only=True)


# --- What a partner sees of the child -----------------------------------------------------------


class SharedCommuneSerializer(serializers.Serializer):
    code = serializers.CharField(read_only=True)
    name = serializers.CharField(read_only=True)
    province = serializers.CharField(read_only=True)


class SharedCaregiverSerializer(serializers.Serializer):
    name = serializers.CharField(read_only=True)
    relationship = CodeLabelSerializer(read_only=True)
    phone = serializers.CharField(read_only=True)


class SharedSchoolingSerializer(CodeLabelSerializer):
    school = serializers.CharField(read_only=True)


class SharedDisabilitySerializer(CodeLabelSerializer):
    severity = CodeLabelSerializer(read_only=True)


class SharedChildSerializer(serializers.Serializer):
    """Only the parts the worker chose to share: a part not shared is absent, not empty. Staff see
    the child's `id`, `registry_number` and `name` instead (a reference into the registry)."""

    id = serializers.UUIDField(required=False, help_text=_("Staff only."))
    registry_number = serializers.CharField(required=False, help_text=_("Staff only."))
    name = serializers.CharField(required=False)
    age = serializers.IntegerField(required=False)
    sex = serializers.ChoiceField(choices=[("F", "F"), ("M", "M"), ("U", "U")], required=False)
    commune = SharedCommuneSerializer(required=False)
    date_of_birth = serializers.DateField(required=False)
    birth_date_estimated = serializers.BooleanField(required=False)
    village = serializers.CharField(required=False)
    address = serializers.CharField(required=False)
    caregiver = SharedCaregiverSerializer(required=False, allow_null=True)
    ethnicity = CodeLabelSerializer(required=False)
    schooling = SharedSchoolingSerializer(required=False)
    health_insurance_number = serializers.CharField(required=False)
    disability = SharedDisabilitySerializer(required=False, allow_null=True)
    circumstances = CodeLabelSerializer(many=True, required=False)
    hiv_status = CodeLabelSerializer(required=False)
    sexual_abuse_history = serializers.CharField(required=False)
    drug_use = serializers.CharField(required=False)
    conflict_with_law = serializers.CharField(required=False)

    def to_representation(self, instance: dict):
        data = super().to_representation(instance)
        return {key: value for key, value in data.items() if key in instance}


class ReferralEventSerializer(serializers.Serializer):
    action = serializers.CharField(read_only=True)
    from_status = serializers.CharField(read_only=True)
    to_status = serializers.CharField(read_only=True)
    by = UserRefSerializer(read_only=True, allow_null=True)
    at = serializers.DateTimeField(read_only=True)
    note = serializers.CharField(read_only=True)


def is_partner(user) -> bool:
    return user.is_authenticated and user.role == Role.PARTNER


class ReferralSerializer(serializers.Serializer):
    """One referral. A partner agency's user gets referrals.shared.shared_view and the agency's own
    answers, nothing else; staff also get the child's reference, the case, who sent it, the consent
    and (on the detail) the history. Fields marked "staff only" are absent for partners."""

    id = serializers.UUIDField(read_only=True)
    status = serializers.ChoiceField(choices=ReferralStatus.choices, read_only=True)
    agency = AgencyRefSerializer(read_only=True)
    service_type = ServiceTypeRefSerializer(read_only=True)
    urgency = serializers.ChoiceField(choices=Urgency.choices, read_only=True)
    respond_by = serializers.DateField(read_only=True)
    reason = serializers.CharField(read_only=True, help_text=_("Empty for a partner once the referral is revoked."))
    shared_fields = serializers.ListField(child=serializers.ChoiceField(choices=SharedField.choices), read_only=True)
    child = SharedChildSerializer(read_only=True, help_text=_(
        "For a partner only the shared parts of the child's record (nothing once revoked)."))
    is_overdue = serializers.BooleanField(read_only=True, help_text=_("Not answered by `respond_by`."))
    sent_at = serializers.DateTimeField(read_only=True)
    responded_at = serializers.DateTimeField(read_only=True, allow_null=True)
    completed_at = serializers.DateTimeField(read_only=True, allow_null=True)
    decline_reason = serializers.CharField(read_only=True)
    outcome = serializers.CharField(read_only=True)
    updated_at = serializers.DateTimeField(read_only=True, help_text=_(
        "Changes with every answer and revocation: sync with `?updated_since=`."))
    case = serializers.UUIDField(required=False, allow_null=True, help_text=_("Staff only."))
    sent_by = UserRefSerializer(required=False, allow_null=True, help_text=_("Staff only."))
    consent_given = serializers.BooleanField(required=False, help_text=_(
        "Staff only. False when a supervisor overrode consent in an emergency."))
    consent_override_reason = serializers.CharField(required=False, help_text=_("Staff only."))
    events = ReferralEventSerializer(many=True, required=False, help_text=_(
        "Staff only, on the detail: every change with who and when."))

    def to_representation(self, referral: Referral):
        request = self.context.get("request")
        source = {
            "id": referral.public_id, "agency": referral.agency, "is_overdue": referral.is_overdue,
            "sent_at": referral.sent_at, "responded_at": referral.responded_at,
            "completed_at": referral.completed_at, "decline_reason": referral.decline_reason,
            "outcome": referral.outcome, "updated_at": referral.updated_at,
        }
        if request is not None and is_partner(request.user):
            source.update(shared_view(referral))
        else:
            child = referral.child
            source.update({
                "status": referral.status, "service_type": referral.service_type, "urgency": referral.urgency,
                "respond_by": referral.respond_by, "reason": referral.reason,
                "shared_fields": list(referral.shared_fields),
                "child": {"id": child.public_id, "registry_number": child.registry_number, "name": child.full_name},
                "case": referral.case.public_id if referral.case_id else None, "sent_by": referral.sent_by,
                "consent_given": referral.consent_id is not None,
                "consent_override_reason": referral.consent_override_reason,
            })
            if self.context.get("with_events"):
                source["events"] = referral.events.select_related("by")
        data = super().to_representation(source)
        return {key: value for key, value in data.items() if key in source}


# --- Writing ------------------------------------------------------------------------------------


class ReferralCreateSerializer(serializers.Serializer):
    """Refer a child (staff). Send the `Idempotency-Key` header so that a retry is safe."""

    child = serializers.SlugRelatedField(slug_field="public_id", queryset=Child.objects.none(),
                                         help_text=_("The child's id (from /api/v1/children/)."))
    case = serializers.SlugRelatedField(slug_field="public_id", queryset=Case.objects.none(), required=False,
                                        allow_null=True, help_text=_(
                                            "The child's case: a completed referral records the service on "
                                            "its plan."))
    agency = serializers.SlugRelatedField(slug_field="public_id", queryset=Agency.objects.none(),
                                          help_text=_("The agency's id (from /api/v1/agencies/)."))
    service_type = serializers.SlugRelatedField(slug_field="code", queryset=ServiceType.objects.all(),
                                                help_text=_("A service type code (from /api/v1/service-types/)."))
    reason = serializers.CharField(max_length=5000)
    urgency = serializers.ChoiceField(choices=Urgency.choices, default=Urgency.NORMAL)
    respond_by = serializers.DateField(required=False, help_text=_(
        "When the agency should answer; 3 working days from today if left out."))
    shared_fields = serializers.ListField(
        child=serializers.ChoiceField(choices=SharedField.choices), required=False, help_text=_(
            "Parts of the child's record to share; name, age, sex, commune and reason if left out. Sensitive "
            "parts need consent and the right to see them."))
    override_reason = serializers.CharField(required=False, allow_blank=True, max_length=2000, help_text=_(
        "Supervisors, in an emergency only: why the referral goes without consent."))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        request = self.context.get("request")
        if request is None:  # the schema generator
            return
        user = request.user
        self.fields["child"].queryset = children_visible_to(user).filter(merged_into__isnull=True, is_active=True)
        self.fields["case"].queryset = cases_visible_to(user)
        self.fields["agency"].queryset = agencies_visible_to(user).filter(is_active=True)

    def validate(self, attrs):
        child, case = attrs["child"], attrs.get("case")
        if case is not None and case.child_id != child.pk:
            raise serializers.ValidationError({"case": [_("The case is about another child.")]})
        shared = set(attrs.get("shared_fields") or [])
        if shared & SENSITIVE_SHARED and not can_view_sensitive(self.context["request"].user, child):
            raise serializers.ValidationError({"shared_fields": [
                _("You may not share sensitive information you may not see.")]})
        return attrs


class NoteSerializer(serializers.Serializer):
    note = serializers.CharField(required=False, allow_blank=True, max_length=5000)


class DeclineSerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=5000, help_text=_("Why the agency cannot take the referral."))


class CompleteSerializer(NoteSerializer):
    outcome = serializers.CharField(max_length=5000, help_text=_("What the service achieved."))
