"""Placeholder until this module is written (issue 5)."""

from django.http import Http404


def round_list(request, *args, **kwargs):
    raise Http404("Not built yet.")


def round_create(request, *args, **kwargs):
    raise Http404("Not built yet.")


def round_manage(request, *args, **kwargs):
    raise Http404("Not built yet.")


def round_edit(request, *args, **kwargs):
    raise Http404("Not built yet.")


def round_action(request, *args, **kwargs):
    raise Http404("Not built yet.")
