"""SDMX REST paths (SDMX 2.1): /sdmx/{dataflow|datastructure|codelist|hierarchicalcodelist}/{agency}/{id}/{version} and
/sdmx/data/{agency,flow,version}/{key}."""

from django.urls import path

from collection.api import sdmx

app_name = "sdmx"

urlpatterns = [
    path("dataflow/<str:agency>/", sdmx.dataflow, name="dataflows"),
    path("dataflow/<str:agency>/<str:resource_id>/", sdmx.dataflow),
    path("dataflow/<str:agency>/<str:resource_id>/<str:version>", sdmx.dataflow, name="dataflow"),
    path("datastructure/<str:agency>/<str:resource_id>/", sdmx.datastructure),
    path("datastructure/<str:agency>/<str:resource_id>/<str:version>", sdmx.datastructure, name="datastructure"),
    path("codelist/<str:agency>/<str:resource_id>/", sdmx.codelist),
    path("codelist/<str:agency>/<str:resource_id>/<str:version>", sdmx.codelist, name="codelist"),
    path("hierarchicalcodelist/<str:agency>/", sdmx.hierarchicalcodelist),
    path("hierarchicalcodelist/<str:agency>/<str:resource_id>/", sdmx.hierarchicalcodelist),
    path(
        "hierarchicalcodelist/<str:agency>/<str:resource_id>/<str:version>",
        sdmx.hierarchicalcodelist,
        name="hierarchicalcodelist",
    ),
    path("data/<str:flow_ref>", sdmx.data),
    path("data/<str:flow_ref>/", sdmx.data),
    path("data/<str:flow_ref>/<str:key>", sdmx.data, name="data"),
]
