"""The calls API (issue 5 item 9): a phone system posts each call with its times and connection
outcome; an `Idempotency-Key` header makes a retry return the first call (200) instead of
creating a second (201). Listing and reading calls is scoped like the web
(selectors.calls_visible_to: a call outside it is a 404), and each read of a call is logged."""

from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiExample, OpenApiParameter, OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import exceptions, mixins, status, viewsets
from rest_framework.response import Response

from audit.services import record_view
from core.api.filters import nothing_to_filter
from core.columns import codes_of, not_shown
from hotline import selectors, services
from hotline.api import serializers as s
from hotline.filters import CallFilter
from hotline.models import Call, CallCategory
from hotline.permissions import can_post_calls

MAX_KEY_LENGTH = 100
# What a row of the call list does not show: the call's narrative, child and draft, and all of its
# case but the number.
LIST_DEFERRED = [
    *not_shown(Call, {"id", "public_id", "hotline", "status", "received_at", "answered_at", "ended_at",
                      "connection_outcome", "contact_type", "reporting_class", "counsellor", "urgency", "case",
                      "caller_phone", "caller_name", "caller_relationship", "caller_anonymous", "created_at",
                      "updated_at"}),
    *not_shown(Call, {"id", "case_number"}, "case"),
]
IDEMPOTENCY_KEY = OpenApiParameter(
    "Idempotency-Key", str, OpenApiParameter.HEADER, required=False,
    description="A unique key per call (at most 100 characters), e.g. the phone system's call id. Posting the "
                "same key again returns the call created the first time, with status 200, and creates nothing.",
)
ERRORS = {
    400: OpenApiResponse(s.ErrorSerializer, description="Bad input: `detail`, and `errors` by field."),
    403: OpenApiResponse(s.ErrorSerializer, description="Only hotline staff and a line's phone system post calls."),
}
ANSWERED_EXAMPLE = OpenApiExample("An answered call, for the counsellor to complete", request_only=True, value={
    "hotline": "111", "received_at": "2026-11-26T23:10:05+07:00", "answered_at": "2026-11-26T23:10:19+07:00",
    "ended_at": "2026-11-26T23:31:40+07:00", "connection_outcome": "ANSWERED", "caller_phone": "0912345678",
    "counsellor": "hotline",
})
ABANDONED_EXAMPLE = OpenApiExample("A call abandoned in the queue (counted, no form)", request_only=True, value={
    "hotline": "LC-HOTLINE", "received_at": "2026-11-26T21:02:00+07:00", "ended_at": "2026-11-26T21:03:35+07:00",
    "connection_outcome": "ABANDONED_IN_QUEUE", "caller_phone": "+84 945 123 123",
})
BAD_TIMES_EXAMPLE = OpenApiExample("A call ending before it starts", response_only=True, status_codes=["400"], value={
    "detail": "Invalid input.", "errors": {"ended_at": ["A call cannot end before it starts."]}})
RECEIPT_EXAMPLE = OpenApiExample("The call recorded (201), or the first call again for a repeated key (200)",
                                 response_only=True, status_codes=["201", "200"], value={
    "id": "8d0f6c43-2a77-4a52-9a39-0bd1f1b9a1c2", "hotline": "111", "status": "DRAFT",
    "received_at": "2026-11-26T23:10:05+07:00", "answered_at": "2026-11-26T23:10:19+07:00",
    "ended_at": "2026-11-26T23:31:40+07:00", "connection_outcome": "ANSWERED", "reporting_class": "NON_CONTACT",
    "counsellor": "hotline", "created_at": "2026-11-26T23:31:41+07:00"})


class IdempotencyConflict(exceptions.APIException):
    status_code = status.HTTP_409_CONFLICT
    default_detail = "This Idempotency-Key was already used for a call to another hotline."


@extend_schema_view(
    list=extend_schema(summary="Calls of your hotlines", responses={200: s.CallListSerializer(many=True)}),
    retrieve=extend_schema(summary="One call (the view is logged)",
                           responses={200: s.CallDetailSerializer,
                                      404: OpenApiResponse(s.ErrorSerializer, description="No such call for you.")}),
    create=extend_schema(
        summary="Record a call from the phone system", parameters=[IDEMPOTENCY_KEY], request=s.CallCreateSerializer,
        responses={201: s.CallReceiptSerializer, 200: OpenApiResponse(s.CallReceiptSerializer, description=(
            "The Idempotency-Key was posted before: the first call, nothing created.")), **ERRORS,
            409: OpenApiResponse(s.ErrorSerializer, description="The key was used for another hotline's call.")},
        examples=[ANSWERED_EXAMPLE, ABANDONED_EXAMPLE, BAD_TIMES_EXAMPLE, RECEIPT_EXAMPLE],
        description="Unanswered calls are complete at once (counted without a form). An answered call waits on "
                    "its counsellor's call screen to be completed. Times must be in order (received ≤ answered ≤ "
                    "ended) and the number Vietnamese; otherwise 400 with the field's error.",
    ),
)
class CallViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, mixins.CreateModelMixin,
                  viewsets.GenericViewSet):
    """Hotline calls, scoped like the web pages (hotline.selectors.calls_visible_to)."""

    lookup_field = "public_id"
    http_method_names = ["get", "post", "head", "options"]
    filterset_class = CallFilter
    serializer_class = s.CallDetailSerializer

    def get_queryset(self):
        calls = selectors.calls_visible_to(self.request.user).order_by("-received_at", "-pk")
        if self.action == "list":
            # A row shows the case's number, not the case: its encrypted narrative and the child
            # are not read (nor decrypted) for a list; the categories come as their codes.
            return (calls.select_related("hotline", "counsellor", "case").defer(*LIST_DEFERRED)
                    .annotate(category_codes=codes_of(CallCategory, "calls")))
        return calls.select_related("hotline", "counsellor", "case", "child", "child_commune").prefetch_related(
            "categories")

    def get_serializer_class(self):
        if self.action == "list":
            return s.CallListSerializer
        if self.action == "create":
            return s.CallCreateSerializer
        return s.CallDetailSerializer

    def filter_queryset(self, queryset):
        if self.action != "list" or nothing_to_filter(self.request, CallFilter):  # core.api.filters
            return queryset
        call_filter = CallFilter(self.request.query_params, queryset=queryset, user=self.request.user)
        if not call_filter.is_valid():
            raise exceptions.ValidationError(call_filter.errors)
        return call_filter.qs

    def retrieve(self, request, *args, **kwargs):
        call = self.get_object()
        record_view(request, call, api=True)
        return Response(self.get_serializer(call).data)

    def create(self, request, *args, **kwargs):
        if not can_post_calls(request.user):
            raise exceptions.PermissionDenied(_("Only hotline staff and a line's phone system post calls."))
        key = (request.headers.get("Idempotency-Key") or "").strip()
        if len(key) > MAX_KEY_LENGTH:
            raise exceptions.ValidationError({"Idempotency-Key": [_("At most 100 characters.")]})
        serializer = s.CallCreateSerializer(data=request.data, context=self.get_serializer_context())
        if key:
            first = self._first_with(key)
            if first is not None:
                return Response(s.CallReceiptSerializer(first).data, status=status.HTTP_200_OK)
        serializer.is_valid(raise_exception=True)
        try:
            call, created = services.record_from_phone_system(idempotency_key=key or None, **serializer.validated_data)
        except services.HotlineError as error:
            if key:
                raise IdempotencyConflict(str(error)) from error
            raise exceptions.ValidationError({"detail": str(error)}) from error
        return Response(s.CallReceiptSerializer(call).data,
                        status=status.HTTP_201_CREATED if created else status.HTTP_200_OK)

    def _first_with(self, key: str):
        """The call a key created before, if it is on one of the poster's lines; a key used on
        another line is a conflict (and says nothing of that call)."""
        from hotline.models import Call

        first = Call.objects.select_related("hotline", "counsellor").filter(idempotency_key=key).first()
        if first is None:
            return None
        if not can_post_calls(self.request.user, first.hotline):
            raise IdempotencyConflict(_("This Idempotency-Key was already used for a call to another hotline."))
        return first
