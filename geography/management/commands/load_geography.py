from django.core.management.base import BaseCommand

from geography.services import load_official_units


class Command(BaseCommand):
    help = "Load the official provinces and communes (vietnam-provinces) and the former provinces. Idempotent."

    def handle(self, *args, **options):
        for kind, (created, updated) in load_official_units().items():
            if created or updated:
                self.stdout.write(f"{kind}: {created} created, {updated} updated")
