"""The geopy adapter, driven by a fake geopy geocoder: no public geocoding service is ever called.

The fake stands in for Nominatim (which cannot be asked from tests); geopy's own RateLimiter is
the real one, run on a fake clock so throttling is checked without waiting.
"""

from __future__ import annotations

import itertools
from pathlib import Path
from typing import Any

import pytest
from geopy.exc import GeocoderQueryError, GeocoderTimedOut
from geopy.geocoders import Nominatim
from geopy.location import Location

from maps.geocode import GeocodeError, Geocoder
from maps.geocode_geopy import GeopyGeocoder


class FakeClock:
    """Time that only moves when someone sleeps."""

    def __init__(self) -> None:
        self.now_s = 1_000.0
        self.slept_s: list[float] = []

    def now(self) -> float:
        return self.now_s

    def sleep(self, seconds: float) -> None:
        self.slept_s.append(seconds)
        self.now_s += seconds


class FakeGeopy:
    """A geopy-like geocoder answering from a dict, recording when it was asked."""

    def __init__(self, clock: FakeClock, answers: dict[str, Any]) -> None:
        self.clock = clock
        self.answers = answers
        self.calls: list[tuple[str, str, float]] = []

    def _answer(self, kind: str, query: str) -> Location | None:
        self.calls.append((kind, query, self.clock.now()))
        answer = self.answers.get(query)
        if isinstance(answer, Exception):
            raise answer
        return answer

    def geocode(self, query: str) -> Location | None:
        return self._answer("geocode", query)

    def reverse(self, query: str) -> Location | None:
        return self._answer("reverse", query)


NORREGADE = Location("Nørregade 12, 1165 København K, Danmark", (55.6807, 12.5714), {})


def make(answers: dict[str, Any], **kwargs: Any) -> tuple[GeopyGeocoder, FakeGeopy, FakeClock]:
    """An adapter around a fake geocoder whose RateLimiter runs on a fake clock."""
    clock = FakeClock()
    fake = FakeGeopy(clock, answers)
    adapter = GeopyGeocoder(geocoder=fake, **kwargs)
    adapter.limiter._clock = clock.now
    adapter.limiter._sleep = clock.sleep
    return adapter, fake, clock


def test_adapter_is_a_geocoder() -> None:
    """The geopy adapter satisfies the Geocoder protocol."""
    adapter, _, _ = make({})
    assert isinstance(adapter, Geocoder)


def test_answer_is_mapped_to_a_result() -> None:
    """A geopy Location becomes a GeocodeResult with named lat / lon and the service's address."""
    adapter, _, _ = make({"Nørregade 12": NORREGADE})
    result = adapter.geocode("Nørregade 12")
    assert (result.lat, result.lon) == (55.6807, 12.5714)
    assert result.address == "Nørregade 12, 1165 København K, Danmark"
    assert result.score == 1.0


def test_requests_are_at_least_one_second_apart() -> None:
    """Three different lookups (forward and reverse share one limiter) are spaced ≥ 1 s."""
    answers = {"a 1": NORREGADE, "b 2": NORREGADE, "55.680700, 12.571400": NORREGADE}
    adapter, fake, clock = make(answers)
    adapter.geocode("a 1")
    adapter.reverse(55.6807, 12.5714)
    adapter.geocode("b 2")
    times = [t for _, _, t in fake.calls]
    assert [b - a for a, b in itertools.pairwise(times)] == [1.0, 1.0]
    assert sum(clock.slept_s) == pytest.approx(2.0)


def test_reverse_sends_lat_first() -> None:
    """geopy's reverse takes "lat, lon"; the adapter sends them in that order."""
    adapter, fake, _ = make({"55.680700, 12.571400": NORREGADE})
    adapter.reverse(55.6807, 12.5714)
    assert fake.calls[0][:2] == ("reverse", "55.680700, 12.571400")


def test_repeated_query_is_answered_from_memory() -> None:
    """The same address twice (also differently spaced or cased) asks the service once."""
    adapter, fake, clock = make({"Nørregade 12": NORREGADE})
    first = adapter.geocode("Nørregade 12")
    again = adapter.geocode("  nørregade   12 ")
    assert again.lat == first.lat and again.lon == first.lon
    assert len(fake.calls) == 1
    assert clock.slept_s == []


def test_memory_cache_drops_least_recently_used() -> None:
    """With room for two answers, the oldest is asked again after a third arrives."""
    answers = {"a 1": NORREGADE, "b 2": NORREGADE, "c 3": NORREGADE}
    adapter, fake, _ = make(answers, cache_size=2)
    for query in ("a 1", "b 2", "a 1", "c 3", "a 1", "b 2"):
        adapter.geocode(query)
    assert [q for _, q, _ in fake.calls] == ["a 1", "b 2", "c 3", "b 2"]


def test_disk_cache_survives_a_new_adapter(tmp_path: Path) -> None:
    """Answers written to cache_dir are reused by a fresh adapter without asking the service."""
    adapter, _, _ = make({"Nørregade 12": NORREGADE}, cache_dir=tmp_path)
    adapter.geocode("Nørregade 12")
    fresh, fake, _ = make({}, cache_dir=tmp_path)
    assert fresh.geocode("Nørregade 12").address == NORREGADE.address
    assert fake.calls == []


def test_no_match_is_a_cached_error_with_reason() -> None:
    """No answer raises GeocodeError "no match from FakeGeopy" and is not asked again."""
    adapter, fake, _ = make({})
    for _ in range(2):
        with pytest.raises(GeocodeError, match="no match from FakeGeopy") as caught:
            adapter.geocode("Xyzgade 1")
        assert caught.value.transient is False
    assert len(fake.calls) == 1


def test_timeout_is_retried_then_transient_and_not_cached() -> None:
    """A service that keeps timing out is retried (max_retries), then reported as transient."""
    adapter, fake, clock = make({"a 1": GeocoderTimedOut("slow")}, max_retries=2)
    with pytest.raises(GeocodeError, match="try again later") as caught:
        adapter.geocode("a 1")
    assert caught.value.transient is True
    assert len(fake.calls) == 3
    assert min(clock.slept_s) >= 1.0
    fake.answers["a 1"] = NORREGADE
    assert adapter.geocode("a 1").address == NORREGADE.address


def test_refused_query_is_not_transient() -> None:
    """A query the service refuses is a permanent failure naming the service."""
    adapter, _, _ = make({"?": GeocoderQueryError("bad query")}, max_retries=0)
    with pytest.raises(GeocodeError, match="FakeGeopy refused the query") as caught:
        adapter.geocode("?")
    assert caught.value.transient is False


def test_default_is_nominatim_with_the_user_agent() -> None:
    """Without an injected geocoder the adapter builds Nominatim with our user agent."""
    adapter = GeopyGeocoder("bakfiets-tests")
    assert isinstance(adapter.geocoder, Nominatim)
    assert adapter.geocoder.headers["User-Agent"] == "bakfiets-tests"
    assert adapter.limiter.min_delay_seconds >= 1.0


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [({"geocoder": object(), "min_delay_s": 0.5}, "min_delay_s"), ({}, "user_agent")],
)
def test_unsafe_settings_are_refused(kwargs: dict[str, Any], field: str) -> None:
    """Faster than one request per second, or Nominatim without a user agent, is refused."""
    with pytest.raises(ValueError, match=field):
        GeopyGeocoder(**kwargs)
