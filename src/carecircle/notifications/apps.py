from django.apps import AppConfig


class NotificationsConfig(AppConfig):
    name = "carecircle.notifications"
    verbose_name = "Notifications"
