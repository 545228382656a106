from django.core.management.base import BaseCommand

from recordings import services


class Command(BaseCommand):
    help = "Ask ZEGO about every unfinished task and bring the ledger up to date."

    def add_arguments(self, parser):
        parser.add_argument("--once", action="store_true", help="Run one pass now (the default).")

    def handle(self, *args, **options):
        report = services.reconcile_all()
        if report.skipped:
            self.stdout.write("Another reconcile pass is running; nothing to do.")
            return
        self.stdout.write(
            f"Reconciled {report.tasks} task(s) in {report.apps} app(s): {report.changed} changed, "
            f"{report.status_calls} status call(s), {report.errors} error(s)."
        )
