"""Countries grouped into the UN's M49 regions and sub-regions, for statistics by region.

M49 (the UN Statistics Division's "standard country or area codes for statistical use") puts
every country in one region (Africa, Americas, Asia, Europe, Oceania) and one sub-region
(Sub-Saharan Africa, Latin America and the Caribbean, Western Asia...). Some sub-regions are
split again into intermediate regions (Western Africa, the Caribbean...); these statistics stop
at the sub-region, the level funders report by.

Where the data comes from: CLDR's territory containment (`territoryContainment` in
common/supplemental/supplementalData.xml, CLDR 41), which follows M49 and is what ICU and
browsers use. No package we could depend on ships it in a usable form (Babel has CLDR's
region *names* but not its containment; the packages that do carry M49 pull in pandas), so
the finest groups are copied below, one line each, as ISO 3166 codes; tests check that every
country django-countries offers has a region. CLDR additions to M49: Taiwan in Eastern Asia,
Kosovo in Southern Europe. Antarctica belongs to no M49 region.
"""

from dataclasses import dataclass
from functools import cache

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _


@dataclass(frozen=True)
class Area:
    """A region or sub-region: its M49 code (three digits, as a string) and its name."""

    code: str
    name: Promise

    def __str__(self):
        return str(self.name)


REGIONS = (
    Area("002", _("Africa")),
    Area("019", _("Americas")),
    Area("142", _("Asia")),
    Area("150", _("Europe")),
    Area("009", _("Oceania")),
)

# Sub-regions, each under its region, in M49's order.
SUBREGIONS = (
    Area("015", _("Northern Africa")),
    Area("202", _("Sub-Saharan Africa")),
    Area("419", _("Latin America and the Caribbean")),
    Area("021", _("Northern America")),
    Area("143", _("Central Asia")),
    Area("030", _("Eastern Asia")),
    Area("035", _("South-eastern Asia")),
    Area("034", _("Southern Asia")),
    Area("145", _("Western Asia")),
    Area("151", _("Eastern Europe")),
    Area("154", _("Northern Europe")),
    Area("039", _("Southern Europe")),
    Area("155", _("Western Europe")),
    Area("053", _("Australia and New Zealand")),
    Area("054", _("Melanesia")),
    Area("057", _("Micronesia")),
    Area("061", _("Polynesia")),
)

_REGION_OF_SUBREGION = {
    "015": "002", "202": "002",
    "419": "019", "021": "019",
    "143": "142", "030": "142", "035": "142", "034": "142", "145": "142",
    "151": "150", "154": "150", "039": "150", "155": "150",
    "053": "009", "054": "009", "057": "009", "061": "009",
}  # fmt: skip

# CLDR's finest groups (M49 sub-regions, or intermediate regions with their sub-region after
# the colon) and the countries in each.
_CONTAINMENT = {
    "015": "DZ EG EH LY MA SD TN",
    "011:202": "BF BJ CI CV GH GM GN GW LR ML MR NE NG SH SL SN TG",  # Western Africa
    "014:202": "BI DJ ER ET IO KE KM MG MU MW MZ RE RW SC SO SS TF TZ UG YT ZM ZW",  # Eastern
    "017:202": "AO CD CF CG CM GA GQ ST TD",  # Middle Africa
    "018:202": "BW LS NA SZ ZA",  # Southern Africa
    "029:419": "AG AI AW BB BL BQ BS CU CW DM DO GD GP HT JM KN KY LC MF MQ MS PR SX TC TT VC "
    "VG VI",  # the Caribbean
    "013:419": "BZ CR GT HN MX NI PA SV",  # Central America
    "005:419": "AR BO BR BV CL CO EC FK GF GS GY PE PY SR UY VE",  # South America
    "021": "BM CA GL PM US",
    "143": "KG KZ TJ TM UZ",
    "030": "CN HK JP KP KR MN MO TW",
    "035": "BN ID KH LA MM MY PH SG TH TL VN",
    "034": "AF BD BT IN IR LK MV NP PK",
    "145": "AE AM AZ BH CY GE IL IQ JO KW LB OM PS QA SA SY TR YE",
    "151": "BG BY CZ HU MD PL RO RU SK UA",
    "154": "AX DK EE FI FO GB GG IE IM IS JE LT LV NO SE SJ",
    "039": "AD AL BA ES GI GR HR IT ME MK MT PT RS SI SM VA XK",
    "155": "AT BE CH DE FR LI LU MC NL",
    "053": "AU CC CX HM NF NZ",
    "054": "FJ NC PG SB VU",
    "057": "FM GU KI MH MP NR PW UM",
    "061": "AS CK NU PF PN TK TO TV WF WS",
}


@cache
def _subregion_codes() -> dict[str, str]:
    """{country code: sub-region code}."""
    codes = {}
    for group, countries in _CONTAINMENT.items():
        subregion = group.rpartition(":")[2]
        for country in countries.split():
            codes[country] = subregion
    return codes


_AREAS = {area.code: area for area in (*REGIONS, *SUBREGIONS)}


def get_area(code: str) -> Area | None:
    """The region or sub-region of that M49 code, or None."""
    return _AREAS.get(code)


def subregion_of(country: str) -> Area | None:
    """The M49 sub-region of an ISO 3166 country code (None for none, e.g. Antarctica)."""
    code = _subregion_codes().get(country)
    return _AREAS[code] if code else None


def region_of(country: str) -> Area | None:
    """The M49 region of an ISO 3166 country code (None for none, e.g. Antarctica)."""
    code = _subregion_codes().get(country)
    return _AREAS[_REGION_OF_SUBREGION[code]] if code else None


def region_of_subregion(code: str) -> Area:
    return _AREAS[_REGION_OF_SUBREGION[code]]


def subregions_in(region_code: str) -> list[Area]:
    return [s for s in SUBREGIONS if _REGION_OF_SUBREGION[s.code] == region_code]


def countries_in(code: str) -> list[str]:
    """The country codes in a region or sub-region (sorted), for filtering."""
    if code in _REGION_OF_SUBREGION:
        subregions = {code}
    else:
        subregions = {s for s, r in _REGION_OF_SUBREGION.items() if r == code}
    return sorted(c for c, s in _subregion_codes().items() if s in subregions)
