from django.urls import path

from carecircle.alerts import views

urlpatterns: list = [
    path("inbox/", views.inbox, name="inbox"),
    path("inbox/read/", views.inbox_mark_read, name="inbox_mark_read"),
]
