from django.contrib import admin

from carecircle.circles.models import Circle, Membership, Organisation


class MembershipInline(admin.TabularInline):
    model = Membership
    extra = 0
    autocomplete_fields = ["user"]


@admin.register(Circle)
class CircleAdmin(admin.ModelAdmin):
    list_display = ("name", "organisation", "area")
    inlines = [MembershipInline]


admin.site.register(Organisation)
