from tests.submissions.test_machine import sent_tasks  # noqa: F401 (a fixture: the worker tasks sent, by name)
