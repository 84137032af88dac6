from django.urls import path

from referrals import views

app_name = "referrals"
urlpatterns = [
    path("", views.referral_list, name="referral_list"),
    path("inbox/", views.inbox, name="inbox"),
    path("new/", views.referral_new, name="referral_new"),
    # Notifications (referrals.services) link here.
    path("<uuid:public_id>/", views.referral_detail, name="referral_detail"),
    path("<uuid:public_id>/answer/", views.partner_action, name="partner_action"),
    path("<uuid:public_id>/sender/", views.sender_action, name="sender_action"),
]
