from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.shortcuts import get_object_or_404, render

from agencies.models import AgencyType
from agencies.selectors import agencies_visible_to, search_agencies, service_types


@login_required
def agency_list(request):
    qs = search_agencies(
        agencies_visible_to(request.user).filter(is_active=True).prefetch_related("service_types"),
        text=request.GET.get("q", ""),
        agency_type=request.GET.get("type", ""),
        service=request.GET.get("service", ""),
    )
    page = Paginator(qs, 25).get_page(request.GET.get("page"))
    return render(request, "agencies/agency_list.html", {
        "page": page, "agency_types": AgencyType.choices, "service_types": service_types(),
    })


@login_required
def agency_detail(request, public_id):
    agency = get_object_or_404(
        agencies_visible_to(request.user).prefetch_related("service_types", "communes"), public_id=public_id
    )
    return render(request, "agencies/agency_detail.html", {"agency": agency})
