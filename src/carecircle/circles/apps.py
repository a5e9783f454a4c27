from django.apps import AppConfig


class CirclesConfig(AppConfig):
    name = "carecircle.circles"
    verbose_name = "Circles"
