"""Countries in UN M49 regions and sub-regions."""

from django_countries import countries

from reports.regions import REGIONS, SUBREGIONS, countries_in, region_of, subregion_of


def test_every_country_offered_at_sign_up_has_a_region_but_antarctica():
    without = [c.code for c in countries if region_of(c.code) is None]

    assert without == ["AQ"]
    assert all(subregion_of(c.code) for c in countries if c.code != "AQ")


def test_countries_are_in_their_m49_region_and_sub_region():
    assert (region_of("NG").code, subregion_of("NG").code) == ("002", "202")
    assert (region_of("EG").code, subregion_of("EG").code) == ("002", "015")
    assert (region_of("PE").code, subregion_of("PE").code) == ("019", "419")
    assert (region_of("US").code, subregion_of("US").code) == ("019", "021")
    assert (region_of("JO").code, subregion_of("JO").code) == ("142", "145")
    assert (region_of("PL").code, subregion_of("PL").code) == ("150", "151")
    assert (region_of("FJ").code, subregion_of("FJ").code) == ("009", "054")
    assert region_of("") is None


def test_a_region_holds_the_countries_of_its_sub_regions():
    for region in REGIONS:
        inside = {
            s.code for s in SUBREGIONS if countries_in(s.code)[0] in countries_in(region.code)
        }
        assert sorted(countries_in(region.code)) == sorted(
            c for s in inside for c in countries_in(s)
        )
    # Every country offered but Antarctica, and Kosovo (in CLDR, not in ISO 3166).
    in_regions = {c for r in REGIONS for c in countries_in(r.code)}
    assert in_regions == {c.code for c in countries} - {"AQ"} | {"XK"}
