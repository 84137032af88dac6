from django.conf import settings
from django.core.management.base import BaseCommand

from core.demo import DEMO_TOTP_SECRET, DEMO_USERS

TWO_FACTOR_HINT = (
    "Accounts marked * must enter a code from an authenticator app: add the secret {secret} "
    "to one, or run `make totp` for the current code."
)


class Command(BaseCommand):
    help = "Print the demo logins (only meaningful after seed_demo)."

    def handle(self, *args, **options):
        required = set(settings.MFA_REQUIRED_ROLES)
        self.stdout.write(f"Demo logins (password for all: {settings.DEMO_PASSWORD})")
        for demo in DEMO_USERS:
            where = demo.province and f"province {demo.province}" or "whole country"
            star = "*" if demo.role in required else " "
            self.stdout.write(f"  {star} {demo.username:<11} {demo.role:<20} {where}")
        self.stdout.write(TWO_FACTOR_HINT.format(secret=DEMO_TOTP_SECRET))
