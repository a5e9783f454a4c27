from django.contrib import admin

from carecircle.visits.models import (
    Expense,
    Medicine,
    MedicineAdministration,
    TaskRecord,
    VisitRecord,
)


@admin.register(Medicine)
class MedicineAdmin(admin.ModelAdmin):
    list_display = ("name", "dose", "client", "times", "as_needed", "active")
    list_filter = ("active", "as_needed")
    search_fields = ("name", "client__last_name")


class TaskRecordInline(admin.TabularInline):
    model = TaskRecord
    extra = 0


class AdministrationInline(admin.TabularInline):
    model = MedicineAdministration
    extra = 0


class ExpenseInline(admin.TabularInline):
    model = Expense
    extra = 0


@admin.register(VisitRecord)
class VisitRecordAdmin(admin.ModelAdmin):
    list_display = ("visit", "carer", "checked_in_at", "checked_out_at", "mood", "revision")
    date_hierarchy = "checked_in_at"
    raw_id_fields = ("visit", "carer", "client")
    inlines = [TaskRecordInline, AdministrationInline, ExpenseInline]
