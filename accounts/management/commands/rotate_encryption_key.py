from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser

from vchata_social.fields import UndecryptableValue
from vchata_social.key_rotation import ColumnCounts, encrypted_columns, rotate_model


class Command(BaseCommand):
    help = (
        "Re-encrypt every encrypted column with the current CRYPTOGRAPHY_KEY and SECRET_KEY; "
        "values on CRYPTOGRAPHY_KEY_PREVIOUS / SECRET_KEY_PREVIOUS are read and written again. "
        "Safe to run while the service works, and to run again after an interruption."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--batch-size",
            type=int,
            default=500,
            help="Rows re-encrypted per transaction, locked meanwhile (default 500)",
        )
        parser.add_argument(
            "--dry-run", action="store_true", help="Count what would be re-encrypted; write nothing"
        )

    def handle(self, *args, batch_size: int, dry_run: bool, **options) -> None:
        if batch_size < 1:
            raise CommandError("--batch-size must be at least 1.")
        if not (settings.CRYPTOGRAPHY_KEY_PREVIOUS or settings.SECRET_KEY_PREVIOUS):
            self.stdout.write(
                "No previous key is set (CRYPTOGRAPHY_KEY_PREVIOUS, SECRET_KEY_PREVIOUS): "
                "checking that every value is on the current keys."
            )
        undecryptable = 0
        for model, fields in encrypted_columns():
            for counts in rotate_model(
                model,
                fields,
                batch_size=batch_size,
                dry_run=dry_run,
                on_undecryptable=self._report_undecryptable,
            ):
                self.stdout.write(self._summary(counts, dry_run=dry_run))
                undecryptable += counts.undecryptable
        if undecryptable:
            raise CommandError(
                f"{undecryptable} value(s) could not be decrypted with the current or the "
                "previous keys; they were left as they are (see the errors above)."
            )

    def _report_undecryptable(self, error: UndecryptableValue) -> None:
        self.stderr.write(str(error))

    def _summary(self, counts: ColumnCounts, *, dry_run: bool) -> str:
        reencrypted = "to re-encrypt" if dry_run else "re-encrypted"
        return (
            f"{counts.column}: {counts.reencrypted} {reencrypted}, "
            f"{counts.already_current} already on the current keys, "
            f"{counts.undecryptable} undecryptable"
        )
