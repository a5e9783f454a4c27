from django.contrib import admin

from carecircle.notifications.models import Notification


@admin.register(Notification)
class NotificationAdmin(admin.ModelAdmin):
    list_display = ("subject", "user", "urgent", "created_at", "read_at")
    list_filter = ("urgent",)
    search_fields = ("subject", "user__username")
