"""What analytics tells the rest of the service, which it does not import: sent once the
change is committed."""

from django.dispatch import Signal

# Sent with `run` (a SyncRun, its account selected) when a sync run succeeds or fails.
sync_finished = Signal()
