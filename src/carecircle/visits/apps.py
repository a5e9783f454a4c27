from django.apps import AppConfig


class VisitsConfig(AppConfig):
    name = "carecircle.visits"
    verbose_name = "Visits"
