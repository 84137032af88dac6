import time

from django.core.management.base import BaseCommand, CommandError

from benchmarks.scale_data import Plan, load


class Command(BaseCommand):
    help = "Fill the database with realistic data at scale (COPY, in chunks, with progress)."

    def add_arguments(self, parser):
        parser.add_argument("--children", type=int, default=100_000)
        parser.add_argument("--provinces", default="15", help="Province codes, comma-separated (default Lào Cai).")
        parser.add_argument("--cases", type=int, default=None, help="Default: a tenth of the children.")
        parser.add_argument("--calls", type=int, default=None, help="Default: half the children.")
        parser.add_argument("--referrals", type=int, default=None, help="Default: a fifth of the cases.")
        parser.add_argument("--years", type=int, default=3)
        parser.add_argument("--seed", type=int, default=2026)

    def handle(self, *args, **o):
        if o["children"] < 1:
            raise CommandError("--children must be at least 1.")
        cases = o["cases"] if o["cases"] is not None else o["children"] // 10
        plan = Plan(children=o["children"], provinces=[p.strip() for p in o["provinces"].split(",") if p.strip()],
                    cases=cases, calls=o["calls"] if o["calls"] is not None else o["children"] // 2,
                    referrals=o["referrals"] if o["referrals"] is not None else cases // 5,
                    years=o["years"], seed=o["seed"])
        started = time.monotonic()
        try:
            counts = load(plan, progress=lambda line: self.stdout.write(f"[{time.monotonic() - started:7.1f}s] {line}"))
        except ValueError as error:
            raise CommandError(str(error)) from error
        summary = ", ".join(f"{v:,} {k}" for k, v in counts.items())
        self.stdout.write(f"Loaded {summary} in {time.monotonic() - started:.0f} s.")
