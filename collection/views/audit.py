"""Placeholder until this module is written (issue 5)."""

from django.http import Http404


def audit_log(request, *args, **kwargs):
    raise Http404("Not built yet.")


def audit_export(request, *args, **kwargs):
    raise Http404("Not built yet.")


def observation_history(request, *args, **kwargs):
    raise Http404("Not built yet.")
