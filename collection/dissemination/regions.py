"""Destination regions for the ASEAN overview: every ISO 3166 alpha-3 code in one group, as data.

Source: the UN Statistics Division's "Standard country or area codes for statistical use" (M49), its regions
and, for Asia, where ASEAN's migrants mostly go, its sub-regions. The ten ASEAN member states are a group of
their own ("ASEAN"), so the rest of M49's South-eastern Asia is Timor-Leste alone. Two codes M49 leaves
without a region are placed by hand: Taiwan (which M49 does not list) in Eastern Asia, and Antarctica with
"Other or unknown", beside the partner code X (other or unknown countries).
"""

from __future__ import annotations

from collection.catalogue.load import starting_regions

# Interim (issue 14): the starting ASEAN members, until the overview reads each region's members.
ASEAN_COUNTRIES = next(r["countries"] for r in starting_regions() if r["code"] == "ASEAN")

ASEAN = "ASEAN"
OTHER = "Other or unknown"

# Region label → ISO 3166 alpha-3 codes, in the order the overview shows them (nearest first).
REGIONS: dict[str, frozenset[str]] = {
    ASEAN: frozenset(ASEAN_COUNTRIES),
    "Other South-eastern Asia": frozenset({"TLS"}),
    "Eastern Asia": frozenset({"CHN", "HKG", "MAC", "JPN", "KOR", "PRK", "MNG", "TWN"}),
    "Southern Asia": frozenset({"AFG", "BGD", "BTN", "IND", "IRN", "MDV", "NPL", "PAK", "LKA"}),
    "Western Asia": frozenset(
        {"ARM", "AZE", "BHR", "CYP", "GEO", "IRQ", "ISR", "JOR", "KWT", "LBN", "OMN", "QAT", "SAU", "PSE", "SYR"}
        | {"TUR", "ARE", "YEM"}
    ),
    "Central Asia": frozenset({"KAZ", "KGZ", "TJK", "TKM", "UZB"}),
    "Oceania": frozenset(
        {"AUS", "CXR", "CCK", "HMD", "NZL", "NFK"}  # Australia and New Zealand
        | {"FJI", "NCL", "PNG", "SLB", "VUT"}  # Melanesia
        | {"GUM", "KIR", "MHL", "FSM", "NRU", "MNP", "PLW", "UMI"}  # Micronesia
        | {"ASM", "COK", "PYF", "NIU", "PCN", "WSM", "TKL", "TON", "TUV", "WLF"}  # Polynesia
    ),
    "Europe": frozenset(
        {"BLR", "BGR", "CZE", "HUN", "POL", "MDA", "ROU", "RUS", "SVK", "UKR"}  # Eastern Europe
        | {"ALA", "DNK", "EST", "FRO", "FIN", "GGY", "ISL", "IRL", "IMN", "JEY", "LVA", "LTU", "NOR", "SJM"}
        | {"SWE", "GBR"}  # Northern Europe
        | {"ALB", "AND", "BIH", "HRV", "GIB", "GRC", "VAT", "ITA", "MLT", "MNE", "MKD", "PRT", "SMR", "SRB"}
        | {"SVN", "ESP"}  # Southern Europe
        | {"AUT", "BEL", "FRA", "DEU", "LIE", "LUX", "MCO", "NLD", "CHE"}  # Western Europe
    ),
    "Northern America": frozenset({"BMU", "CAN", "GRL", "SPM", "USA"}),
    "Latin America and the Caribbean": frozenset(
        {"AIA", "ATG", "ABW", "BHS", "BRB", "BES", "VGB", "CYM", "CUB", "CUW", "DMA", "DOM", "GRD", "GLP"}
        | {"HTI", "JAM", "MTQ", "MSR", "PRI", "BLM", "KNA", "LCA", "MAF", "VCT", "SXM", "TTO", "TCA", "VIR"}
        | {"BLZ", "CRI", "SLV", "GTM", "HND", "MEX", "NIC", "PAN"}  # Central America
        | {"ARG", "BOL", "BVT", "BRA", "CHL", "COL", "ECU", "FLK", "GUF", "GUY", "PRY", "PER", "SGS", "SUR"}
        | {"URY", "VEN"}  # South America
    ),
    "Africa": frozenset(
        {"DZA", "EGY", "LBY", "MAR", "SDN", "TUN", "ESH"}  # Northern Africa
        | {"IOT", "BDI", "COM", "DJI", "ERI", "ETH", "ATF", "KEN", "MDG", "MWI", "MUS", "MYT", "MOZ", "REU"}
        | {"RWA", "SYC", "SOM", "SSD", "UGA", "TZA", "ZMB", "ZWE"}  # Eastern Africa
        | {"AGO", "CMR", "CAF", "TCD", "COG", "COD", "GNQ", "GAB", "STP"}  # Middle Africa
        | {"BWA", "SWZ", "LSO", "NAM", "ZAF"}  # Southern Africa
        | {"BEN", "BFA", "CPV", "CIV", "GMB", "GHA", "GIN", "GNB", "LBR", "MLI", "MRT", "NER", "NGA", "SHN"}
        | {"SEN", "SLE", "TGO"}  # Western Africa
    ),
    OTHER: frozenset({"ATA"}),
}
REGION_ORDER = tuple(REGIONS)
_REGION_OF = {iso3: region for region, codes in REGIONS.items() for iso3 in codes}


def partner_region(code: str) -> str:
    """The region of a partner code (CDS_DES_SAU → Western Asia); X and anything unknown → Other or unknown."""
    return _REGION_OF.get(code.rsplit("_", 1)[-1], OTHER)
