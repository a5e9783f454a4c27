from django.apps import AppConfig


class WebConfig(AppConfig):
    name = "carecircle.web"
    verbose_name = "Web"
