from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from accounts.services import current_totp_code
from core.demo import DEMO_TOTP_SECRET


class Command(BaseCommand):
    help = "Print the current two-factor code of the demo accounts (DEBUG only)."

    def handle(self, *args, **options):
        if not settings.DEBUG:
            raise CommandError("Only for the demo (DEBUG on).")
        self.stdout.write(current_totp_code(DEMO_TOTP_SECRET))
