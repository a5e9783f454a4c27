from django.apps import AppConfig


class AlertsConfig(AppConfig):
    name = "carecircle.alerts"
    verbose_name = "Alerts"
