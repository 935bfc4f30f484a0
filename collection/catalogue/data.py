"""The starting catalogue of DOMAIN.md as data: loaded by `manage.py load_catalogue`, then editable by admins."""

from __future__ import annotations

SOURCE_TYPES = {
    "BA": "Labour force survey",
    "AA": "Population census",
    "BX": "Other household survey",
    "FA": "Administrative records",
    "EA": "Official estimate",
}

OBSERVATION_STATUSES = {
    "A": "Adjusted",
    "B": "Break in series",
    "I": "Imputation",
    "M": "Model-based",
    "R": "Real value",
    "U": "Unreliable",
}

# Closed code lists: id -> (label, prefix, [(suffix, label, is_total, optional)]).
CLOSED_CODELISTS: dict[str, tuple[str, str, list[tuple[str, str, bool, bool]]]] = {
    "SEX": (
        "Sex",
        "SEX_",
        [
            ("T", "Total", True, False),
            ("M", "Male", False, False),
            ("F", "Female", False, False),
            ("O", "Other", False, True),
        ],
    ),
    "AGE_YTHADULT": (
        "Age (youth, adults)",
        "AGE_YTHADULT_",
        [
            ("YGE15", "15+", True, False),
            ("Y15-24", "15-24", False, False),
            ("YGE25", "25+", False, False),
        ],
    ),
    "ECO_ISIC4": (
        "Economic activity (ISIC Rev.4 sections)",
        "ECO_ISIC4_",
        [
            ("TOTAL", "Total", True, False),
            ("A", "Agriculture, forestry and fishing", False, False),
            ("B", "Mining and quarrying", False, False),
            ("C", "Manufacturing", False, False),
            ("D", "Electricity, gas, steam and air conditioning supply", False, False),
            ("E", "Water supply; sewerage, waste management and remediation activities", False, False),
            ("F", "Construction", False, False),
            ("G", "Wholesale and retail trade; repair of motor vehicles and motorcycles", False, False),
            ("H", "Transportation and storage", False, False),
            ("I", "Accommodation and food service activities", False, False),
            ("J", "Information and communication", False, False),
            ("K", "Financial and insurance activities", False, False),
            ("L", "Real estate activities", False, False),
            ("M", "Professional, scientific and technical activities", False, False),
            ("N", "Administrative and support service activities", False, False),
            ("O", "Public administration and defence; compulsory social security", False, False),
            ("P", "Education", False, False),
            ("Q", "Human health and social work activities", False, False),
            ("R", "Arts, entertainment and recreation", False, False),
            ("S", "Other service activities", False, False),
            ("T", "Activities of households as employers", False, False),
            ("U", "Activities of extraterritorial organizations and bodies", False, False),
            ("X", "Not elsewhere classified", False, False),
        ],
    ),
    "OCU_ISCO08": (
        "Occupation (ISCO-08 major groups)",
        "OCU_ISCO08_",
        [
            ("TOTAL", "Total", True, False),
            ("1", "Managers", False, False),
            ("2", "Professionals", False, False),
            ("3", "Technicians and associate professionals", False, False),
            ("4", "Clerical support workers", False, False),
            ("5", "Service and sales workers", False, False),
            ("6", "Skilled agricultural, forestry and fishery workers", False, False),
            ("7", "Craft and related trades workers", False, False),
            ("8", "Plant and machine operators, and assemblers", False, False),
            ("9", "Elementary occupations", False, False),
            ("0", "Armed forces occupations", False, False),
            ("X", "Not elsewhere classified", False, False),
        ],
    ),
    "STE_ICSE93": (
        "Status in employment (ICSE-93)",
        "STE_ICSE93_",
        [
            ("TOTAL", "Total", True, False),
            ("1", "Employees", False, False),
            ("2", "Employers", False, False),
            ("3", "Own-account workers", False, False),
            ("4", "Members of producers' cooperatives", False, False),
            ("5", "Contributing family workers", False, False),
            ("6", "Workers not classifiable by status", False, False),
        ],
    ),
    "EDU_AGGREGATE": (
        "Education (aggregate levels)",
        "EDU_AGGREGATE_",
        [
            ("TOTAL", "Total", True, False),
            ("LTB", "Less than basic", False, False),
            ("BAS", "Basic", False, False),
            ("INT", "Intermediate", False, False),
            ("ADV", "Advanced", False, False),
            ("X", "Level not stated", False, False),
        ],
    ),
    "CBR_BIR": (
        "Place of birth",
        "CBR_BIR_",
        [
            ("TOTAL", "Total", True, False),
            ("NATIVE", "Native-born", False, False),
            ("FOREIGN", "Foreign-born", False, False),
            ("X", "Place of birth unknown", False, False),
        ],
    ),
    "CCT_CIT": (
        "Citizenship",
        "CCT_CIT_",
        [
            ("TOTAL", "Total", True, False),
            ("CITIZEN", "Citizens", False, False),
            ("NONCIT", "Non-citizens", False, False),
            ("X", "Citizenship unknown", False, False),
        ],
    ),
}

# Partner-country lists: id -> (label, prefix); their codes are every ISO 3166 country plus TOTAL and X.
PARTNER_CODELISTS = {
    "CBR_BRT": ("Country of birth", "CBR_BRT_"),
    "CCT_CTZ": ("Country of citizenship", "CCT_CTZ_"),
    "CRS_RES": ("Country of residence", "CRS_RES_"),
    "CDS_DES": ("Country of destination", "CDS_DES_"),
    "CPR_PRV": ("Country of previous residence", "CPR_PRV_"),
}

# The 16 standard tables: indicator -> (title, measure, classif1 list, classif2 list or None).
STANDARD_TABLES: dict[str, tuple[str, str, str, str | None]] = {
    "MST_TPOP_SEX_AGE_CBR_NB": (
        "Working-age population by sex, age and place of birth",
        "stock",
        "AGE_YTHADULT",
        "CBR_BIR",
    ),
    "MST_TPOP_SEX_AGE_CCT_NB": (
        "Working-age population by sex, age and citizenship",
        "stock",
        "AGE_YTHADULT",
        "CCT_CIT",
    ),
    "MST_FORP_SEX_CBR_NB": (
        "Foreign-born working-age population by sex and country of birth",
        "stock",
        "CBR_BRT",
        None,
    ),
    "MST_NCTP_SEX_CCT_NB": (
        "Non-citizen working-age population by sex and country of citizenship",
        "stock",
        "CCT_CTZ",
        None,
    ),
    "MST_TEAP_SEX_AGE_CBR_NB": ("Labour force by sex, age and place of birth", "stock", "AGE_YTHADULT", "CBR_BIR"),
    "MST_TEMP_SEX_AGE_CBR_NB": ("Employment by sex, age and place of birth", "stock", "AGE_YTHADULT", "CBR_BIR"),
    "MST_TUNE_SEX_AGE_CBR_NB": ("Unemployment by sex, age and place of birth", "stock", "AGE_YTHADULT", "CBR_BIR"),
    "MST_TEMP_SEX_ECO_CBR_NB": (
        "Employment by sex, economic activity and place of birth",
        "stock",
        "ECO_ISIC4",
        "CBR_BIR",
    ),
    "MST_TEMP_SEX_OCU_CBR_NB": ("Employment by sex, occupation and place of birth", "stock", "OCU_ISCO08", "CBR_BIR"),
    "MST_TEMP_SEX_STE_CBR_NB": (
        "Employment by sex, status in employment and place of birth",
        "stock",
        "STE_ICSE93",
        "CBR_BIR",
    ),
    "MST_TEMP_SEX_EDU_CBR_NB": ("Employment by sex, education and place of birth", "stock", "EDU_AGGREGATE", "CBR_BIR"),
    "MFL_NCIT_SEX_CCT_NB": (
        "Inflow of working-age foreign citizens by sex and country of citizenship",
        "flow",
        "CCT_CTZ",
        None,
    ),
    "MFL_NEMP_SEX_OCU_NB": ("Inflow of employed foreign citizens by sex and occupation", "flow", "OCU_ISCO08", None),
    "MNA_TPOP_SEX_CRS_NB": ("Nationals abroad by sex and country of residence", "stock", "CRS_RES", None),
    "MNA_OEMP_SEX_CDS_NB": ("Outflow of nationals for employment by sex and destination", "flow", "CDS_DES", None),
    "MNA_XRET_SEX_CPR_NB": ("Returning nationals by sex and country of previous residence", "flow", "CPR_PRV", None),
}
