"""What the rounds stage tells the rest of the portal, without knowing who listens (the mail does)."""

from django.dispatch import Signal

# Sent once a round's opening has committed: round_id.
round_opened = Signal()
