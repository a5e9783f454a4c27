from django.urls import path

from carecircle.rota import draft_views, views

urlpatterns = [
    path("my-day/", views.my_day, name="my_day"),
    path("circles/<uuid:circle_id>/board/", views.circle_board, name="circle_board"),
    path("circles/<uuid:circle_id>/drafts/", draft_views.draft_request, name="rota_draft_request"),
    path("drafts/<uuid:draft_id>/", draft_views.draft_page, name="rota_draft"),
    path("drafts/<uuid:draft_id>/publish/", draft_views.draft_publish, name="rota_draft_publish"),
    path("drafts/<uuid:draft_id>/discard/", draft_views.draft_discard, name="rota_draft_discard"),
]
