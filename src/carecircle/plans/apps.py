from django.apps import AppConfig


class PlansConfig(AppConfig):
    name = "carecircle.plans"
    verbose_name = "Plans"
