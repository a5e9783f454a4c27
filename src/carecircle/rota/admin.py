from django.contrib import admin

from carecircle.rota.models import (
    Absence,
    Assignment,
    AvailabilityException,
    AvailabilityRule,
    KeptTime,
    Release,
    Visit,
)


class AssignmentInline(admin.TabularInline):
    model = Assignment
    extra = 0


@admin.register(Visit)
class VisitAdmin(admin.ModelAdmin):
    list_display = ("name", "client", "date", "window_start", "carers_needed", "status")
    list_filter = ("circle", "status", "date")
    date_hierarchy = "date"
    inlines = [AssignmentInline]


class KeptTimeInline(admin.TabularInline):
    model = KeptTime
    extra = 0
    fields = ("carer", "visit", "starts_at", "minutes", "use", "used_for", "note", "decided_at")
    readonly_fields = fields
    can_delete = False


@admin.register(Release)
class ReleaseAdmin(admin.ModelAdmin):
    list_display = ("client", "starts_at", "ends_at", "reason", "released_by", "undone_at")
    list_filter = ("client__circle",)
    date_hierarchy = "starts_at"
    inlines = [KeptTimeInline]


@admin.register(KeptTime)
class KeptTimeAdmin(admin.ModelAdmin):
    """Paid time carers kept from released visits: how much, and what it was used for. Read only
    here: the carer decides its use from their phone, and the pay it stands for must not be
    edited out of sight."""

    list_display = ("carer", "starts_at", "minutes", "use", "used_for", "visit", "decided_at")
    list_filter = ("use", "visit__circle")
    date_hierarchy = "starts_at"
    search_fields = ("carer__user__first_name", "carer__user__last_name", "note")
    list_select_related = ("carer__user", "visit__client", "used_for__client")

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


admin.site.register(AvailabilityRule)
admin.site.register(AvailabilityException)
admin.site.register(Absence)
