"""Demo medication lists, timed to each client's agreed visit patterns so doses fall due during
visits (used by web/demo.py)."""

from __future__ import annotations

from carecircle.people.models import Client
from carecircle.visits.models import Medicine


def demo_medicines(client: Client) -> list[Medicine]:
    version = client.care_plan.agreed_version()
    starts = sorted(p.window_start.strftime("%H:%M") for p in version.patterns.all())
    if not starts:
        return []
    first, last = starts[0], starts[-1]
    made = [
        Medicine.objects.create(
            client=client,
            name="Paracetamol 500 mg tablets",
            dose="2 tablets",
            times=sorted({first, last}),
            instructions="With water. No more than 8 tablets in 24 hours.",
        ),
        Medicine.objects.create(
            client=client,
            name="Lactulose oral solution",
            dose="15 ml",
            as_needed=True,
            instructions="When required for constipation.",
        ),
    ]
    if len(starts) > 1:
        made.append(
            Medicine.objects.create(
                client=client,
                name="Amlodipine 5 mg tablets",
                dose="1 tablet",
                times=[first],
                instructions="Blood pressure. Once a day in the morning.",
            )
        )
    return made
