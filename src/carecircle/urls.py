from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import path

from carecircle.api.api import api
from carecircle.circles import views as circle_views
from carecircle.people import views as people_views
from carecircle.rota import views as rota_views
from carecircle.safeguarding import views as safeguarding_views
from carecircle.web import views as web_views

urlpatterns = [
    path("", web_views.home, name="home"),
    path("welcome/", web_views.no_home, name="no_home"),
    path("health/", web_views.health, name="health"),
    path(
        "accounts/login/",
        auth_views.LoginView.as_view(redirect_authenticated_user=True),
        name="login",
    ),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("accounts/password/", auth_views.PasswordChangeView.as_view(), name="password_change"),
    path(
        "accounts/password/done/",
        auth_views.PasswordChangeDoneView.as_view(),
        name="password_change_done",
    ),
    path("my-day/", rota_views.my_day, name="my_day"),
    path("circles/<uuid:circle_id>/board/", rota_views.circle_board, name="circle_board"),
    path("clients/<uuid:client_id>/", people_views.client_page, name="client_page"),
    path("team/", circle_views.team_home, name="team_home"),
    path("manager/", circle_views.manager_home, name="manager_home"),
    path("safeguarding/", safeguarding_views.audit_home, name="audit_home"),
    path("admin/", admin.site.urls),
    path("api/v1/", api.urls),
]
