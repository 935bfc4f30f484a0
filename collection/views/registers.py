"""Placeholder until this module is written (issue 5)."""

from django.http import Http404


def country_index(request, *args, **kwargs):
    raise Http404("Not built yet.")


def data_availability(request, *args, **kwargs):
    raise Http404("Not built yet.")


def data_availability_xlsx(request, *args, **kwargs):
    raise Http404("Not built yet.")


def source_register(request, *args, **kwargs):
    raise Http404("Not built yet.")
