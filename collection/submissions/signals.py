"""What the submission stage tells the rest of the portal, without knowing who listens (the mail does)."""

from django.dispatch import Signal

# Sent once a move has committed: submission_id, status (the new one).
submission_moved = Signal()
