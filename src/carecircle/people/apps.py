from django.apps import AppConfig


class PeopleConfig(AppConfig):
    name = "carecircle.people"
    verbose_name = "People"
