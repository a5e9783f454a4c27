"""The server's Web Push (VAPID) keys: made on the first run (`make run` calls `vapid_keys`),
kept in the database and reused, and every push is signed with the stored private key."""

from __future__ import annotations

import base64
import json

from django.core.management import call_command

from carecircle.notifications.channels import vapid_keys
from carecircle.notifications.delivery import deliver
from carecircle.notifications.models import Delivery, PushSubscription, VapidKeys
from carecircle.notifications.services import notify
from tests.notifications.test_channels import http_peer, only_channel  # noqa: F401 (fixture)


def _b64decode(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def test_the_first_run_makes_the_keys_and_later_runs_keep_them(db, capsys):
    VapidKeys.objects.all().delete()
    call_command("vapid_keys")
    first = VapidKeys.objects.get()
    assert first.public_key in capsys.readouterr().out
    call_command("vapid_keys")
    assert list(VapidKeys.objects.all()) == [first]
    assert len(_b64decode(first.public_key)) == 65  # an uncompressed P-256 point


def test_a_push_is_signed_with_the_stored_key(people, http_peer):  # noqa: F811
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.hazmat.primitives.asymmetric.utils import encode_dss_signature

    server, recorder = http_peer
    browser = ec.generate_private_key(ec.SECP256R1()).public_key()
    point = browser.public_bytes(
        serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint
    )
    PushSubscription.objects.create(
        user=people.carer,
        endpoint=f"http://127.0.0.1:{server.server_port}/push/signed",
        p256dh=base64.urlsafe_b64encode(point).rstrip(b"=").decode(),
        auth=base64.urlsafe_b64encode(b"0123456789abcdef").rstrip(b"=").decode(),
    )
    only_channel(people.carer, "push")
    note = notify(user=people.carer, subject="Edna needs help now", url="/", urgent=True)
    assert deliver(Delivery.objects.get(notification=note).pk).status == "sent"
    ((_, headers, _),) = recorder.calls
    parts = dict(
        p.strip().split("=", 1) for p in headers["authorization"][len("vapid ") :].split(",")
    )
    assert parts["k"] == vapid_keys().public_key
    header, claims, signature = parts["t"].split(".")
    assert json.loads(_b64decode(header))["alg"] == "ES256"
    assert json.loads(_b64decode(claims))["aud"] == f"http://127.0.0.1:{server.server_port}"
    raw = _b64decode(signature)
    der = encode_dss_signature(int.from_bytes(raw[:32], "big"), int.from_bytes(raw[32:], "big"))
    stored = ec.EllipticCurvePublicKey.from_encoded_point(ec.SECP256R1(), _b64decode(parts["k"]))
    # Raises InvalidSignature (and fails the test) unless the stored key signed this push.
    stored.verify(der, f"{header}.{claims}".encode(), ec.ECDSA(hashes.SHA256()))
