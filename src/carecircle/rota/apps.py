from django.apps import AppConfig

from carecircle.plans.signals import plan_version_agreed


class RotaConfig(AppConfig):
    name = "carecircle.rota"
    verbose_name = "Rota"

    def ready(self) -> None:
        # why: the receivers need the models, which Django loads only after every AppConfig exists.
        from carecircle.rota.receivers import follow_agreed_version

        plan_version_agreed.connect(follow_agreed_version, dispatch_uid="rota.follow_version")
