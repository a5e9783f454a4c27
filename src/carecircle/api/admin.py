from django.contrib import admin

from carecircle.api.models import ApiToken


@admin.register(ApiToken)
class ApiTokenAdmin(admin.ModelAdmin):
    list_display = ("name", "user", "prefix", "created_at", "last_used_at", "revoked")
    readonly_fields = ("prefix", "created_at", "last_used_at")
    fields = ("user", "name", "prefix", "created_at", "last_used_at", "revoked")

    def has_add_permission(self, request):
        # Tokens are issued by `manage.py create_api_token`, which shows the secret once.
        return False
