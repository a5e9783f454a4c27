from django.apps import AppConfig


class SafeguardingConfig(AppConfig):
    name = "carecircle.safeguarding"
    verbose_name = "Safeguarding"
