"""The partner API (issue 6 item 5): referrals addressed to the caller's agency (or, for staff,
those they may see), their answers, and referring over the API with an Idempotency-Key.

Every read starts from selectors.referrals_visible_to: another agency's referral is a 404, the
same as a missing one. A refusal of referrals.services is a 403 (not yours to do), a 409 (not
possible in the referral's current status, or no consent) or a 400. Partner users are rate-limited
per token (scope "partner"); over the limit is a 429 with Retry-After.
"""

import re
import uuid
from datetime import datetime
from urllib.parse import urlencode

from django.db.models import Q
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    OpenApiExample,
    OpenApiParameter,
    OpenApiResponse,
    extend_schema,
    extend_schema_view,
)
from rest_framework import exceptions, mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response
from rest_framework.settings import api_settings
from rest_framework.throttling import UserRateThrottle

from audit.services import record_view
from cases.api.serializers import ErrorSerializer
from core.api.filters import FilterBackend
from referrals import selectors, services
from referrals.api import serializers as s
from referrals.filters import ReferralFilter
from referrals.forms import default_respond_by
from referrals.models import Referral
from referrals.permissions import can_send_referrals
from referrals.shared import load_shared

IDEMPOTENCY_KEY_MAX = 80
UPDATED_SINCE = OpenApiParameter(
    "updated_since", OpenApiTypes.DATETIME, OpenApiParameter.QUERY, required=False,
    description=(
        "Sync: only referrals changed after this ISO 8601 timestamp (for example "
        "`2026-03-02T08:00:00+07:00`; without an offset, Viet Nam time), oldest change first, ordered by "
        "(`updated_at`, id). Follow `next` until it is null, then keep the `updated_at` of the last item for "
        "the next run: nothing is missed or repeated, even when referrals change during the sync. "
        "Not a timestamp: 400."),
    examples=[OpenApiExample("Changes since 8:00", value="2026-03-02T08:00:00+07:00")],
)
AFTER = OpenApiParameter(
    "after", OpenApiTypes.UUID, OpenApiParameter.QUERY, required=False,
    description="With `updated_since`: the id of the last referral already received with exactly that "
                "`updated_at`. The `next` link sets it; a client need not.")
IDEMPOTENCY_KEY = OpenApiParameter(
    "Idempotency-Key", OpenApiTypes.STR, OpenApiParameter.HEADER, required=False,
    description=f"Any unique string (a UUID) of up to {IDEMPOTENCY_KEY_MAX} characters. A retry with the same "
                "key returns the referral made the first time (200) instead of a second one (201).",
    examples=[OpenApiExample("A UUID", value="6f1d2c4e-8a7b-4c2d-9e0f-1a2b3c4d5e6f")],
)
ERRORS = {
    400: OpenApiResponse(ErrorSerializer, description="Bad input: `detail`, and `errors` by field."),
    403: OpenApiResponse(ErrorSerializer, description="Your role may not do this."),
    404: OpenApiResponse(ErrorSerializer, description="No such referral for you (another agency's is the same)."),
    429: OpenApiResponse(ErrorSerializer, description="Over the rate limit of your token: wait `Retry-After` "
                                                      "seconds."),
}
CONFLICT = {409: OpenApiResponse(ErrorSerializer, description=(
    "Not possible now: the referral's status does not allow it, or there is no consent to share."))}
EXAMPLE_REFERRAL = {
    "id": "0b7e6f0e-3f7a-4b8e-9a51-3c1f0d9e2a11", "status": "SENT",
    "agency": {"id": "5d0c1a9e-2b3f-4c5d-8e7f-9a0b1c2d3e4f",
               "name": "Trung tâm Trợ giúp pháp lý nhà nước tỉnh Lào Cai"},
    "service_type": {"code": "LEGAL_AID", "name": "Trợ giúp pháp lý"}, "urgency": "HIGH",
    "respond_by": "2026-03-05", "reason": "Cháu cần luật sư đồng hành khi làm việc với cơ quan điều tra.",
    "shared_fields": ["name", "age", "sex", "commune", "reason"],
    "child": {"name": "Nguyễn Thị Hòa", "age": 12, "sex": "F",
              "commune": {"code": "03006", "name": "Phường Sa Pa", "province": "Tỉnh Lào Cai"}},
    "is_overdue": False, "sent_at": "2026-03-02T09:15:00+07:00", "responded_at": None, "completed_at": None,
    "decline_reason": "", "outcome": "", "updated_at": "2026-03-02T09:15:00.123456+07:00",
}
PARTNER_EXAMPLE = OpenApiExample("A referral as the partner agency sees it", response_only=True,
                                 value=EXAMPLE_REFERRAL)
LIST_EXAMPLE = OpenApiExample("A page of the partner's sync", response_only=True, value={
    "count": 1, "next": None, "previous": None, "results": [EXAMPLE_REFERRAL]})
CREATE_EXAMPLE = OpenApiExample("Refer a child to legal aid", request_only=True, value={
    "child": "3f1c8a52-6b1e-4c55-9d0e-2a7a4c1b9e10", "case": "9a7d3c1e-5b2f-4e6a-8c0d-1e2f3a4b5c6d",
    "agency": "5d0c1a9e-2b3f-4c5d-8e7f-9a0b1c2d3e4f", "service_type": "LEGAL_AID", "urgency": "HIGH",
    "reason": "Cháu cần luật sư đồng hành khi làm việc với cơ quan điều tra.", "respond_by": "2026-03-05",
    "shared_fields": ["name", "age", "sex", "commune"],
})
NO_CONSENT_EXAMPLE = OpenApiExample("No consent", response_only=True, status_codes=["409"], value={
    "detail": "There is no consent to share with this agency. Record it first, or a supervisor may override it "
              "in an emergency with a reason."})
ILLEGAL_MOVE_EXAMPLE = OpenApiExample("Completing a declined referral", response_only=True, status_codes=["409"],
                                      value={"detail": "A referral that is “Declined” cannot be changed this way."})
NOTE_EXAMPLE = OpenApiExample("With a note", request_only=True, value={"note": "Luật sư Trần Văn An phụ trách."})


class PartnerRateThrottle(UserRateThrottle):
    """A partner agency's integration: per token (per user for a web session), scope "partner"
    (settings: PARTNER_RATE_LIMIT). Staff are not limited here."""

    scope = "partner"

    def get_rate(self):
        # Read at request time, so a changed setting applies without a restart of the class.
        return api_settings.DEFAULT_THROTTLE_RATES.get(self.scope)

    def allow_request(self, request, view):
        if not s.is_partner(request.user):
            return True
        return super().allow_request(request, view)

    def get_cache_key(self, request, view):
        token_key = getattr(request.auth, "token_key", None)
        ident = f"token-{token_key}" if token_key else f"user-{request.user.pk}"
        return self.cache_format % {"scope": self.scope, "ident": ident}


class ReferralRefused(exceptions.APIException):
    status_code = status.HTTP_400_BAD_REQUEST

    def __init__(self, error: services.ReferralError):
        super().__init__(detail=str(error))
        if error.forbidden:
            self.status_code = status.HTTP_403_FORBIDDEN
        elif error.conflict:
            self.status_code = status.HTTP_409_CONFLICT


class ReferralFilterBackend(FilterBackend):
    def get_filterset_kwargs(self, request, queryset, view):
        return {**super().get_filterset_kwargs(request, queryset, view), "user": request.user}


def parse_timestamp(value: str) -> datetime:
    """An ISO 8601 timestamp; a `+` of the offset sent unencoded arrives as a space."""
    value = re.sub(r" (\d{2}:?\d{2})$", r"+\1", value.strip())
    try:
        parsed = parse_datetime(value)
    except ValueError:
        parsed = None
    if parsed is None:
        raise exceptions.ValidationError({"updated_since": [
            _("Give an ISO 8601 timestamp, for example 2026-03-02T08:00:00+07:00.")]})
    return parsed if timezone.is_aware(parsed) else timezone.make_aware(parsed)


@extend_schema_view(
    list=extend_schema(
        summary="Referrals to your agency (staff: those you may see); sync with updated_since",
        parameters=[UPDATED_SINCE, AFTER], responses={200: s.ReferralSerializer(many=True), **ERRORS},
        examples=[LIST_EXAMPLE]),
    retrieve=extend_schema(summary="One referral: a partner sees only the shared information (the view is logged)",
                           responses={200: s.ReferralSerializer, 404: ERRORS[404], 429: ERRORS[429]},
                           examples=[PARTNER_EXAMPLE]),
    create=extend_schema(
        summary="Refer a child (staff); send Idempotency-Key so that a retry is safe",
        parameters=[IDEMPOTENCY_KEY], request=s.ReferralCreateSerializer,
        responses={201: OpenApiResponse(s.ReferralSerializer, description="Referred."),
                   200: OpenApiResponse(s.ReferralSerializer, description="A retry: the referral made the first "
                                                                          "time with this Idempotency-Key."),
                   **ERRORS, **CONFLICT},
        examples=[CREATE_EXAMPLE, NO_CONSENT_EXAMPLE]),
)
class ReferralViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, mixins.CreateModelMixin,
                      viewsets.GenericViewSet):
    """Closed-loop referrals, scoped like the web (referrals.selectors.referrals_visible_to)."""

    lookup_field = "public_id"
    lookup_url_kwarg = "id"
    lookup_value_regex = "[0-9a-fA-F-]{36}"
    http_method_names = ["get", "post", "head", "options"]
    filter_backends = [ReferralFilterBackend]
    filterset_class = ReferralFilter
    serializer_class = s.ReferralSerializer
    throttle_classes = [PartnerRateThrottle]

    def get_queryset(self):
        return selectors.with_related(selectors.referrals_visible_to(self.request.user)).select_related("case")

    def filter_queryset(self, queryset):
        return super().filter_queryset(queryset) if self.action == "list" else queryset

    def _data(self, referral: Referral, *, events: bool = False) -> dict:
        context = {**self.get_serializer_context(), "with_events": events}
        return s.ReferralSerializer(referral, context=context).data

    def _fresh(self, referral: Referral, code: int = status.HTTP_200_OK) -> Response:
        return Response(self._data(self.get_queryset().get(pk=referral.pk), events=True), status=code)

    def list(self, request, *args, **kwargs):
        queryset = self.filter_queryset(self.get_queryset())
        if "updated_since" in request.query_params:
            return self._sync(request, queryset)
        page = self.paginate_queryset(queryset.order_by("-sent_at", "-pk"))
        load_shared(page)
        return self.get_paginated_response(s.ReferralSerializer(page, many=True,
                                                                context=self.get_serializer_context()).data)

    def _sync(self, request, queryset) -> Response:
        """Keyset pages over (updated_at, pk): a referral changed during the sync moves to the end
        and comes once more, with its new state; none is skipped."""
        since = parse_timestamp(request.query_params["updated_since"])
        changed = Q(updated_at__gt=since)
        if request.query_params.get("after"):
            try:
                after = uuid.UUID(request.query_params["after"])
            except ValueError:
                after = None
            last = self.get_queryset().filter(public_id=after).values("pk").first() if after else None
            if last is None:
                raise exceptions.ValidationError({"after": [_("Unknown referral id.")]})
            changed |= Q(updated_at=since, pk__gt=last["pk"])
        queryset = queryset.filter(changed).order_by("updated_at", "pk")
        size = self.paginator.get_page_size(request)
        rows = list(queryset[:size + 1])
        more, rows = len(rows) > size, rows[:size]
        load_shared(rows)
        next_url = None
        if more:
            params = request.query_params.copy()
            params["updated_since"] = rows[-1].updated_at.isoformat()
            params["after"] = str(rows[-1].public_id)
            next_url = request.build_absolute_uri(request.path) + "?" + urlencode(sorted(params.items()))
        return Response({"count": queryset.count(), "count_capped": False, "next": next_url, "previous": None,
                         "results": s.ReferralSerializer(rows, many=True, context=self.get_serializer_context()).data})

    def retrieve(self, request, *args, **kwargs):
        referral = self.get_object()
        record_view(request, referral, api=True)
        return Response(self._data(referral, events=True))

    def create(self, request, *args, **kwargs):
        if not can_send_referrals(request.user):
            raise exceptions.PermissionDenied(_("Your role cannot send referrals."))
        key = request.headers.get("Idempotency-Key", "").strip() or None
        if key is not None and (len(key) > IDEMPOTENCY_KEY_MAX or not key.isprintable()):
            raise exceptions.ValidationError({"Idempotency-Key": [
                _("At most %(n)d printable characters.") % {"n": IDEMPOTENCY_KEY_MAX}]})
        serializer = s.ReferralCreateSerializer(data=request.data, context=self.get_serializer_context())
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        try:
            referral, created = services.send_referral(
                child=data["child"], case=data.get("case"), agency=data["agency"], service_type=data["service_type"],
                reason=data["reason"], urgency=data["urgency"],
                respond_by=data.get("respond_by") or default_respond_by(),
                shared_fields=data.get("shared_fields"), override_reason=data.get("override_reason", ""),
                by=request.user, idempotency_key=key)
        except services.ReferralError as error:
            raise ReferralRefused(error) from error
        return self._fresh(referral, status.HTTP_201_CREATED if created else status.HTTP_200_OK)

    # --- the agency's answers ------------------------------------------------------------------

    def _answer(self, request, action_name: str, serializer_class) -> Response:
        referral = self.get_object()
        serializer = serializer_class(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        note = data.get("reason") or data.get("note", "")
        try:
            referral = services.agency_action(referral, action=action_name, by=request.user, note=note,
                                              outcome=data.get("outcome", ""))
        except services.ReferralError as error:
            raise ReferralRefused(error) from error
        return self._fresh(referral)

    @extend_schema(summary="Accept the referral (partner)", request=s.NoteSerializer,
                   responses={200: s.ReferralSerializer, **ERRORS, **CONFLICT}, examples=[NOTE_EXAMPLE])
    @action(detail=True, methods=["post"])
    def accept(self, request, id=None):
        return self._answer(request, "accept", s.NoteSerializer)

    @extend_schema(summary="Decline the referral, with the reason (partner)", request=s.DeclineSerializer,
                   responses={200: s.ReferralSerializer, **ERRORS, **CONFLICT}, examples=[OpenApiExample(
                       "No capacity", request_only=True,
                       value={"reason": "Trung tâm hết chỗ tiếp nhận trong tháng này; đề nghị chuyển nơi khác."})])
    @action(detail=True, methods=["post"])
    def decline(self, request, id=None):
        return self._answer(request, "decline", s.DeclineSerializer)

    @extend_schema(summary="The service has started (partner)", request=s.NoteSerializer,
                   responses={200: s.ReferralSerializer, **ERRORS, **CONFLICT}, examples=[NOTE_EXAMPLE])
    @action(detail=True, methods=["post"])
    def start(self, request, id=None):
        return self._answer(request, "start", s.NoteSerializer)

    @extend_schema(summary="Complete the referral with the outcome (partner); the case plan's task turns delivered",
                   request=s.CompleteSerializer, responses={200: s.ReferralSerializer, **ERRORS, **CONFLICT},
                   examples=[OpenApiExample("Completed", request_only=True, value={
                       "outcome": "Luật sư đã tham gia 3 buổi làm việc với cơ quan điều tra; vụ việc đã chuyển "
                                  "Viện kiểm sát.", "note": ""}), ILLEGAL_MOVE_EXAMPLE])
    @action(detail=True, methods=["post"])
    def complete(self, request, id=None):
        return self._answer(request, "complete", s.CompleteSerializer)

    # --- the sender's -------------------------------------------------------------------------

    def _sender(self, request, action_name: str) -> Response:
        referral = self.get_object()
        serializer = s.NoteSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        try:
            referral = services.sender_action(referral, action=action_name, by=request.user,
                                              note=serializer.validated_data.get("note", ""))
        except services.ReferralError as error:
            raise ReferralRefused(error) from error
        return self._fresh(referral)

    @extend_schema(summary="Revoke the referral (its sender or the case's workers), until it is completed",
                   request=s.NoteSerializer, responses={200: s.ReferralSerializer, **ERRORS, **CONFLICT},
                   examples=[OpenApiExample("Revoke", request_only=True,
                                            value={"note": "Gia đình đã chuyển đến tỉnh khác."})])
    @action(detail=True, methods=["post"])
    def revoke(self, request, id=None):
        return self._sender(request, "revoke")

    @extend_schema(summary="Close the loop on a completed or declined referral (its sender or the case's workers)",
                   request=s.NoteSerializer, responses={200: s.ReferralSerializer, **ERRORS, **CONFLICT},
                   examples=[NOTE_EXAMPLE])
    @action(detail=True, methods=["post"])
    def close(self, request, id=None):
        return self._sender(request, "close")
