from django.contrib import admin

from carecircle.plans.models import CarePlan, CarePlanVersion, PlanTask, VisitPattern


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
