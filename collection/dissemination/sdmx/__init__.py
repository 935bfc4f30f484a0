"""SDMX as ILOSTAT's service lays it out: agency ILO, one dataflow DF_<indicator> (1.0) per table, whose data
structure is the indicator itself."""
