import django_filters

from collection.models import Observation


class CharInFilter(django_filters.BaseInFilter, django_filters.CharFilter):
    """`?sex=SEX_M,SEX_F` matches either code."""


class ObservationFilter(django_filters.FilterSet):
    """A filter on every column of the long layout; codes accept several values separated by commas."""

    indicator = CharInFilter()
    ref_area = CharInFilter()
    source = CharInFilter()
    sex = CharInFilter()
    classif1 = CharInFilter()
    classif2 = CharInFilter()
    time = CharInFilter()
    time_from = django_filters.CharFilter(field_name="time", lookup_expr="gte")
    time_to = django_filters.CharFilter(field_name="time", lookup_expr="lte")
    obs_status = CharInFilter()
    obs_value_min = django_filters.NumberFilter(field_name="obs_value", lookup_expr="gte")
    obs_value_max = django_filters.NumberFilter(field_name="obs_value", lookup_expr="lte")
    note = django_filters.CharFilter(lookup_expr="icontains")
    release = django_filters.NumberFilter(field_name="release_id")

    class Meta:
        model = Observation
        fields: list[str] = []
