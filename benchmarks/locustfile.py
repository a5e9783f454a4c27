"""The load benchmark's users, run by benchmarks/load.py (locust, headless). Not to be run alone:
load.py prepares the signed-in sessions, API tokens and alarm devices (LOAD_WORLD) and reads what
the users saw (LOAD_OUT).

- carers open My day, record visits through the sync API like the phone (check-in, then mood and
  notes, then check-out: three operations of one record, each resent with the same op_id until
  the server answers, as the phone's queue does) and take open places;
- team leaders open their circle's board;
- telecare devices raise help calls (a client each; the call's first wave of offers is sent in the
  same transaction, so the answer's time is the time to the first offers)."""

from __future__ import annotations

import itertools
import json
import os
import random
import time
import uuid
from collections import defaultdict
from datetime import UTC, datetime, timedelta

from locust import HttpUser, between, events, task

WORLD = json.loads(open(os.environ["LOAD_WORLD"]).read())  # noqa: SIM115
OUT = os.environ["LOAD_OUT"]
RETRY_STATUSES = {0, 408, 429, 500, 502, 503, 504}

CARERS = itertools.cycle(WORLD["carers"])
LEADERS = itertools.cycle(WORLD["team_leaders"])
DEVICES = iter(WORLD["devices"])

seen = {
    "latencies": defaultdict(list),
    "failures": defaultdict(int),
    "failure_reasons": defaultdict(int),
    "acked_ops": [],
    "acked_records": set(),
    "pending_ops": 0,
    "alerts_created": [],
    "alerts_joined": 0,
    "claims": defaultdict(int),
    "started": None,
    "stopped": None,
}


@events.request.add_listener
def _on_request(request_type, name, response_time, response_length, exception=None, **kw):
    seen["latencies"][name].append(response_time)
    if exception is not None:
        seen["failures"][name] += 1
        seen["failure_reasons"][f"{name}: {str(exception)[:80]}"] += 1


@events.test_start.add_listener
def _on_start(**kw):
    seen["started"] = time.time()


@events.quitting.add_listener
def _on_quit(**kw):
    seen["stopped"] = seen["stopped"] or time.time()
    out = dict(seen, acked_records=sorted(seen["acked_records"]))
    with open(OUT, "w") as fh:
        json.dump(out, fh)


@events.test_stop.add_listener
def _on_stop(**kw):
    seen["stopped"] = time.time()


def _iso(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat().replace("+00:00", "Z")


class Signed(HttpUser):
    abstract = True

    def sign_in(self, identity: dict) -> None:
        self.client.cookies.clear()
        self.client.cookies.set("sessionid", identity["session"])
        self.client.cookies.set("csrftoken", identity["csrf"])
        self.csrf = identity["csrf"]


class CarerUser(Signed):
    weight = 8
    wait_time = between(0.5, 1.5)

    def on_start(self):
        self.take_identity()

    def take_identity(self):
        self.me = next(CARERS)
        self.queue = list(self.me["visits"])
        random.shuffle(self.queue)
        self.sign_in(self.me)

    @task(4)
    def my_day(self):
        self.client.get("/my-day/", name="my_day")

    @task(4)
    def record_a_visit(self):
        if not self.queue:
            self.take_identity()  # this carer's day is recorded: the next phone
            if not self.queue:
                return
        visit = self.queue.pop()
        record = str(uuid.uuid4())
        now = datetime.now(UTC)
        base = {
            "record_id": record,
            "visit_id": visit,
            "checked_in_at": _iso(now - timedelta(minutes=25)),
        }
        steps = [
            dict(base),
            dict(base, mood="good", mood_at=_iso(now - timedelta(minutes=20)), notes="All well."),
            dict(
                base,
                mood="good",
                mood_at=_iso(now - timedelta(minutes=20)),
                notes="All well. Tea made.",
                checked_out_at=_iso(now - timedelta(minutes=1)),
            ),
        ]
        for step in steps:
            self.sync(dict(step, op_id=str(uuid.uuid4())))

    def sync(self, op: dict) -> None:
        headers = {"Authorization": f"Bearer {self.me['token']}"}
        seen["pending_ops"] += 1
        wait = 0.2
        while True:
            with self.client.post(
                "/api/v1/records/sync", json=op, headers=headers, name="sync", catch_response=True
            ) as response:
                if response.status_code == 200:
                    response.success()
                    seen["pending_ops"] -= 1
                    seen["acked_ops"].append(op["op_id"])
                    seen["acked_records"].add(op["record_id"])
                    return
                response.failure(f"sync answered {response.status_code} {response.text[:60]!r}")
                if response.status_code not in RETRY_STATUSES:
                    seen["pending_ops"] -= 1  # refused: the phone shows it, resending won't help
                    return
            time.sleep(wait)  # the phone backs off and sends the same op_id again
            wait = min(wait * 2, 5)

    @task(1)
    def take_open_place(self):
        if not self.me["open_places"]:
            return
        place = random.choice(self.me["open_places"])
        with self.client.post(
            f"/visits/{place}/claim/",
            headers={"X-CSRFToken": self.csrf, "Referer": self.host + "/my-day/"},
            name="claim",
            allow_redirects=False,
            catch_response=True,
        ) as response:
            if response.status_code == 302:
                response.success()
                seen["claims"]["answered"] += 1
            else:
                response.failure(f"claim answered {response.status_code}")


class TeamLeaderUser(Signed):
    weight = 1
    wait_time = between(1, 3)

    def on_start(self):
        self.me = next(LEADERS)
        self.sign_in(self.me)

    @task
    def board(self):
        self.client.get(f"/circles/{self.me['circle']}/board/", name="board")


class DeviceUser(HttpUser):
    weight = 1
    wait_time = between(2, 4)

    @task
    def raise_help_call(self):
        device = next(DEVICES, None)
        if device is None:
            return
        body = {"event_id": f"load-{uuid.uuid4().hex}", "kind": "help", "message": "Load test"}
        headers = {"Authorization": f"Bearer {device['token']}"}
        wait = 0.2
        while True:
            with self.client.post(
                "/api/v1/alerts", json=body, headers=headers, name="help", catch_response=True
            ) as response:
                if response.status_code in (200, 201):
                    response.success()
                    if response.status_code == 201:
                        seen["alerts_created"].append(response.json()["id"])
                    else:
                        seen["alerts_joined"] += 1
                    return
                response.failure(f"help call answered {response.status_code}")
                if response.status_code not in RETRY_STATUSES:
                    return
            time.sleep(wait)  # the hub sends the same event again
            wait = min(wait * 2, 5)
