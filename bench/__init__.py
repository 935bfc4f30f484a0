"""`make bench`: speed goals measured side by side with a baseline taken in the same run (never in unit tests)."""
