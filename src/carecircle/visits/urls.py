from django.urls import path

from carecircle.visits import views

urlpatterns = [
    path("visits/", views.visits_upcoming, name="visits_upcoming"),
    path("visits/sw.js", views.service_worker, name="visits_service_worker"),
    path("visits/manifest.webmanifest", views.manifest, name="visits_manifest"),
    path("visits/<uuid:visit_id>/record/", views.visit_record, name="visit_record"),
    path("visits/mar/<uuid:client_id>/", views.mar_chart_page, name="mar_chart"),
    path("visits/mar/<uuid:client_id>/pdf/", views.mar_chart_pdf, name="mar_chart_pdf"),
    path("visits/arrivals/<uuid:client_id>/", views.arrival_notice, name="arrival_notice"),
    path(
        "visits/location-consent/<uuid:client_id>/",
        views.location_consent,
        name="location_consent",
    ),
    path("visits/receipts/<uuid:expense_id>/", views.receipt_file, name="receipt_file"),
]
