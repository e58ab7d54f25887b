"""Offline geocoding on the real inner-Copenhagen extract.

The acceptance figures (1,000 addresses, clean and with one character mistyped) are printed and
put in the failure message; reproduce them with
``.venv/bin/pytest tests/maps/test_geocode.py -k acceptance -s``.
"""

from __future__ import annotations

import random
import shutil
from pathlib import Path

import numpy as np
import pytest

from maps.address_index import AddressRecord
from maps.geo import haversine_m
from maps.geocode import AddressSourceError, GeocodeError, Geocoder, OfflineGeocoder

SAMPLE_SEED = 20_240_601
TYPO_SEED = 7
SAMPLE_SIZE = 1_000
WITHIN_M = 30.0
# What a typo may put in: letters a Danish keyboard has, digits, space.
TYPO_ALPHABET = "abcdefghijklmnopqrstuvwxyzæøå0123456789 "


@pytest.fixture(scope="session")
def geocoder_cache_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A geocoder-index cache private to this test session."""
    return tmp_path_factory.mktemp("geocoder-cache")


@pytest.fixture(scope="session")
def geocoder(osm_path: Path, geocoder_cache_dir: Path) -> OfflineGeocoder:
    """The offline geocoder of the extract, built once per worker."""
    return OfflineGeocoder.from_osm(osm_path, cache_dir=geocoder_cache_dir)


@pytest.fixture(scope="session")
def sample(geocoder: OfflineGeocoder) -> list[AddressRecord]:
    """1,000 addresses of the extract, drawn with a fixed seed."""
    return random.Random(SAMPLE_SEED).sample(list(geocoder.addresses), SAMPLE_SIZE)


def mistype(text: str, rng: random.Random) -> str:
    """One random edit anywhere in ``text``: substitute, delete, insert or swap neighbours.

    The position is uniform over the whole "street housenumber" string, so the house number
    and the space get their share of typos (a typo that turns 12 into 13 names another house).
    """
    i = rng.randrange(len(text))
    edit = rng.choice(("substitute", "delete", "insert", "transpose"))
    if edit == "substitute":
        return (
            text[:i]
            + rng.choice([c for c in TYPO_ALPHABET if c != text[i].lower()])
            + text[i + 1 :]
        )
    if edit == "delete":
        return text[:i] + text[i + 1 :]
    if edit == "insert":
        return text[:i] + rng.choice(TYPO_ALPHABET) + text[i:]
    i = min(i, len(text) - 2)
    return text[:i] + text[i + 1] + text[i] + text[i + 2 :]


def share_within(
    geocoder: OfflineGeocoder, queries: list[str], truth: list[AddressRecord]
) -> float:
    """Fraction of queries whose answer lies within WITHIN_M of the true point."""
    hits = 0
    for query, record in zip(queries, truth, strict=True):
        try:
            result = geocoder.geocode(query)
        except GeocodeError:
            continue
        distance_m = haversine_m(
            np.array(record.lat), np.array(record.lon), np.array(result.lat), np.array(result.lon)
        )
        hits += bool(distance_m <= WITHIN_M)
    return hits / len(queries)


def test_offline_geocoder_is_a_geocoder(geocoder: OfflineGeocoder) -> None:
    """The offline geocoder satisfies the Geocoder protocol the depot programs against."""
    assert isinstance(geocoder, Geocoder)


def test_acceptance_sampled_addresses_geocode_back(
    geocoder: OfflineGeocoder, sample: list[AddressRecord]
) -> None:
    """At least 95 % of 1,000 sampled "street number" addresses come back within 30 m."""
    queries = [f"{r.street} {r.housenumber}" for r in sample]
    share = share_within(geocoder, queries, sample)
    print(f"\nclean: {share:.1%} of {SAMPLE_SIZE} within {WITHIN_M:.0f} m")
    assert share >= 0.95, f"only {share:.1%} of {SAMPLE_SIZE} addresses within {WITHIN_M} m"


def test_acceptance_one_typo_still_geocodes(
    geocoder: OfflineGeocoder, sample: list[AddressRecord]
) -> None:
    """At least 80 % of the same addresses with one random character edit come back within 30 m."""
    rng = random.Random(TYPO_SEED)
    queries = [mistype(f"{r.street} {r.housenumber}", rng) for r in sample]
    share = share_within(geocoder, queries, sample)
    print(f"\none typo: {share:.1%} of {SAMPLE_SIZE} within {WITHIN_M:.0f} m")
    assert share >= 0.80, (
        f"only {share:.1%} of {SAMPLE_SIZE} mistyped addresses within {WITHIN_M} m"
    )


@pytest.mark.parametrize(
    ("query", "canonical"),
    [
        ("hc oersteds vej 25", "H.C. Ørsteds Vej 25"),
        ("H C Ørstedsvej 25", "H.C. Ørsteds Vej 25"),
        ("H.C. ØRSTEDS V. 25", "H.C. Ørsteds Vej 25"),
        ("Skt. Hans Torv 3", "Sankt Hans Torv 3"),
        ("sct hans torv 3", "Sankt Hans Torv 3"),
        ("Gl. Kongevej 29", "Gammel Kongevej 29"),
        ("gl kongev. 29", "Gammel Kongevej 29"),
        ("Kgs. Nytorv 8", "Kongens Nytorv 8"),
        ("St. Kongensgade 1", "Store Kongensgade 1"),
        ("Ndr. Fasanvej 16", "Nordre Fasanvej 16"),
        ("Nørrebrog. 7", "Nørrebrogade 7"),
        ("godthaabsvej 8a", "Godthåbsvej 8A"),
        ("Godthåbsvej 8 A", "Godthåbsvej 8A"),
        ("Dag Hammarskjoelds Alle 5", "Dag Hammarskjölds Allé 5"),
        ("NØRREGADE 12", "Nørregade 12"),
        ("Nørregade 12, 2. th", "Nørregade 12"),
        ("Nørregade 12 st. tv, 1165 København K", "Nørregade 12"),
        ("Nørregade12", "Nørregade 12"),
        ("12 Nørregade", "Nørregade 12"),
    ],
)
def test_case_accents_abbreviations_and_floor_are_understood(
    geocoder: OfflineGeocoder, query: str, canonical: str
) -> None:
    """Spellings people type find the same point as the address as OSM spells it, at full score."""
    expected = geocoder.geocode(canonical)
    result = geocoder.geocode(query)
    assert (result.lat, result.lon) == (expected.lat, expected.lon)
    assert result.address == expected.address
    assert result.score == 1.0


def test_typo_in_street_name_matches_with_lower_score(geocoder: OfflineGeocoder) -> None:
    """A misspelt street still finds the address, and the score admits the guess."""
    exact = geocoder.geocode("Vesterbrogade 60B")
    result = geocoder.geocode("Vesterbrogdae 60B")
    assert result.address == exact.address
    assert 0.8 <= result.score < 1.0


def test_missing_number_falls_back_to_nearest_on_same_side(geocoder: OfflineGeocoder) -> None:
    """Nørregade has no 14: the answer is 12 (same, even side), with a note and a lower score."""
    result = geocoder.geocode("Nørregade 14")
    assert result.address.startswith("Nørregade 12,")
    assert result.note == "Nørregade has no 14; nearest is 12"
    assert result.score < 0.8


def test_missing_letter_uses_the_plain_number(geocoder: OfflineGeocoder) -> None:
    """Nørregade has 12 but no 12A: 12 is used and the note says so."""
    result = geocoder.geocode("Nørregade 12A")
    assert result.address.startswith("Nørregade 12,")
    assert result.note == "Nørregade has no 12A; using 12"


def test_postcode_chooses_between_same_addresses(geocoder: OfflineGeocoder) -> None:
    """Emil Holms Kanal 20 is tagged in two postcodes; the postcode picks the right one."""
    a = geocoder.geocode("Emil Holms Kanal 20, 0999 København C")
    b = geocoder.geocode("Emil Holms Kanal 20, 2300 København S")
    assert "0999" in a.address and "2300" in b.address
    assert (a.lat, a.lon) != (b.lat, b.lon)


def test_unknown_street_gives_the_reason(geocoder: OfflineGeocoder) -> None:
    """An address on a street the area does not have fails, naming the street."""
    with pytest.raises(GeocodeError) as caught:
        geocoder.geocode("Xyzgade 1")
    assert caught.value.reason.startswith("no street like 'Xyzgade' in this area")
    assert caught.value.query == "Xyzgade 1"


def test_number_far_outside_the_street_gives_the_range(geocoder: OfflineGeocoder) -> None:
    """A house number the street does not come near fails and says which numbers exist."""
    with pytest.raises(GeocodeError) as caught:
        geocoder.geocode("Nørregade 999")
    assert caught.value.reason == "Nørregade has no number 999; numbers 1–53 exist"


def test_street_without_number_gives_the_reason(geocoder: OfflineGeocoder) -> None:
    """A street alone is not a delivery address; the reason says a number is missing."""
    with pytest.raises(GeocodeError, match="no house number in 'Nørregade'"):
        geocoder.geocode("Nørregade")


@pytest.mark.parametrize("query", ["", "   "])
def test_empty_query_gives_the_reason(geocoder: OfflineGeocoder, query: str) -> None:
    """An empty address fails with "the address is empty"."""
    with pytest.raises(GeocodeError, match="the address is empty"):
        geocoder.geocode(query)


def test_reverse_of_an_address_point_is_that_address(geocoder: OfflineGeocoder) -> None:
    """Reverse-geocoding the point of Nørregade 12 gives Nørregade 12 at 0 m."""
    forward = geocoder.geocode("Nørregade 12")
    back = geocoder.reverse(forward.lat, forward.lon)
    assert back.address == forward.address
    assert back.distance_m == pytest.approx(0.0, abs=0.01)
    assert back.score == 1.0


def test_reverse_of_sampled_points_lands_on_them(
    geocoder: OfflineGeocoder, sample: list[AddressRecord]
) -> None:
    """For 200 sampled addresses, reverse gives an address at that very point."""
    for record in sample[:200]:
        back = geocoder.reverse(record.lat, record.lon)
        assert back.distance_m == pytest.approx(0.0, abs=0.01), record.label
        assert (back.lat, back.lon) == (record.lat, record.lon)


def test_reverse_reports_distance_to_nearest_address(geocoder: OfflineGeocoder) -> None:
    """A point 20 m north of an address is answered with an address and its distance."""
    forward = geocoder.geocode("Nørregade 12")
    back = geocoder.reverse(forward.lat + 20 / 111_195, forward.lon)
    assert back.distance_m is not None and 0 < back.distance_m <= 20.5


def test_reverse_in_the_sea_gives_the_reason(geocoder: OfflineGeocoder) -> None:
    """A point in the Øresund, kilometres from any address, fails with the distance."""
    with pytest.raises(
        GeocodeError, match=r"no address within 150 m \(nearest is .*, [\d,]+ m away\)"
    ):
        geocoder.reverse(55.70, 12.70)


@pytest.mark.parametrize(
    ("content", "reason"),
    [
        (None, "no such file"),
        (b"", "the file is empty"),
        (b"garbage <osm", "not a readable OSM file"),
        (b'<?xml version="1.0"?>\n<osm version="0.6"></osm>\n', "no addresses in it"),
    ],
)
def test_bad_osm_file_is_refused_with_reason(
    tmp_path: Path, content: bytes | None, reason: str
) -> None:
    """A missing, empty, non-OSM or address-less file raises AddressSourceError naming it."""
    path = tmp_path / "extract.osm"
    if content is not None:
        path.write_bytes(content)
    with pytest.raises(AddressSourceError) as caught:
        OfflineGeocoder.from_osm(path)
    assert reason in caught.value.reason
    assert caught.value.source == str(path)


@pytest.mark.slow
def test_index_cache_is_keyed_by_file_content(
    osm_path: Path, tmp_path: Path, geocoder: OfflineGeocoder
) -> None:
    """The built index is cached once per file content: a renamed copy reuses the entry."""
    cache_dir = tmp_path / "cache"
    first = OfflineGeocoder.from_osm(osm_path, cache_dir=cache_dir)
    entries = sorted(cache_dir.glob("geocoder-*.pickle"))
    assert len(entries) == 1
    copy = tmp_path / "renamed.osm.bz2"
    shutil.copyfile(osm_path, copy)
    second = OfflineGeocoder.from_osm(copy, cache_dir=cache_dir)
    assert sorted(cache_dir.glob("geocoder-*.pickle")) == entries
    assert second.geocode("Nørregade 12") == first.geocode("Nørregade 12")
    assert len(second.addresses) == len(geocoder.addresses)
