from django.core.management.base import BaseCommand

from beneficiaries.retention import apply_retention


class Command(BaseCommand):
    help = "Anonymise children's records past the retention period. Use --dry-run to list them first."

    def add_arguments(self, parser):
        parser.add_argument("--dry-run", action="store_true", help="List what would change; change nothing.")

    def handle(self, *args, dry_run=False, **options):
        due = apply_retention(dry_run=dry_run)
        verb = "would be anonymised" if dry_run else "anonymised"
        for child in due:
            closed = child.last_closed.date().isoformat() if child.last_closed else "no case"
            self.stdout.write(f"{child.registry_number}  last case closed: {closed}")
        self.stdout.write(f"{len(due)} record(s) {verb}.")
