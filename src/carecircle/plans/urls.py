from django.urls import path

from carecircle.plans import views

urlpatterns = [
    path("clients/<uuid:client_id>/plan/", views.plan_page, name="plan_page"),
    path("clients/<uuid:client_id>/plan/compare/", views.plan_compare, name="plan_compare"),
    path("clients/<uuid:client_id>/plan/changes/new/", views.change_new, name="change_new"),
    path("plan-changes/<uuid:change_id>/", views.change_page, name="change_page"),
    path("plan-changes/<uuid:change_id>/<slug:action>/", views.change_act, name="change_act"),
    path(
        "clients/<uuid:client_id>/restrictions/new/", views.restriction_new, name="restriction_new"
    ),
    path("restrictions/", views.restriction_register, name="restriction_register"),
    path("restrictions/<uuid:restriction_id>/", views.restriction_page, name="restriction_page"),
    path(
        "restrictions/<uuid:restriction_id>/<slug:action>/",
        views.restriction_act,
        name="restriction_act",
    ),
]
