from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from core.demo import seed_demo


class Command(BaseCommand):
    help = "Create demo users, agencies and villages in Lào Cai and Đồng Tháp. Idempotent."

    def add_arguments(self, parser):
        parser.add_argument("--force", action="store_true", help="Run even with DEBUG off (never in production).")

    def handle(self, *args, force=False, **options):
        if not settings.DEBUG and not force:
            raise CommandError(
                "Demo data is refused when DEBUG is off: demo accounts share a public password. "
                "Use --force only on a throw-away staging database."
            )
        users = seed_demo()
        self.stdout.write(f"Demo data ready: {len(users)} users.")
