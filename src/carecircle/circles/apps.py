from django.apps import AppConfig
from django.contrib.auth.signals import user_logged_in


class CirclesConfig(AppConfig):
    name = "carecircle.circles"
    verbose_name = "Circles"

    def ready(self):
        # why: the receivers need the models, which Django loads only after every AppConfig exists.
        from carecircle.circles.receivers import remember_circle_leadership

        user_logged_in.connect(remember_circle_leadership, dispatch_uid="circle_leadership_2fa")
