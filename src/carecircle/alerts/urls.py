from django.urls import path

from carecircle.alerts import help_views

urlpatterns: list = [
    path("clients/<uuid:client_id>/help/", help_views.help_confirm, name="help_confirm"),
    path("help/<uuid:alert_id>/", help_views.help_alert, name="help_alert"),
    path(
        "help/<uuid:alert_id>/<str:action>/",
        help_views.help_alert_act,
        name="help_alert_act",
    ),
    path(
        "help/offers/<uuid:offer_id>/<str:action>/",
        help_views.help_offer_act,
        name="help_offer_act",
    ),
    path("live/stream/", help_views.live_stream, name="live_stream"),
    path("live/poll/", help_views.live_poll, name="live_poll"),
]
