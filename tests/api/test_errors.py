"""Every API failure in the one error shape (a server error too), 401 for a caller who is not
signed in (even on a write without a CSRF token), and answers that no browser or proxy keeps."""

from __future__ import annotations

import json
import uuid

import pytest
from django.test import Client

from carecircle.visits import api as visits_api

SHAPE = {"code", "message", "fields"}


def test_a_server_error_is_answered_in_the_error_shape(client, people, monkeypatch):
    def broken(**kwargs):
        raise RuntimeError("the database fell over")

    monkeypatch.setattr(visits_api.services, "offline_pack_read", broken)
    client.force_login(people.carer)
    response = client.get("/api/v1/records/pack")
    assert response.status_code == 500
    assert response["Content-Type"].startswith("application/json")
    error = response.json()["error"]
    assert set(error) == SHAPE and error["code"] == "server_error"
    assert "fell over" not in error["message"]  # no internals to the caller


def test_an_unknown_api_path_is_a_404_in_the_error_shape(client, people):
    client.force_login(people.carer)
    response = client.get("/api/v1/no-such-thing")
    assert response.status_code == 404
    assert set(response.json()["error"]) == SHAPE


@pytest.mark.parametrize("method, path", [("post", "/api/v1/records/sync"), ("get", "/api/v1/me")])
def test_not_signed_in_is_401_not_a_csrf_403(method, path):
    browser = Client(enforce_csrf_checks=True)
    if method == "post":
        body = json.dumps({"op_id": str(uuid.uuid4())})
        response = browser.post(path, body, content_type="application/json")
    else:
        response = browser.get(path)
    assert response.status_code == 401, response.content
    assert response.json()["error"]["code"] == "unauthenticated"


def test_a_signed_in_write_still_needs_the_csrf_token(people):
    browser = Client(enforce_csrf_checks=True)
    browser.force_login(people.carer)
    response = browser.post("/api/v1/records/sync", "{}", content_type="application/json")
    assert response.status_code == 403


def test_api_answers_and_signed_in_pages_are_not_stored(client, people):
    assert "no-store" in client.get("/api/v1/me")["Cache-Control"]  # a 401 too
    client.force_login(people.carer)
    assert "no-store" in client.get("/api/v1/me")["Cache-Control"]
    page = client.get("/visits/")
    assert page.status_code == 200 and "no-store" in page["Cache-Control"]


def test_the_openapi_document_names_each_response_status_once(client, people):
    """Swagger UI refuses a document with a key twice ("duplicated mapping key"); ninja's own
    statuses are ints and the shared error statuses were strings, so 401 and 422 came twice."""
    client.force_login(people.carer)
    repeated: list[str] = []

    def once(pairs):
        keys = [key for key, _ in pairs]
        repeated.extend(key for key in set(keys) if keys.count(key) > 1)
        return dict(pairs)

    json.loads(client.get("/api/v1/openapi.json").content, object_pairs_hook=once)
    assert repeated == []
