"""The customer portal (/portal/): submit and track requests without an account.
(/portal/notices/ is the notice board's own page, kefu.notices.)"""

from django.urls import path

from kefu.portal import views

urlpatterns = [
    path("", views.home, name="portal-home"),
    path("code", views.send_code, name="portal-code"),
    path("submit", views.submit, name="portal-submit"),
    path("submitted", views.submitted, name="portal-submitted"),
    path("track", views.track, name="portal-track"),
    path("lost", views.lost, name="portal-lost"),
    path("lost/done", views.lost_done, name="portal-lost-done"),
    path("requests/<str:serial>/", views.request_detail, name="portal-request"),
    path("requests/<str:serial>/message", views.request_message, name="portal-message"),
    path("requests/<str:serial>/rating", views.request_rating, name="portal-rating"),
    path("requests/<str:serial>/files/<int:file_id>", views.request_file, name="portal-file"),
    path("faq/", views.faq, name="portal-faq"),
    path("faq/<int:article_id>/", views.faq_article, name="portal-article"),
    path("area-notices/", views.notices, name="portal-area-notices"),
    path("bill", views.bill, name="portal-bill"),
    path("shipment", views.shipment, name="portal-shipment"),
]
