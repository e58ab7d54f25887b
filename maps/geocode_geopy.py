"""Production geocoding through geopy (Nominatim by default): throttled, cached, errors mapped.

Nominatim's usage policy asks for an identifying user agent, at most one request per second and
caching of answers. :class:`GeopyGeocoder` enforces all three: one :class:`RateLimiter` (≥ 1 s)
shared by forward and reverse lookups, an in-memory LRU, and optionally a directory of JSON
answers that survives restarts. Definite answers ("found", "no match") are cached; transient
failures (time-outs, service down, rate-limited) are not, so a retry later can succeed.

Never used in tests against a public service: the tests inject a fake geopy geocoder.
"""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
from collections import OrderedDict
from pathlib import Path
from typing import Any

from geopy.exc import (
    GeocoderQueryError,
    GeocoderRateLimited,
    GeocoderServiceError,
    GeocoderTimedOut,
    GeocoderUnavailable,
    GeopyError,
)
from geopy.extra.rate_limiter import RateLimiter
from geopy.geocoders import Nominatim

from maps.geocode import GeocodeError, GeocodeResult

#: Nominatim's usage policy: at most one request per second.
MIN_DELAY_S = 1.0

_TRANSIENT = (GeocoderTimedOut, GeocoderUnavailable, GeocoderRateLimited)


class GeopyGeocoder:
    """:class:`~maps.geocode.Geocoder` backed by a geopy geocoder.

    Parameters
    ----------
    user_agent : str, optional
        Identifies the application to Nominatim; required unless ``geocoder`` is given.
    geocoder : object, optional
        A geopy geocoder (anything with ``geocode(query)`` and ``reverse("lat, lon")`` returning
        a ``geopy.location.Location`` or ``None``); default ``Nominatim(user_agent=...)``.
    min_delay_s : float
        Least time between two requests, seconds; below 1 is refused.
    max_retries : int
        Retries of a request that failed with a service error, after ``error_wait_s``.
    error_wait_s : float
        Wait before a retry, seconds.
    cache_size : int
        Answers kept in memory (least recently used are dropped first).
    cache_dir : Path, optional
        Directory of cached answers on disk (one JSON file each); ``None`` keeps them in memory.
    timeout_s : float
        Per-request time-out for the default Nominatim geocoder, seconds.

    Raises
    ------
    ValueError
        No ``user_agent`` for the default Nominatim, or ``min_delay_s`` below 1 second.

    Notes
    -----
    ``score`` is 1.0 for every answer: Nominatim reports no match confidence comparable with the
    offline geocoder's.
    """

    def __init__(
        self,
        user_agent: str | None = None,
        *,
        geocoder: Any | None = None,
        min_delay_s: float = MIN_DELAY_S,
        max_retries: int = 2,
        error_wait_s: float = 5.0,
        cache_size: int = 1024,
        cache_dir: Path | None = None,
        timeout_s: float = 10.0,
    ) -> None:
        if min_delay_s < MIN_DELAY_S:
            raise ValueError(
                f"min_delay_s: {min_delay_s} s is below Nominatim's limit of one request per second"
            )
        if geocoder is None:
            if not user_agent:
                raise ValueError("user_agent: Nominatim needs a user agent naming this application")
            geocoder = Nominatim(user_agent=user_agent, timeout=timeout_s)
        self.geocoder = geocoder
        self.service = type(geocoder).__name__
        # One limiter for both kinds of request: the service counts them together.
        self.limiter = RateLimiter(
            self._request,
            min_delay_seconds=min_delay_s,
            max_retries=max_retries,
            error_wait_seconds=max(error_wait_s, min_delay_s),
            swallow_exceptions=False,
        )
        self.cache_size = cache_size
        self.cache_dir = Path(cache_dir) if cache_dir is not None else None
        self._memory: OrderedDict[str, dict[str, Any]] = OrderedDict()

    def geocode(self, query: str) -> GeocodeResult:
        """Coordinates of an address, from the cache or the service.

        Parameters
        ----------
        query : str
            The address as typed.

        Returns
        -------
        GeocodeResult

        Raises
        ------
        GeocodeError
            No match (cached), or the service failed (``transient=True``, not cached).
        """
        if not query or not query.strip():
            raise GeocodeError(query, "the address is empty")
        text = " ".join(query.split())
        return self._answer("geocode", text, query)

    def reverse(self, lat: float, lon: float) -> GeocodeResult:
        """Address at (lat, lon), from the cache or the service.

        Parameters
        ----------
        lat, lon : float
            WGS84 degrees.

        Returns
        -------
        GeocodeResult

        Raises
        ------
        GeocodeError
            No address there (cached), or the service failed (``transient=True``).
        """
        query = f"{lat:.6f}, {lon:.6f}"  # geopy reads "lat, lon" strings in that order
        return self._answer("reverse", query, query)

    def _answer(self, kind: str, text: str, query: str) -> GeocodeResult:
        key = hashlib.sha256(f"{self.service}|{kind}|{text.lower()}".encode()).hexdigest()[:32]
        answer = self._recall(key)
        if answer is None:
            answer = self._ask(kind, text, query)
            self._remember(key, answer)
        if not answer["found"]:
            raise GeocodeError(query, answer["reason"])
        return GeocodeResult(query, answer["lat"], answer["lon"], answer["address"], 1.0)

    def _request(self, kind: str, text: str) -> Any:
        if kind == "reverse":
            return self.geocoder.reverse(text)
        return self.geocoder.geocode(text)

    def _ask(self, kind: str, text: str, query: str) -> dict[str, Any]:
        try:
            location = self.limiter(kind, text)
        except _TRANSIENT as exc:
            reason = f"{self.service} did not answer ({type(exc).__name__}: {exc}); try again later"
            raise GeocodeError(query, reason, transient=True) from exc
        except GeocoderQueryError as exc:
            raise GeocodeError(query, f"{self.service} refused the query: {exc}") from exc
        except GeocoderServiceError as exc:
            reason = f"{self.service} failed ({type(exc).__name__}: {exc})"
            raise GeocodeError(query, reason, transient=True) from exc
        except GeopyError as exc:
            raise GeocodeError(query, f"{self.service} failed: {exc}") from exc
        if location is None:
            what = "no address at this point" if kind == "reverse" else "no match"
            return {"found": False, "reason": f"{what} from {self.service}"}
        return {
            "found": True,
            "lat": float(location.latitude),
            "lon": float(location.longitude),
            "address": str(location.address),
        }

    def _recall(self, key: str) -> dict[str, Any] | None:
        if key in self._memory:
            self._memory.move_to_end(key)
            return self._memory[key]
        if self.cache_dir is None:
            return None
        try:
            answer: dict[str, Any] = json.loads((self.cache_dir / f"{key}.json").read_text())
        except (OSError, ValueError):
            return None
        self._remember_in_memory(key, answer)
        return answer

    def _remember(self, key: str, answer: dict[str, Any]) -> None:
        self._remember_in_memory(key, answer)
        if self.cache_dir is None:
            return
        self.cache_dir.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=self.cache_dir, prefix=".answer-", suffix=".tmp")
        try:
            with os.fdopen(fd, "w", encoding="utf-8") as handle:
                json.dump(answer, handle, ensure_ascii=False)
            os.replace(tmp, self.cache_dir / f"{key}.json")
        finally:
            if os.path.exists(tmp):
                os.unlink(tmp)

    def _remember_in_memory(self, key: str, answer: dict[str, Any]) -> None:
        self._memory[key] = answer
        self._memory.move_to_end(key)
        while len(self._memory) > self.cache_size:
            self._memory.popitem(last=False)
