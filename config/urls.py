from allauth.account.decorators import secure_admin_login
from django.conf import settings
from django.contrib import admin
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView

from core import views as core_views

# The admin signs in through allauth, so lockout and two factors apply there too.
admin.site.login = secure_admin_login(admin.site.login)
admin.site.site_header = "Bảo vệ trẻ em / Child protection"

urlpatterns = [
    path("", core_views.home, name="home"),
    path("healthz", core_views.healthz, name="healthz"),
    path("readyz", core_views.readyz, name="readyz"),
    path("accounts/", include("allauth.urls")),
    path("i18n/", include("django.conf.urls.i18n")),
    path("geography/", include("geography.urls")),
    path("agencies/", include("agencies.urls")),
    path("children/", include("beneficiaries.urls")),
    path("cases/", include("cases.urls")),
    path("referrals/", include("referrals.urls")),
    path("hotline/", include("hotline.urls")),
    path("statistics/", include("reports.urls")),
    path("admin/", admin.site.urls),
    path("api/v1/", include("config.api_urls")),
    path("api/schema/", SpectacularAPIView.as_view(), name="api-schema"),
    # The split view serves the Swagger UI's script as a file, so the strict CSP holds.
    path("api/docs/", SpectacularSwaggerSplitView.as_view(url_name="api-schema"), name="api-docs"),
]

if settings.BENCHMARK_ENDPOINTS:  # `make bench` only: the framework floor
    from benchmarks.floor import DrfFloor, django_floor

    urlpatterns += [path("bench/floor/", django_floor), path("bench/drf-floor/", DrfFloor.as_view())]

handler400 = "core.views.error_400"
handler403 = "core.views.error_403"
handler404 = "core.views.error_404"
handler500 = "core.views.error_500"
