from __future__ import annotations

from datetime import timedelta

from django.core.management import call_command
from django.utils import timezone

from carecircle.people.models import ApiToken


def test_token_authentication_reads_visible_clients(client, people):
    token, raw = ApiToken.issue(user=people.carer, name="phone")
    response = client.get("/api/v1/clients", HTTP_AUTHORIZATION=f"Bearer {raw}")
    assert response.status_code == 200
    assert sorted(c["name"] for c in response.json()) == [
        "Arthur Quinn",
        "Edna Clarke",
        "George Whitaker",
        "Halima Begum",
    ]
    token.refresh_from_db()
    assert token.last_used_at is not None


def test_bad_and_revoked_tokens_are_refused(client, people):
    token, raw = ApiToken.issue(user=people.carer, name="phone")
    assert client.get("/api/v1/me", HTTP_AUTHORIZATION="Bearer nope").status_code == 401
    token.revoked = True
    token.save()
    response = client.get("/api/v1/me", HTTP_AUTHORIZATION=f"Bearer {raw}")
    assert response.status_code == 401
    assert response.json()["error"]["code"] == "unauthenticated"


def test_only_the_hash_is_stored(people):
    token, raw = ApiToken.issue(user=people.carer, name="phone")
    assert raw not in (token.token_hash, token.prefix)


def test_bad_date_names_the_field(client, people):
    client.force_login(people.carer)
    body = client.get("/api/v1/visits?start=yesterday").json()
    assert body["error"]["code"] == "invalid"
    assert set(body["error"]["fields"]) == {"start"}


def test_reversed_range_names_the_field(client, people):
    client.force_login(people.carer)
    today = timezone.localdate()
    response = client.get(f"/api/v1/visits?start={today}&end={today - timedelta(days=1)}")
    assert response.status_code == 422
    assert response.json()["error"]["fields"] == {"end": "must be on or after start"}


def test_too_long_a_range_is_refused(client, people):
    client.force_login(people.carer)
    today = timezone.localdate()
    response = client.get(f"/api/v1/visits?start={today}&end={today + timedelta(days=400)}")
    assert response.status_code == 422
    assert "end" in response.json()["error"]["fields"]


def test_visits_carry_their_carers(client, people):
    client.force_login(people.carer)
    visits = client.get(f"/api/v1/visits?client={people.edna.public_id}").json()
    assert visits and all(v["client_name"] == "Edna Clarke" for v in visits)
    assert all(v["open_places"] == v["carers_needed"] - len(v["carers"]) for v in visits)


def test_schema_and_docs_are_published(client):
    schema = client.get("/api/v1/openapi.json").json()
    assert "/api/v1/visits" in schema["paths"]
    assert client.get("/api/v1/docs").status_code == 200


def test_create_api_token_command_prints_the_token_once(people, capsys):
    call_command("create_api_token", "ana", "--name", "pendant hub")
    out = capsys.readouterr().out
    raw = out.strip().splitlines()[-1].strip()
    assert raw.startswith("cc_")
    assert ApiToken.objects.filter(user=people.carer, name="pendant hub").exists()
