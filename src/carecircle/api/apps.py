from django.apps import AppConfig


class ApiConfig(AppConfig):
    name = "carecircle.api"
    verbose_name = "Api"
