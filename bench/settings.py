"""The production settings, with one addition for the bench: the floor view's URLconf.

Only the bench's processes run on this module (DJANGO_SETTINGS_MODULE=bench.settings); the
floor view is never served by production, whose URLconf is vchata_social.urls."""

from vchata_social.settings import *  # noqa: F403

ROOT_URLCONF = "bench.urls"
# Where the floor view reads the bytes it serves (written by the bench before it is asked).
BENCH_FLOOR_DIR = env.str("BENCH_FLOOR_DIR", default="")  # noqa: F405
