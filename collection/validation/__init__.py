"""Reading uploaded files and checking them: readers, rule checks, and the report the worker stores."""
