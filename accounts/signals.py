"""What accounts tell the rest of the service, which it does not import: sent once the change
is committed, so that no one hears of a change rolled back."""

from django.dispatch import Signal

# Sent with `account` (a SocialAccount) and `reason` when an account starts waiting for its
# user to reconnect it.
account_reauth_required = Signal()

# Sent with `account_id` once an account is disconnected (or deleted): what was kept of it
# elsewhere (cached answers) goes.
account_disconnected = Signal()
