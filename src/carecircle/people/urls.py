from django.urls import path

from carecircle.people import views

urlpatterns = [
    path("clients/<uuid:client_id>/", views.client_page, name="client_page"),
]
