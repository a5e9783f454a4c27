from django.apps import AppConfig


class OutcomesConfig(AppConfig):
    name = "carecircle.outcomes"
    verbose_name = "Outcomes"
