from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin

from carecircle.people.models import (
    ApiToken,
    Carer,
    CarerCheck,
    Client,
    Representative,
    Skill,
    TwoFactorDevice,
    User,
)


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    fieldsets = BaseUserAdmin.fieldsets + (
        ("carecircle", {"fields": ("role", "organisation", "phone")}),
    )
    list_display = ("username", "first_name", "last_name", "role", "organisation", "is_active")
    list_filter = ("role", "organisation", "is_active")


class RepresentativeInline(admin.TabularInline):
    model = Representative
    extra = 0
    autocomplete_fields = ["user"]


@admin.register(Client)
class ClientAdmin(admin.ModelAdmin):
    list_display = ("__str__", "circle", "assessed_weekly_hours")
    list_filter = ("organisation", "circle")
    search_fields = ("first_name", "last_name", "postcode")
    filter_horizontal = ("avoid_carers", "preferred_carers")
    inlines = [RepresentativeInline]


class CarerCheckInline(admin.TabularInline):
    model = CarerCheck
    extra = 0


@admin.register(Carer)
class CarerAdmin(admin.ModelAdmin):
    list_display = ("__str__", "kind", "contracted_hours", "cost_rate")
    list_filter = ("kind", "organisation")
    search_fields = ("user__first_name", "user__last_name")
    filter_horizontal = ("skills", "helps_clients")
    inlines = [CarerCheckInline]


admin.site.register(Skill)


@admin.register(TwoFactorDevice)
class TwoFactorDeviceAdmin(admin.ModelAdmin):
    """Resetting someone's two-factor sign-in (a lost phone) is deleting their device: they enrol
    again at their next sign-in. The secret is never shown."""

    list_display = ("user", "created_at", "confirmed_at")
    fields = ("user", "created_at", "confirmed_at")
    readonly_fields = fields

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(ApiToken)
class ApiTokenAdmin(admin.ModelAdmin):
    list_display = ("name", "user", "prefix", "created_at", "last_used_at", "revoked")
    readonly_fields = ("prefix", "created_at", "last_used_at")
    fields = ("user", "name", "prefix", "created_at", "last_used_at", "revoked")

    def has_add_permission(self, request):
        # Tokens are issued by `manage.py create_api_token`, which shows the secret once.
        return False
