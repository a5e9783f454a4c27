from django.apps import AppConfig


class PeopleConfig(AppConfig):
    name = "carecircle.people"
    verbose_name = "People"

    def ready(self):
        from django.contrib.auth.signals import user_logged_in

        from carecircle.people.security import remember_circle_leadership

        user_logged_in.connect(remember_circle_leadership, dispatch_uid="circle_leadership_2fa")
