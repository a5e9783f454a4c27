from django.apps import AppConfig


class RotaConfig(AppConfig):
    name = "carecircle.rota"
    verbose_name = "Rota"

    def ready(self) -> None:
        # Imported here, not at the top: Django loads an app's models only after every
        # AppConfig is created, and the receivers need the models.
        from carecircle.plans.signals import plan_version_agreed
        from carecircle.rota.receivers import follow_agreed_version

        plan_version_agreed.connect(follow_agreed_version, dispatch_uid="rota.follow_version")
