"""Watching a plan's search from outside: its search processes, waited for until they start
and until they are gone (each wait bounded by :func:`tests.waiting.hang_guard`)."""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from tests.waiting import hang_guard


def children(pid: int) -> list[int]:
    """The live processes whose parent is ``pid`` (read from /proc; zombies left out)."""
    found = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            text = stat.read_text()
        except OSError:  # ended while we looked
            continue
        state, parent = text.rsplit(")", 1)[1].split()[:2]
        if int(parent) == pid and state != "Z":
            found.append(int(stat.parent.name))
    return sorted(found)


def wait_searching(
    view: Callable[[], dict[str, Any]],
    stage: str,
    parent: Callable[[], int],
    deadline: float,
    at_least: int = 1,
) -> list[int]:
    """Wait until the plan (``view()``) is running at a stage starting with ``stage`` and the
    planning process (``parent()``) has ``at_least`` search processes; returns their pids."""
    while True:
        now = view()
        assert now["status"] in ("queued", "running"), now
        if now["status"] == "running" and now["progress"]["stage"].startswith(stage):
            searching = children(parent())
            if len(searching) >= at_least:
                return searching
        hang_guard(deadline, f"no {at_least} search process(es) seen: {now}")
        time.sleep(0.2)


def wait_gone(pids: list[int], deadline: float, what: str | Callable[[], str]) -> None:
    """Wait until none of ``pids`` is alive (a zombie counts as gone)."""

    def alive(pid: int) -> bool:
        try:
            text = Path(f"/proc/{pid}/stat").read_text()
        except OSError:
            return False
        return text.rsplit(")", 1)[1].split()[0] != "Z"

    while any(alive(pid) for pid in pids):
        hang_guard(deadline, what)
        time.sleep(0.2)
