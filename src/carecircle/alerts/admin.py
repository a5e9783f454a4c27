from django.contrib import admin

from carecircle.alerts.models import AlarmDevice, HelpAlert, HelpOffer


class HelpOfferInline(admin.TabularInline):
    model = HelpOffer
    extra = 0
    readonly_fields = ("carer", "wave", "rank", "eta_minutes", "reason", "state", "sent_at")


@admin.register(HelpAlert)
class HelpAlertAdmin(admin.ModelAdmin):
    list_display = ("client", "kind", "status", "raised_at", "accepted_at", "responder")
    list_filter = ("status", "kind", "source")
    inlines = [HelpOfferInline]


@admin.register(AlarmDevice)
class AlarmDeviceAdmin(admin.ModelAdmin):
    list_display = ("name", "client", "prefix", "created_at", "last_used_at", "revoked")
    readonly_fields = ("prefix", "token_hash", "last_used_at")
