from django.urls import path

from carecircle.oversight import views

urlpatterns = [
    path("team/", views.team_home, name="team_home"),
    path("manager/", views.manager_home, name="manager_home"),
    path("equity/", views.equity_page, name="equity_page"),
    path("escalations/<uuid:escalation_id>/", views.escalation_page, name="escalation_page"),
    path(
        "escalations/<uuid:escalation_id>/<slug:action>/",
        views.escalation_act,
        name="escalation_act",
    ),
]
