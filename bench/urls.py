"""Every production URL, plus the floor: a bare Django view serving bytes the bench recorded."""

from django.urls import path

from bench.floor import floor
from vchata_social.urls import handler400, handler403, handler404, handler500, urlpatterns

urlpatterns = [*urlpatterns, path("bench/floor/<slug:name>", floor, name="bench-floor")]

__all__ = ["handler400", "handler403", "handler404", "handler500", "urlpatterns"]
