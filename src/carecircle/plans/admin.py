from django.contrib import admin

from carecircle.plans.models import (
    CarePlan,
    CarePlanVersion,
    PlanChange,
    PlanTask,
    RestrictivePractice,
    VisitPattern,
)


class VersionInline(admin.TabularInline):
    model = CarePlanVersion
    extra = 0
    fields = ("number", "status", "agreed_on")
    show_change_link = True


@admin.register(CarePlan)
class CarePlanAdmin(admin.ModelAdmin):
    inlines = [VersionInline]


class PatternInline(admin.StackedInline):
    model = VisitPattern
    extra = 0
    filter_horizontal = ("skills",)


class TaskInline(admin.TabularInline):
    model = PlanTask
    extra = 0


@admin.register(CarePlanVersion)
class CarePlanVersionAdmin(admin.ModelAdmin):
    list_display = ("__str__", "status", "agreed_on")
    list_filter = ("status",)
    inlines = [PatternInline, TaskInline]


@admin.register(PlanChange)
class PlanChangeAdmin(admin.ModelAdmin):
    list_display = ("__str__", "plan", "status", "proposed_at")
    list_filter = ("status", "kind")
    readonly_fields = ("public_id",)


@admin.register(RestrictivePractice)
class RestrictivePracticeAdmin(admin.ModelAdmin):
    list_display = ("__str__", "legal_basis", "review_due", "ended_on")
    list_filter = ("kind", "legal_basis")
    readonly_fields = ("public_id",)
