"""`manage.py seed_load`: the load benchmark's world (1,000 circles, 12,000 carers, 4,000 clients
by default), made with bulk inserts in about a minute. Not the demo; see carecircle/web/load_world.py."""

from __future__ import annotations

import os
import time

from django.core.management.base import BaseCommand, CommandError

from carecircle.web.load_world import load_world_exists, seed_load_world


class Command(BaseCommand):
    help = "Seed a large world for the load benchmark (benchmarks/load.py)."

    def add_arguments(self, parser):
        parser.add_argument("--circles", type=int, default=1000)
        parser.add_argument("--organisations", type=int, default=10)
        parser.add_argument("--carers-per-circle", type=int, default=12)
        parser.add_argument("--leaders-per-circle", type=int, default=2)
        parser.add_argument("--clients-per-circle", type=int, default=4)
        parser.add_argument("--seed", type=int, default=1)
        parser.add_argument(
            "--if-missing", action="store_true", help="Do nothing when the world is already there."
        )

    def handle(self, *args, **opts):
        if load_world_exists():
            if opts["if_missing"]:
                self.stdout.write("The load world is already there; nothing added.")
                return
            raise CommandError(
                "the load world is already there (organisations load-*): use a fresh database "
                "or pass --if-missing"
            )
        if min(opts["circles"], opts["organisations"], opts["carers_per_circle"]) < 1:
            raise CommandError("--circles, --organisations and --carers-per-circle must be >= 1")
        started = time.monotonic()

        def progress(done, total, counts):
            self.stdout.write(f"  organisation {done}/{total}: {counts}")

        counts = seed_load_world(
            circles=opts["circles"],
            organisations=opts["organisations"],
            carers_per_circle=opts["carers_per_circle"],
            leaders_per_circle=opts["leaders_per_circle"],
            clients_per_circle=opts["clients_per_circle"],
            password=os.environ.get("LOAD_PASSWORD", "carecircle-load"),
            seed=opts["seed"],
            progress=progress if opts["verbosity"] > 1 else None,
        )
        seconds = time.monotonic() - started
        self.stdout.write(self.style.SUCCESS(f"Load world seeded in {seconds:.0f} s: {counts}"))
