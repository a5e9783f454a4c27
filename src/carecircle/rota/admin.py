from django.contrib import admin

from carecircle.rota.models import (
    Absence,
    Assignment,
    AvailabilityException,
    AvailabilityRule,
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


admin.site.register(AvailabilityRule)
admin.site.register(AvailabilityException)
admin.site.register(Absence)
