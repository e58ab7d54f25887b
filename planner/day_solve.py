"""Planning a real day: PyVRP on the whole day (or on its parts), finished exactly, explained.

Real days have breaks, reload trips, pairs, several windows and skills. The work is shared:

1. **search**, in two steps on every core:

   a. PyVRP on the day model (:mod:`planner.pyvrp_day`): on the whole day its two views of the
      breaks side by side (windows closed early, :mod:`planner.break_model`, and shifts
      shortened, as PyVRP alone), or, above :data:`planner.zones.PART_STOPS` stops, one part
      of the day per task (:mod:`planner.zones`), parts spread over the worker processes.
      Small days (at most :data:`ORTOOLS_MAX_STOPS` stops) run the full OR-Tools model in
      place of the second view; it models every rule itself (exact break intervals);
   b. for the last :data:`WARM_SHARE` of the search, PyVRP on the whole day in the windows
      model again, started from those plans (:mod:`planner.pyvrp_warm`), one run per worker:
      the parts' rounds now cross their borders, and rounds that missed their breaks are
      mended by the search rather than cut back. Every plan of both steps is a candidate;
2. **finish** (:mod:`planner.finish`): every candidate is timed exactly (breaks placed), routes
   that do not ride are repaired, left-out stops inserted where they fit;
3. the best candidate that passes :meth:`planner.plan.Plan.check` wins; a candidate that fails
   its check is named in the plan's notes, and if none passes, :class:`PlanCheckError` is raised
   (never an empty plan in its place);
4. **reasons** (:mod:`planner.reasons`), with one more bike tried on the stops left out.
"""

from __future__ import annotations

import time
from dataclasses import replace

from planner.finish import EngineMismatchError, Finished, Finisher, to_raw
from planner.plan import Plan, Unassigned
from planner.portfolio import (
    RawResult,
    RawRoute,
    Task,
    check_stop,
    rank,
    run_tasks,
    to_plan,
)
from planner.problem import Problem, Vehicle
from planner.pyvrp_day import solve_day_pyvrp
from planner.reasons import explain_left_out, fleet_bound
from planner.zones import parts_needed, split_day

ORTOOLS_MAX_STOPS = 250
FINISH_SHARE = 0.12  # of the time limit kept for finishing, reasons and the extra-bike trial
#: Share of a real day's search spent on the whole day again, from the first plans: a split
#: day's rounds then cross the parts' borders, rounds that miss their breaks are repaired.
WARM_SHARE = 0.4
WARM_MIN_S = 2.0  # no second search when less than this is left


class PlanCheckError(RuntimeError):
    """No candidate plan passed its own check: a bug to report, never an empty plan."""


def _part_task(part: Problem, budget_s: float, seed: int) -> RawResult:
    return solve_day_pyvrp(part, budget_s, seed, engine="pyvrp-day")


def _pyvrp_task(problem: Problem, budget_s: float, seed: int, exact_breaks: bool) -> RawResult:
    engine = "pyvrp-day/" + ("breaks as windows" if exact_breaks else "shortened shifts")
    return solve_day_pyvrp(problem, budget_s, seed, engine, exact_breaks=exact_breaks)


def search(
    problem: Problem, params: object, budget_s: float, start: Plan | None = None
) -> list[tuple[str, RawResult]]:
    """Run the engines on ``problem`` for ``budget_s`` seconds; one raw answer per candidate.

    From a ``start`` plan only the second step runs: the whole day from that plan.
    """
    from planner.pyvrp_engine import pyvrp_supports, solve_pyvrp
    from planner.solve import STRATEGIES, solve_ortools

    workers = max(1, int(getattr(params, "workers", 2)))
    seed = int(getattr(params, "seed", 0))
    use_pyvrp = bool(getattr(params, "use_pyvrp", True))
    solution_limit = getattr(params, "solution_limit", None)
    n = len(problem.stops)
    k = parts_needed(n)
    if start is not None:
        from planner.pyvrp_warm import routes_of_plan

        engine = "pyvrp-day/the plan it started from"
        given = RawResult(engine, routes_of_plan(problem, start), note=start.summary.engine)
        first = [(engine, given)]
        return first + _search_warm(problem, first, budget_s, workers, seed)
    if not use_pyvrp or (pyvrp_supports(problem) and k == 1):
        # Benchmark-shaped problems (and runs without PyVRP): OR-Tools with one first-solution
        # strategy per worker, PyVRP's fleet-minimising engine as worker 1 where it applies.
        tasks: list[Task] = []
        for w in range(workers):
            if w == 1 and use_pyvrp:
                tasks.append((solve_pyvrp, (problem, budget_s, seed)))
                continue
            strategy = STRATEGIES[w % len(STRATEGIES)] if w != 1 else STRATEGIES[1]
            tasks.append((solve_ortools, (problem, budget_s, strategy, solution_limit)))
        raws = run_tasks(tasks)
        return [(r.engine, r) for r in raws]
    t_end = time.monotonic() + budget_s
    first_s = budget_s * (1.0 - WARM_SHARE)
    if k == 1:
        # Two views of the breaks: windows closed early (plans that ride as searched) and
        # shifts shortened (more optimistic: rounds that then miss their breaks are repaired).
        tasks = [(_pyvrp_task, (problem, first_s, seed + 1, True))]
        if workers > 1:
            if n <= ORTOOLS_MAX_STOPS:
                tasks.append((solve_ortools, (problem, first_s, "PARALLEL_CHEAPEST_INSERTION")))
            else:
                tasks.append((_pyvrp_task, (problem, first_s, seed, False)))
        for extra in range(2, workers):
            tasks.append((_pyvrp_task, (problem, first_s, seed + extra, extra % 2 == 0)))
        first = [(r.engine, r) for r in run_tasks(tasks)]
    else:
        first = [_search_parts(problem, k, first_s, workers, seed)]
    return first + _search_warm(problem, first, t_end - time.monotonic(), workers, seed)


def _search_parts(
    problem: Problem, k: int, budget_s: float, workers: int, seed: int
) -> tuple[str, RawResult]:
    """The day split in ``k`` parts, each searched apart, the parts' rounds put together."""
    parts = split_day(problem, k)
    per_part_s = budget_s * min(workers, k) / k
    tasks = [(_part_task, (part, per_part_s, seed)) for part, _ in parts]
    raws = run_tasks(tasks, processes=workers)
    merged: list[RawRoute] = []
    notes = []
    for (_part, vmap), raw in zip(parts, raws, strict=True):
        if raw.routes is None:
            notes.append(f"part of {len(_part.stops)} stops: {raw.note}")
            continue
        for r in raw.routes:
            merged.append(replace(r, vehicle_index=vmap[r.vehicle_index]))
    engine = f"pyvrp-day/{k} parts"
    return engine, RawResult(engine, tuple(merged), note="; ".join(notes))


def _warm_task(problem: Problem, budget_s: float, seed: int, start: RawResult) -> RawResult:
    engine = "pyvrp-day/whole day from " + start.engine.removeprefix("pyvrp-day/")
    return solve_day_pyvrp(problem, budget_s, seed, engine, initial=start.routes)


def _search_warm(
    problem: Problem, first: list[tuple[str, RawResult]], budget_s: float, workers: int, seed: int
) -> list[tuple[str, RawResult]]:
    """The whole day searched again from the first plans, one run per worker (see WARM_SHARE)."""
    starts = [raw for _, raw in first if raw.routes]
    if budget_s < WARM_MIN_S or not starts:
        return []
    tasks: list[Task] = [
        (_warm_task, (problem, budget_s, seed + 11 + w, starts[w % len(starts)]))
        for w in range(workers)
    ]
    return [(r.engine, r) for r in run_tasks(tasks)]


def extra_bike_trial(
    problem: Problem, left_out: list[str], budget_s: float, seed: int
) -> set[str] | None:
    """Which of ``left_out`` one more bike (like the longest-shift bike) takes when tried."""
    if not left_out or not problem.vehicles or budget_s < 0.2:
        return None
    ids = set(left_out)
    partner = problem.partner()
    ids |= {partner[s] for s in list(ids) if s in partner}
    model: Vehicle = max(problem.vehicles, key=lambda v: v.shift.end_s - v.shift.start_s)
    bike = replace(model, id="one more bike")
    trial = replace(
        problem,
        stops=tuple(s for s in problem.stops if s.id in ids),
        vehicles=(bike,),
        pairs=tuple(pr for pr in problem.pairs if pr.pickup_id in ids),
        frozen=(),
    )
    raw = solve_day_pyvrp(trial, budget_s * 0.7, seed, engine="extra-bike")
    if raw.routes is None:
        return set()
    done = Finisher(trial, time.monotonic() + budget_s * 0.3).finish(raw)
    return {sid for seq, _ in done.routes.values() for sid in seq if sid is not None}


def solve_real_day(
    problem: Problem, params: object, t0: float, *, start: Plan | None = None
) -> Plan:
    """Plan ``problem`` within ``params.time_limit_s`` of ``t0`` (see the module docstring);
    from ``start`` (a plan of this day), only the whole-day search from it."""
    from planner.pyvrp_engine import pyvrp_supports

    limit_s = float(getattr(params, "time_limit_s", 10.0))
    seed = int(getattr(params, "seed", 0))
    # A margin for what runs past its own deadline (timing every round, assembling the answer):
    # measured up to 2.2 s over at 2,000 stops (60 s) and 3 s at 5,000 (180 s), loaded machine.
    deadline = t0 + limit_s - min(6.0, 0.05 * limit_s)
    share = 0.04 if pyvrp_supports(problem) else FINISH_SHARE
    finish_s = min(max(0.2, share * limit_s), 0.5 * limit_s)
    budget = max(0.5, deadline - finish_s - time.monotonic())
    candidates = search(problem, params, budget, start)
    finished: list[tuple[Plan, Finished]] = []
    notes: list[str] = []
    for engine, raw in candidates:
        check_stop()  # the finishing steps run in this process: asked between them
        if raw.routes is None:
            notes.append(f"{engine} found no plan ({raw.note})")
            continue
        share = max(0.3, (deadline - time.monotonic()) / (2 * len(candidates)))
        try:
            fin = Finisher(problem, time.monotonic() + share).finish(
                raw, approximate_breaks=engine.startswith("pyvrp-day")
            )
        except EngineMismatchError as exc:
            notes.append(f"{engine}'s plan was not used: {exc}")
            continue
        plan = to_plan(problem, to_raw(fin, engine), _placeholder, time.monotonic() - t0)
        finished.append((plan, fin))
    if not finished:
        raise PlanCheckError("no usable plan: " + "; ".join(notes))
    passing = []
    for plan, fin in finished:
        errors = plan.check(problem)
        if errors:
            notes.append(
                f"{plan.summary.engine}'s plan failed its check and was not used: "
                + "; ".join(errors[:3])
            )
        else:
            passing.append((plan, fin))
    if not passing:
        raise PlanCheckError("every candidate plan failed its check: " + " | ".join(notes))
    plan, fin = min(passing, key=lambda pf: rank(problem, pf[0]))
    check_stop()
    finisher = Finisher(problem, deadline - 0.4 * finish_s)
    finisher.sweep(fin)
    if fin.inserted:
        plan = to_plan(problem, to_raw(fin, plan.summary.engine), _placeholder, 0.0)
        if plan.check(problem):
            raise PlanCheckError("the plan failed its check after the last insertions")
    left = [u.stop_id for u in plan.unassigned]
    check_stop()
    took = extra_bike_trial(problem, left, max(0.0, deadline - time.monotonic() - 0.2), seed)
    bound = fleet_bound(problem)
    unassigned = tuple(
        explain_left_out(
            problem,
            sid,
            fin.attempts.get(sid),
            bound=bound,
            extra_bike_took=None if took is None else sid in took,
        )
        for sid in left
    )
    if fin.repaired:
        notes.append(
            f"{fin.repaired} round(s) did not fit their breaks as searched and were repaired"
        )
    summary = replace(
        plan.summary,
        extra_bike_stops=None if took is None else len(took & set(left)),
        notes=tuple(notes) + tuple(fin.notes),
    )
    return replace(plan, unassigned=unassigned, summary=summary)


def _placeholder(problem: Problem, stop_id: str) -> Unassigned:
    return Unassigned(stop_id, "pending", "reason pending")
