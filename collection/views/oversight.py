"""Placeholder until this module is written (issue 5)."""

from django.http import Http404


def round_dashboard(request, *args, **kwargs):
    raise Http404("Not built yet.")


def round_dashboard_export(request, *args, **kwargs):
    raise Http404("Not built yet.")
