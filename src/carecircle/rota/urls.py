from django.urls import path

from carecircle.rota.views import (
    absences,
    availability,
    client,
    cycle,
    day,
    drafts,
    places,
    releases,
    swaps,
)

urlpatterns = [
    path("my-day/", day.my_day, name="my_day"),
    path("circles/<uuid:circle_id>/board/", day.circle_board, name="circle_board"),
    path("circles/<uuid:circle_id>/drafts/", drafts.draft_request, name="rota_draft_request"),
    path("drafts/<uuid:draft_id>/", drafts.draft_page, name="rota_draft"),
    path("drafts/<uuid:draft_id>/publish/", drafts.draft_publish, name="rota_draft_publish"),
    path("drafts/<uuid:draft_id>/discard/", drafts.draft_discard, name="rota_draft_discard"),
    path("drafts/<uuid:draft_id>/problem/", cycle.draft_problem, name="rota_draft_problem"),
    path("circles/<uuid:circle_id>/cycle/", cycle.cycle_settings, name="rota_cycle"),
    path("availability/", availability.availability, name="availability"),
    path("visits/<uuid:visit_id>/claim/", places.place_claim, name="place_claim"),
    path("visits/<uuid:visit_id>/offer/", swaps.swap_new, name="swap_new"),
    path("swaps/<uuid:offer_id>/", swaps.swap_page, name="swap_offer"),
    path("swaps/<uuid:offer_id>/<slug:action>/", swaps.swap_act, name="swap_act"),
    path("absences/new/", absences.absence_new, name="absence_new"),
    path("absences/<uuid:absence_id>/", absences.absence_page, name="absence_page"),
    path(
        "absences/<uuid:absence_id>/withdraw/",
        absences.absence_withdraw,
        name="absence_withdraw",
    ),
    path("cover/<uuid:offer_id>/<slug:action>/", absences.cover_act, name="cover_act"),
    path("clients/<uuid:client_id>/", client.client_page, name="client_page"),
    path("clients/<uuid:client_id>/release/", releases.release_new, name="release_new"),
    path("releases/<uuid:release_id>/undo/", releases.release_undo, name="release_undo"),
    path("kept-time/<uuid:kept_id>/", releases.kept_time, name="kept_time"),
]
