"""A search asked to stop ends its processes and gives no plan; its processes die with it."""

from __future__ import annotations

import ctypes
import os
import signal
import time
from collections.abc import Iterator
from pathlib import Path
from types import FrameType

import pytest

from planner import day_solve
from planner.portfolio import RawResult, SearchStoppedError, run_tasks, stopping
from planner.problem import Problem, Stop
from planner.solve import SolveParams, solve
from tests.planner.street import bike, line_problem
from tests.waiting import hang_guard

_PR_GET_PDEATHSIG = 2


def sleepy_engine(problem: Problem, pid_file: str) -> RawResult:
    """An engine that says where it runs, then searches for a minute."""
    Path(pid_file).write_text(str(os.getpid()))
    time.sleep(60)
    return RawResult("sleepy", ())


def telling_engine(problem: Problem) -> RawResult:
    """An engine that tells how its process takes SIGTERM and its parent's death."""
    death = ctypes.c_int(0)
    ctypes.CDLL(None).prctl(_PR_GET_PDEATHSIG, ctypes.byref(death), 0, 0, 0)
    return RawResult("telling", (), note=f"{signal.getsignal(signal.SIGTERM)} {death.value}")


def _ignore(_signum: int, _frame: FrameType | None) -> None:
    """A SIGTERM handler like a web server's: take note, carry on."""


@pytest.fixture
def server_like_sigterm() -> Iterator[None]:
    """This process handles SIGTERM in Python, as uvicorn does."""
    before = signal.signal(signal.SIGTERM, _ignore)
    yield
    signal.signal(signal.SIGTERM, before)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    status = Path(f"/proc/{pid}/status").read_text()
    return "zombie" not in status


def test_a_stopped_search_ends_its_processes(tmp_path: Path, server_like_sigterm: None) -> None:
    """A one-minute search in two processes, asked to stop once both are searching: the search
    raises SearchStoppedError, and neither search process is still alive, although this process
    (like a web server) answers SIGTERM itself."""
    p = line_problem([0, 1], [Stop("a", 1)], [bike()])
    files = [tmp_path / "one.pid", tmp_path / "two.pid"]
    deadline = time.monotonic() + 120

    def both_searching() -> bool:
        hang_guard(deadline, "the search processes never started")
        return all(f.exists() and f.read_text() for f in files)

    with pytest.raises(SearchStoppedError), stopping(both_searching):
        run_tasks([(sleepy_engine, (p, str(f))) for f in files])
    pids = [int(f.read_text()) for f in files]
    assert not any(_alive(pid) for pid in pids)


def test_one_task_runs_apart_when_it_may_be_stopped(tmp_path: Path) -> None:
    """Even a single search runs in a process of its own when it may be stopped, so it is
    stopped too."""
    p = line_problem([0, 1], [Stop("a", 1)], [bike()])
    pid_file = tmp_path / "one.pid"
    deadline = time.monotonic() + 120

    def searching() -> bool:
        hang_guard(deadline, "the search process never started")
        return pid_file.exists() and bool(pid_file.read_text())

    with pytest.raises(SearchStoppedError), stopping(searching):
        run_tasks([(sleepy_engine, (p, str(pid_file)))])
    assert int(pid_file.read_text()) != os.getpid()
    assert not _alive(int(pid_file.read_text()))


def test_search_processes_take_sigterm_and_die_with_their_parent(
    server_like_sigterm: None,
) -> None:
    """The search processes end on SIGTERM whatever handler their parent had, and are killed
    (SIGKILL) when their parent dies."""
    p = line_problem([0, 1], [Stop("a", 1)], [bike()])
    answers = run_tasks([(telling_engine, (p,)), (telling_engine, (p,))])
    assert [a.note for a in answers] == [f"{signal.SIG_DFL} {int(signal.SIGKILL)}"] * 2


def test_solve_asked_to_stop_gives_no_plan() -> None:
    """solve() with a minute to search, asked to stop after its engines started: SearchStoppedError
    instead of a plan."""
    p = line_problem([0, 1, 2, 3], [Stop("a", 1), Stop("b", 2), Stop("c", 3)], [bike()])
    asked: list[float] = []
    deadline = time.monotonic() + 120

    def after_a_few_polls() -> bool:
        hang_guard(deadline, "solve was never stopped")
        asked.append(time.monotonic())
        return len(asked) > 3

    with pytest.raises(SearchStoppedError):
        solve(p, SolveParams(time_limit_s=60, workers=2), should_stop=after_a_few_polls)
    assert len(asked) == 4  # asked while it searched, not only before


def test_solve_asked_to_stop_while_it_finishes_gives_no_plan(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Asked to stop only once the engines' search is over (while the plan is finished in
    this process): SearchStoppedError instead of a plan, not the finished plan."""
    searched: list[bool] = []
    real_search = day_solve.search

    def search_then_note(*args: object, **kwargs: object) -> object:
        found = real_search(*args, **kwargs)  # type: ignore[arg-type]
        searched.append(True)
        return found

    monkeypatch.setattr(day_solve, "search", search_then_note)
    p = line_problem([0, 1, 2, 3], [Stop("a", 1), Stop("b", 2), Stop("c", 3)], [bike()])
    with pytest.raises(SearchStoppedError):
        solve(p, SolveParams(time_limit_s=2, workers=2), should_stop=lambda: bool(searched))
    assert searched == [True]
