from django.db import IntegrityError
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiExample, OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import mixins, status, viewsets
from rest_framework.exceptions import PermissionDenied, ValidationError
from rest_framework.response import Response

from audit.services import record_search, record_view
from beneficiaries import selectors, services
from beneficiaries.api.serializers import ChildSerializer
from beneficiaries.filters import ChildFilter
from beneficiaries.permissions import can_edit_child, can_register_children

IF_MATCH = OpenApiParameter(
    "If-Match", str, OpenApiParameter.HEADER, required=False,
    description="The ETag of the record you read; a stale one is refused with 412.",
)
CREATE_EXAMPLE = OpenApiExample("Register a child", request_only=True, value={
    "full_name": "Nguyễn Thị Hoà", "sex": "F", "date_of_birth": "2015-03-14", "ethnicity": "01",
    "commune": "03006", "poverty_status": "poor",
})


def etag_of(child) -> str:
    return f'"{child.public_id}-{child.version}"'


@extend_schema_view(
    create=extend_schema(examples=[CREATE_EXAMPLE]),
    partial_update=extend_schema(parameters=[IF_MATCH]),
)
class ChildViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, mixins.CreateModelMixin,
                   mixins.UpdateModelMixin, viewsets.GenericViewSet):
    """Children in the caller's area scope. No DELETE: records are deactivated, never removed."""

    serializer_class = ChildSerializer
    lookup_field = "public_id"
    http_method_names = ["get", "post", "patch", "head", "options"]

    def get_queryset(self):
        return selectors.children_visible_to(self.request.user).select_related(
            "commune__province", "merged_into").order_by("pk")

    def filter_queryset(self, queryset):
        if self.action != "list":
            return queryset
        child_filter = ChildFilter(self.request.query_params, queryset=queryset, user=self.request.user)
        if not child_filter.is_valid():
            raise ValidationError(child_filter.errors)
        return child_filter.qs

    def list(self, request, *args, **kwargs):
        if request.query_params.get("search"):
            record_search(request, "beneficiaries.child", {"search": request.query_params["search"]})
        return super().list(request, *args, **kwargs)

    def retrieve(self, request, *args, **kwargs):
        child = self.get_object()
        record_view(request, child, api=True)
        response = Response(self.get_serializer(child).data)
        response["ETag"] = etag_of(child)
        return response

    def create(self, request, *args, **kwargs):
        if not can_register_children(request.user):
            raise PermissionDenied(_("Your role cannot register children."))
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = {k: v for k, v in serializer.validated_data.items() if k != "version"}
        try:
            child = services.register_child(data=data, by=request.user)
        except IntegrityError as error:
            raise ValidationError({"personal_id": [_("Another child already has this identification number.")]}) \
                from error
        response = Response(self.get_serializer(child).data, status=status.HTTP_201_CREATED)
        response["ETag"] = etag_of(child)
        return response

    def partial_update(self, request, *args, **kwargs):
        child = self.get_object()
        if not can_edit_child(request.user, child):
            raise PermissionDenied(_("You may not change this record."))
        if_match = request.headers.get("If-Match")
        if if_match and if_match != etag_of(child):
            return Response({"detail": _("The record changed since you read it."), "current": self.get_serializer(
                child).data}, status=status.HTTP_412_PRECONDITION_FAILED)
        serializer = self.get_serializer(child, data=request.data, partial=True)
        serializer.is_valid(raise_exception=True)
        data = dict(serializer.validated_data)
        version = data.pop("version", None) or child.version
        try:
            child = services.update_child(child, data=data, expected_version=version, by=request.user)
        except services.StaleEdit as stale:
            return Response({
                "detail": str(stale),
                "changed": sorted(stale.changed),
                "current": self.get_serializer(stale.current).data,
            }, status=status.HTTP_409_CONFLICT)
        except IntegrityError as error:
            raise ValidationError({"personal_id": [_("Another child already has this identification number.")]}) \
                from error
        response = Response(self.get_serializer(child).data)
        response["ETag"] = etag_of(child)
        return response
