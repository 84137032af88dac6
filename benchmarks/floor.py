"""The framework floor for `make bench`: a trivial Django view and a trivial DRF endpoint, routed
only when BENCHMARK_ENDPOINTS is on (never in a normal deployment). Requested anonymously and, next
to each line, with that line's session or token: the middleware then loads the session and the
user, as for any page."""

from django.http import HttpResponse
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.views import APIView


def django_floor(request):
    return HttpResponse("ok")


class DrfFloor(APIView):
    # Anonymous, or signed in with the token of the line it is the floor of (the default
    # authentication): checking a token is the framework's work on every API request.
    permission_classes = [AllowAny]

    def get(self, request):
        return Response({"ok": True})
