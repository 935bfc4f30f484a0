"""Placeholder until this module is written (issue 5)."""

from django.http import Http404


def notification_settings(request, *args, **kwargs):
    raise Http404("Not built yet.")
