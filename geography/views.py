from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from accounts.permissions import can_manage_villages
from geography import selectors, services
from geography.forms import VillageForm


@login_required
def commune_list(request):
    user = request.user
    province_code = request.GET.get("province", "") or (user.province.code if user.province_id else "")
    qs = selectors.commune_list(province_code=province_code, text=request.GET.get("q", ""))
    page = Paginator(qs, 50).get_page(request.GET.get("page"))
    return render(request, "geography/commune_list.html", {
        "page": page, "provinces": selectors.provinces(), "province_code": province_code,
    })


def _commune(request, code):
    return get_object_or_404(selectors.communes(), code=code)


@login_required
def commune_detail(request, code):
    commune = _commune(request, code)
    may_manage = can_manage_villages(request.user) and selectors.communes_managed_by(request.user).filter(
        pk=commune.pk).exists()
    form = VillageForm(commune=commune)
    if request.method == "POST":
        if not may_manage:
            raise Http404
        form = VillageForm(request.POST, commune=commune)
        if form.is_valid():
            services.add_village(commune=commune, created_by=request.user, **form.cleaned_data)
            messages.success(request, _("Village added."))
            return redirect("geography:commune_detail", code=commune.code)
    return render(request, "geography/commune_detail.html", {
        "commune": commune, "form": form, "may_manage": may_manage,
        "villages": selectors.villages_of(commune, include_inactive=may_manage),
    })


@login_required
@require_POST
def village_toggle(request, code, village_id):
    if not can_manage_villages(request.user):
        raise Http404
    commune = get_object_or_404(selectors.communes_managed_by(request.user), code=code)
    village = get_object_or_404(commune.villages, pk=village_id)
    services.set_village_active(village=village, active=not village.is_active)
    messages.success(request, _("Village reactivated.") if village.is_active else _("Village deactivated."))
    return redirect("geography:commune_detail", code=commune.code)
