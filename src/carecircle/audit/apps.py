from django.apps import AppConfig


class AuditConfig(AppConfig):
    name = "carecircle.audit"
    verbose_name = "Audit trail"
