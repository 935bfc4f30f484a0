"""Placeholder until this module is written (issue 5)."""

from django.http import Http404


def people_list(request, *args, **kwargs):
    raise Http404("Not built yet.")


def people_invite(request, *args, **kwargs):
    raise Http404("Not built yet.")


def people_edit(request, *args, **kwargs):
    raise Http404("Not built yet.")


def people_action(request, *args, **kwargs):
    raise Http404("Not built yet.")


def invitation_accept(request, *args, **kwargs):
    raise Http404("Not built yet.")
