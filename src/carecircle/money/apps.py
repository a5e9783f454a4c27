from django.apps import AppConfig


class MoneyConfig(AppConfig):
    name = "carecircle.money"
    verbose_name = "Money"
