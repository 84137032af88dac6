from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db.models import Q
from django.shortcuts import get_object_or_404, render

from agencies.models import AgencyType
from agencies.selectors import agencies_visible_to, search_agencies, service_types
from geography.models import Province


def _referral_statistics(agencies, user) -> dict:
    """Issue 6 item 7: per agency, referrals sent, accepted, completed and the median hours to
    accept. (A page may read a later app: the directory is where workers choose where to refer.)"""
    from referrals.selectors import agency_statistics_for

    return agency_statistics_for(agencies, user)


@login_required
def agency_list(request):
    """Find agencies by name, type, service and area (a province; nationwide agencies serve every
    province), with their referral statistics."""
    visible = agencies_visible_to(request.user).filter(is_active=True)
    qs = search_agencies(
        visible.prefetch_related("service_types"),
        text=request.GET.get("q", ""),
        agency_type=request.GET.get("type", ""),
        service=request.GET.get("service", ""),
    )
    province = request.GET.get("province", "")
    if province:
        qs = qs.filter(Q(province__code=province) | Q(province__isnull=True))
    page = Paginator(qs, 25).get_page(request.GET.get("page"))
    page.object_list = list(page.object_list)
    stats = _referral_statistics(page.object_list, request.user)
    for agency in page.object_list:
        agency.referral_stats = stats.get(agency.public_id)
    return render(request, "agencies/agency_list.html", {
        "page": page, "agency_types": AgencyType.choices, "service_types": service_types(),
        "provinces": Province.objects.filter(agencies__in=visible).distinct().order_by("name"), "stats": stats,
    })


@login_required
def agency_detail(request, public_id):
    agency = get_object_or_404(
        agencies_visible_to(request.user).prefetch_related("service_types", "communes"), public_id=public_id
    )
    return render(request, "agencies/agency_detail.html", {
        "agency": agency, "stats": _referral_statistics([agency], request.user).get(agency.public_id),
    })
