"""Benchmarks. Each prints its figure as a ratio against a baseline run in the same process,
so the numbers compare across machines. Runs on an in-memory SQLite database of its own."""

import os
import sys

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "vchata_social.settings")
os.environ["DATABASE_URL"] = "sqlite://:memory:"
os.environ.setdefault("DEBUG", "true")


def main() -> int:
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    from bench import account_list

    account_list.run()
    return 0


if __name__ == "__main__":
    sys.exit(main())
