"""The framework floor for `make bench`: a trivial Django view and a trivial DRF endpoint, routed
only when BENCHMARK_ENDPOINTS is on (never in a normal deployment)."""

from django.http import HttpResponse
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.views import APIView


def django_floor(request):
    return HttpResponse("ok")


class DrfFloor(APIView):
    permission_classes = [AllowAny]
    authentication_classes = []

    def get(self, request):
        return Response({"ok": True})
