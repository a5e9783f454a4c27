"""The iolab-uniud/hhcrsp solution format (arrival_time = service start, as their validator reads it)."""

from __future__ import annotations

from typing import Any

from .instance import Instance
from .solver import Result


def to_solution_json(inst: Instance, result: Result) -> dict[str, Any]:
    duration = {(t.patient, t.service): t.duration for t in inst.tasks}
    routes = []
    for carer, route in zip(inst.carers, result.routes, strict=True):
        locations = [
            {
                "patient": patient,
                "service": service,
                "arrival_time": round(start, 6),
                "departure_time": round(start + duration[(patient, service)], 6),
            }
            for patient, service, start in route
        ]
        routes.append({"caregiver_id": carer.id, "locations": locations})
    return {"instance": inst.name, "routes": routes}
