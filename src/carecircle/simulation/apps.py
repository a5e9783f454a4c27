from django.apps import AppConfig


class SimulationConfig(AppConfig):
    name = "carecircle.simulation"
    verbose_name = "Simulation"
