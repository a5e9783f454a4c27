from django.urls import path

from carecircle.notifications import views

urlpatterns: list = [
    path("inbox/", views.inbox, name="inbox"),
    path("inbox/read/", views.inbox_mark_read, name="inbox_mark_read"),
    path("settings/notifications/", views.notification_settings, name="notification_settings"),
    path("push/subscription/", views.push_subscription, name="push_subscription"),
    path("push/sw.js", views.push_worker, name="push_worker"),
]
