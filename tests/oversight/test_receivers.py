"""The apps below oversight announce what happened and never import it; the ladder listens."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest
from django.db import transaction

import carecircle
from carecircle.oversight.models import Escalation
from carecircle.people.models import Carer
from carecircle.rota.models import OfferStatus, SwapOffer, Visit
from carecircle.rota.signals import swap_needs_approval, swap_settled

BELOW = ["engine", "people", "circles", "plans", "rota", "visits", "alerts", "safeguarding"]


def _imports(path: Path) -> set[str]:
    names = set()
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            names |= {a.name for a in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module)
    return names


@pytest.mark.parametrize("app", BELOW)
def test_no_app_below_oversight_imports_it(app):
    root = Path(carecircle.__file__).parent / app
    offenders = [
        str(path.relative_to(root.parent))
        for path in root.rglob("*.py")
        if any(n.startswith("carecircle.oversight") for n in _imports(path))
    ]
    assert offenders == []


def _waiting_swap(people) -> SwapOffer:
    visit = Visit.objects.filter(circle=people.riverside, status="planned").first()
    return SwapOffer.objects.create(
        visit=visit,
        from_carer=Carer.objects.get(user=people.carer),
        taken_by=Carer.objects.get(user=people.carer2),
        status=OfferStatus.NEEDS_APPROVAL,
    )


def test_the_ladder_writes_in_the_senders_transaction(people):
    offer = _waiting_swap(people)
    key = f"swap:{offer.public_id}"
    with pytest.raises(RuntimeError), transaction.atomic():
        swap_needs_approval.send(
            sender=SwapOffer, offer=offer, subject="A swap", reasons=["rest"], now=None
        )
        assert Escalation.objects.filter(key=key, status="open").exists()
        raise RuntimeError("the swap failed")
    assert not Escalation.objects.filter(key=key).exists()  # rolled back with the swap


def test_a_settled_swap_closes_its_escalation_with_the_reason(people):
    offer = _waiting_swap(people)
    swap_needs_approval.send(sender=SwapOffer, offer=offer, subject="A swap", reasons=[], now=None)
    swap_settled.send(
        sender=SwapOffer, offer=offer, visit=offer.visit, resolution="Withdrawn.", now=None
    )
    esc = Escalation.objects.get(key=f"swap:{offer.public_id}")
    assert esc.status == "resolved" and esc.resolution == "Withdrawn."
    assert esc.level == 1 and esc.visit == offer.visit and esc.kind == "swap"
