from django.urls import path

from carecircle.safeguarding import concern_views, signal_views, views

urlpatterns = [
    path("safeguarding/", views.audit_home, name="audit_home"),
    path("safeguarding/audit/export/", views.audit_export, name="audit_export"),
    path("safeguarding/personal-data/", views.personal_data_home, name="personal_data_home"),
    path(
        "clients/<uuid:client_id>/personal-data/",
        views.client_data_export,
        name="client_data_export",
    ),
    path("safeguarding/signals/", signal_views.signal_list, name="signal_list"),
    path("safeguarding/signals/acknowledge/", signal_views.signal_ack, name="signal_ack"),
    path("concerns/", concern_views.concern_list, name="concern_list"),
    path("concerns/new/", concern_views.concern_new, name="concern_new"),
    path("concerns/<uuid:concern_id>/", concern_views.concern_page, name="concern_page"),
    path(
        "concerns/<uuid:concern_id>/records/<slug:kind>/",
        concern_views.concern_record,
        name="concern_record",
    ),
    path(
        "concerns/<uuid:concern_id>/<slug:action>/",
        concern_views.concern_act,
        name="concern_act",
    ),
]
