"""Root URLs: the front door, accounts, and each app's own urls.py (no namespaces, so URL names
are global and unique)."""

from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path, re_path

from carecircle.api.api import api
from carecircle.api.errors import api_not_found
from carecircle.web import two_factor_views
from carecircle.web import views as web_views
from carecircle.web.forms import SignInForm

APPS = [
    "oversight",
    "notifications",
    "plans",
    "rota",
    "visits",
    "alerts",
    "safeguarding",
    "outcomes",
    "money",
    "interop",
    "simulation",
]

urlpatterns = [
    path("", web_views.home, name="home"),
    path("welcome/", web_views.no_home, name="no_home"),
    path("health/", web_views.health, name="health"),
    path(
        "accounts/login/",
        auth_views.LoginView.as_view(
            redirect_authenticated_user=True, authentication_form=SignInForm
        ),
        name="login",
    ),
    path("accounts/two-factor/setup/", two_factor_views.two_factor_setup, name="two_factor_setup"),
    path("accounts/two-factor/", two_factor_views.two_factor_verify, name="two_factor_verify"),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("accounts/password/", auth_views.PasswordChangeView.as_view(), name="password_change"),
    path(
        "accounts/password/done/",
        auth_views.PasswordChangeDoneView.as_view(),
        name="password_change_done",
    ),
    *[path("", include(f"carecircle.{app}.urls")) for app in APPS],
    path("admin/", admin.site.urls),
    path("api/v1/", api.urls),
    re_path(r"^api/", api_not_found),
]

handler500 = "carecircle.api.errors.server_error"
