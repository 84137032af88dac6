"""The versioned REST API. Later issues register their viewsets on the same router."""

from django.urls import include, path
from rest_framework.routers import DefaultRouter

from accounts.api.views import LogoutView, TokenView
from agencies.api.views import AgencyViewSet, ServiceTypeViewSet
from beneficiaries.api.views import ChildViewSet
from cases.api.views import CaseViewSet
from geography.api.views import CommuneViewSet, ProvinceViewSet
from hotline.api.views import CallViewSet
from referrals.api.views import ReferralViewSet

router = DefaultRouter(trailing_slash=True)
router.include_root_view = False
router.register("provinces", ProvinceViewSet, basename="province")
router.register("communes", CommuneViewSet, basename="commune")
router.register("agencies", AgencyViewSet, basename="agency")
router.register("service-types", ServiceTypeViewSet, basename="service-type")
router.register("children", ChildViewSet, basename="child")
router.register("cases", CaseViewSet, basename="case")
router.register("referrals", ReferralViewSet, basename="referral")
router.register("hotline/calls", CallViewSet, basename="call")

urlpatterns = [
    path("auth/token/", TokenView.as_view(), name="api-token"),
    path("auth/logout/", LogoutView.as_view(), name="api-logout"),
    path("statistics/", include("reports.api.urls")),
    path("", include(router.urls)),
]
