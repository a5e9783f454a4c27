from django.apps import AppConfig


class InteropConfig(AppConfig):
    name = "carecircle.interop"
    verbose_name = "Interop"
