from django.urls import path

from carecircle.rota import draft_views, views
from carecircle.rota import selfmanage_views as sv

urlpatterns = [
    path("my-day/", views.my_day, name="my_day"),
    path("circles/<uuid:circle_id>/board/", views.circle_board, name="circle_board"),
    path("circles/<uuid:circle_id>/drafts/", draft_views.draft_request, name="rota_draft_request"),
    path("drafts/<uuid:draft_id>/", draft_views.draft_page, name="rota_draft"),
    path("drafts/<uuid:draft_id>/publish/", draft_views.draft_publish, name="rota_draft_publish"),
    path("drafts/<uuid:draft_id>/discard/", draft_views.draft_discard, name="rota_draft_discard"),
    path("availability/", sv.availability, name="availability"),
    path("visits/<uuid:visit_id>/claim/", sv.place_claim, name="place_claim"),
    path("visits/<uuid:visit_id>/offer/", sv.swap_new, name="swap_new"),
    path("swaps/<uuid:offer_id>/", sv.swap_page, name="swap_offer"),
    path(
        "swaps/<uuid:offer_id>/<slug:action>/",
        sv.swap_act,
        name="swap_act",
    ),
    path("absences/new/", sv.absence_new, name="absence_new"),
    path("absences/<uuid:absence_id>/", sv.absence_page, name="absence_page"),
    path("absences/<uuid:absence_id>/withdraw/", sv.absence_withdraw, name="absence_withdraw"),
    path("cover/<uuid:offer_id>/<slug:action>/", sv.cover_act, name="cover_act"),
    path("clients/<uuid:client_id>/release/", sv.release_new, name="release_new"),
    path("releases/<uuid:release_id>/undo/", sv.release_undo, name="release_undo"),
    path("kept-time/<uuid:kept_id>/", sv.kept_time, name="kept_time"),
]
