"""Every write to the rota, by concern: drafting and publishing a week (drafts), open places and
swaps (places), absences and cover (absences), released visits and kept time (releases), each
carer's availability (availability), generating visits from an agreed plan (generate), moving
them when a new version is agreed (follow), keeping them to the rolling horizon (horizon) and
stopping them while a client is away or after a death (away), and the weekly cycle of each
circle (cycle). Import from here."""

from __future__ import annotations

from carecircle.rota.services.absences import (
    absence_report,
    absence_withdraw,
    access_cover_offer,
    cover_accept,
    cover_decline,
    propose_cover,
)
from carecircle.rota.services.availability import (
    availability_exception_add,
    availability_exception_remove,
    availability_rule_add,
    availability_rule_remove,
)
from carecircle.rota.services.away import client_away_record, client_death_record
from carecircle.rota.services.common import (
    carer_circles,
)
from carecircle.rota.services.cycle import (
    access_cycle,
    circle_cycle_update,
    cycle_of,
    cycle_status,
    draft_problem_raise,
    week_cycle_tick,
)
from carecircle.rota.services.drafts import (
    engine_settings,
    rota_draft_discard,
    rota_draft_publish,
    rota_draft_request,
    rota_draft_solve,
)
from carecircle.rota.services.follow import (
    RotaFollow,
    visits_follow_pattern,
    visits_follow_version,
)
from carecircle.rota.services.generate import (
    MAX_GENERATE_DAYS,
    local_datetime,
    visit_from_pattern,
    visits_generate,
)
from carecircle.rota.services.horizon import HorizonReport, horizon_keep, horizon_tick
from carecircle.rota.services.places import (
    access_swap,
    carers_to_ask,
    open_places_for,
    place_claim,
    rostered_weeks,
    swap_accept,
    swap_decide,
    swap_decline,
    swap_offer,
    swap_withdraw,
)
from carecircle.rota.services.releases import (
    can_release,
    kept_time_options,
    kept_time_use,
    release_undo,
    release_visits,
)

__all__ = [
    "access_cycle",
    "circle_cycle_update",
    "cycle_of",
    "cycle_status",
    "draft_problem_raise",
    "week_cycle_tick",
    "HorizonReport",
    "client_away_record",
    "client_death_record",
    "horizon_keep",
    "horizon_tick",
    "MAX_GENERATE_DAYS",
    "RotaFollow",
    "local_datetime",
    "visit_from_pattern",
    "visits_follow_pattern",
    "visits_follow_version",
    "visits_generate",
    "carers_to_ask",
    "absence_report",
    "absence_withdraw",
    "access_cover_offer",
    "access_swap",
    "availability_exception_add",
    "availability_exception_remove",
    "availability_rule_add",
    "availability_rule_remove",
    "can_release",
    "carer_circles",
    "cover_accept",
    "cover_decline",
    "engine_settings",
    "kept_time_options",
    "kept_time_use",
    "open_places_for",
    "place_claim",
    "propose_cover",
    "release_undo",
    "release_visits",
    "rostered_weeks",
    "rota_draft_discard",
    "rota_draft_publish",
    "rota_draft_request",
    "rota_draft_solve",
    "swap_accept",
    "swap_decide",
    "swap_decline",
    "swap_offer",
    "swap_withdraw",
]
