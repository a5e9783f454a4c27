from django.urls import path

from carecircle.circles import views

urlpatterns = [
    path("team/", views.team_home, name="team_home"),
    path("manager/", views.manager_home, name="manager_home"),
]
