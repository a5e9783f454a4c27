from django.apps import AppConfig


class OversightConfig(AppConfig):
    name = "carecircle.oversight"
    verbose_name = "Oversight"

    def ready(self) -> None:
        # The apps below announce what happened (rota, alerts and plans signals); oversight
        # decides what goes up the ladder. Connected here, once the models are loaded.
        # why: the receivers need the models, which Django loads only after every AppConfig exists.
        from carecircle.oversight import receivers

        receivers.connect()
