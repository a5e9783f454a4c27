from django.urls import path

from carecircle.rota import views

urlpatterns = [
    path("my-day/", views.my_day, name="my_day"),
    path("circles/<uuid:circle_id>/board/", views.circle_board, name="circle_board"),
]
