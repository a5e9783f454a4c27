from django.apps import AppConfig


class RotaConfig(AppConfig):
    name = "carecircle.rota"
    verbose_name = "Rota"
