"""On-disk cache for things built from an OSM file (graphs, geocoder indexes).

Entries are keyed by the source file's content hash plus whatever else shaped the result
(profile, options, code version), so editing the extract or the profile never serves a stale
graph. Writes go to a temporary file first and are renamed into place, so a crash never leaves a
half-written entry behind.
"""

from __future__ import annotations

import hashlib
import os
import pickle
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

T = TypeVar("T")

_CHUNK_BYTES = 1 << 20


def file_sha256(path: Path) -> str:
    """Hex SHA-256 of a file's bytes.

    Parameters
    ----------
    path : Path
        File to hash.

    Returns
    -------
    str
        64 hex digits.
    """
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        while chunk := handle.read(_CHUNK_BYTES):
            digest.update(chunk)
    return digest.hexdigest()


def cache_key(*parts: Any) -> str:
    """Stable short key from any reprs (file hashes, profile dataclasses, version strings)."""
    return hashlib.sha256(repr(parts).encode()).hexdigest()[:24]


def cached(cache_dir: Path | None, name: str, key: str, build: Callable[[], T]) -> T:
    """Return the cached object for ``key`` or build, store and return it.

    Parameters
    ----------
    cache_dir : Path or None
        Cache directory (created if missing); ``None`` disables caching.
    name : str
        Kind of object, used as the file-name prefix (``graph``, ``geocoder``).
    key : str
        Output of :func:`cache_key`.
    build : callable
        Builds the object when there is no usable entry.

    Returns
    -------
    object
        The cached or freshly built object.
    """
    if cache_dir is None:
        return build()
    path = Path(cache_dir) / f"{name}-{key}.pickle"
    if path.exists():
        try:
            with open(path, "rb") as handle:
                return pickle.load(handle)
        except (OSError, pickle.UnpicklingError, EOFError, AttributeError, ImportError):
            path.unlink(missing_ok=True)  # unreadable or from older code: rebuild
    value = build()
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{name}-", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as handle:
            pickle.dump(value, handle, protocol=pickle.HIGHEST_PROTOCOL)
        os.replace(tmp, path)
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)
    return value
