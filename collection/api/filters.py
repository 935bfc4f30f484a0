import django_filters

from collection.models import Observation

MAX_ID = 2**63 - 1  # a bigint
MAX_VALUE = 10**18  # the digits before the point of an exact value (models.layout.ExactValueField)


class CharInFilter(django_filters.BaseInFilter, django_filters.CharFilter):
    """`?sex=SEX_M,SEX_F` matches either code."""


class ObservationKeyFilter(django_filters.FilterSet):
    """Filters on the columns that identify a value: they choose the keys, before the version of each is chosen."""

    indicator = CharInFilter()
    ref_area = CharInFilter()
    source = CharInFilter()
    sex = CharInFilter()
    classif1 = CharInFilter()
    classif2 = CharInFilter()
    time = CharInFilter()
    time_from = django_filters.CharFilter(field_name="time", lookup_expr="gte")
    time_to = django_filters.CharFilter(field_name="time", lookup_expr="lte")

    class Meta:
        model = Observation
        fields: list[str] = []


class ObservationValueFilter(django_filters.FilterSet):
    """Filters on what a version says (its value, flag, notes, release): applied to the version chosen."""

    obs_status = CharInFilter()
    # Bounded, so that a number no column can hold is a 400 rather than a database overflow.
    obs_value_min = django_filters.NumberFilter(
        field_name="obs_value", lookup_expr="gte", min_value=-MAX_VALUE, max_value=MAX_VALUE
    )
    obs_value_max = django_filters.NumberFilter(
        field_name="obs_value", lookup_expr="lte", min_value=-MAX_VALUE, max_value=MAX_VALUE
    )
    note = django_filters.CharFilter(lookup_expr="icontains")
    # The values that came in that release (a release groups the publications of its submissions).
    release = django_filters.NumberFilter(field_name="publication__release_id", min_value=1, max_value=MAX_ID)

    class Meta:
        model = Observation
        fields: list[str] = []


class ObservationFilter(ObservationKeyFilter, ObservationValueFilter):
    """Every filter of the observations endpoint, as the schema documents them."""

    class Meta:
        model = Observation
        fields: list[str] = []
