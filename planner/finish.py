"""From an engine's routes to a plan that keeps every rule: exact times, repairs, insertions.

An engine answer is a visit order per bike. Finishing it:

1. **times** every route exactly (:mod:`planner.schedule`: windows, breaks, shift, loads);
2. **repairs** a route that does not ride as given (e.g. a break that does not fit where the
   engine's approximation assumed it would) by taking out the stop that breaks it, or the one
   whose removal saves most time, until it rides — every stop taken out is recorded;
3. **inserts** left-out stops (the engine's and the repair's) where they fit best, in any
   route or on an unused bike, most important first;
4. for every stop still out, keeps the **closest failure** found while trying to insert it
   (which bike, which rule, by how much), and whether every place in every round was tried:
   the material for an honest reason (:mod:`planner.reasons`).
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass, field

from planner.portfolio import RawResult, RawRoute
from planner.problem import Problem
from planner.schedule import Failure, RouteTimer, Timed, check_static, relaxed_ids

_CANDIDATES = 10  # best-detour positions tried per route for each insertion


@dataclass
class Attempts:
    """What trying to insert one stop found."""

    tried: int = 0
    complete: bool = True  # every route and every position was tried
    failures: list[tuple[int, Failure]] = field(default_factory=list)  # (vehicle, failure)


@dataclass
class Finished:
    """Exactly timed routes, the stops left out, and what was tried for each."""

    routes: dict[int, tuple[list[str | None], Timed]]
    dropped: list[str]
    attempts: dict[str, Attempts]
    repaired: int = 0
    inserted: int = 0
    notes: list[str] = field(default_factory=list)


class EngineMismatchError(RuntimeError):
    """An engine's route breaks a rule the engine claims to model: its plan cannot be used."""


class Finisher:
    """Holds per-bike timers and the current routes while finishing one engine answer."""

    def __init__(self, problem: Problem, deadline: float) -> None:
        self.p = problem
        self.deadline = deadline
        self.timers = [RouteTimer(problem, vi) for vi in range(len(problem.vehicles))]
        self.partner = problem.partner()
        self.frozen_of = {fr.vehicle_id: fr.stop_ids for fr in problem.frozen}
        self.relaxed = relaxed_ids(problem)

    def time(self, vi: int, seq: Sequence[str | None]) -> Timed | Failure:
        """Exact timing of ``seq`` on bike ``vi`` (static rules first)."""
        bad = check_static(self.p, vi, seq)
        if bad is not None:
            return bad
        return self.timers[vi].time(seq)

    def feasible_fast(self, vi: int, seq: Sequence[str | None]) -> Timed | Failure:
        """Like :meth:`time` but without moving the departure (feasibility, not working time)."""
        bad = check_static(self.p, vi, seq)
        if bad is not None:
            return bad
        return self.timers[vi].time(seq, least_working_time=False)

    def finish(self, raw: RawResult, *, approximate_breaks: bool = False) -> Finished:
        """Finish ``raw`` (see the module docstring).

        Parameters
        ----------
        raw : RawResult
        approximate_breaks : bool
            The engine planned without exact breaks (PyVRP): a route that rides without its
            breaks but not with them is repaired. Any other broken rule — and any broken route
            of an engine that models breaks — raises :class:`EngineMismatchError`: a fallback must
            never hide a model that lost a rule.

        Raises
        ------
        EngineMismatchError
        """
        self.approximate_breaks = approximate_breaks
        p = self.p
        routes: dict[int, list[str | None]] = {}
        seen: set[str] = set()
        for r in raw.routes or ():
            frozen = list(self.frozen_of.get(p.vehicles[r.vehicle_index].id, ()))
            rest = [sid for sid, _ in r.sequence if sid is None or sid not in frozen]
            routes[r.vehicle_index] = [*frozen, *rest]
            seen.update(x for x in routes[r.vehicle_index] if x is not None)
        for vi, v in enumerate(p.vehicles):
            if v.id in self.frozen_of and vi not in routes:
                routes[vi] = list(self.frozen_of[v.id])
                seen.update(self.frozen_of[v.id])
        out = Finished(routes={}, dropped=[], attempts={})
        dropped: list[str] = [s.id for s in p.stops if s.id not in seen]
        # Partners of frozen pickups ride with them: insert them on that bike first.
        tied_first: list[tuple[str, int]] = []
        vindex = {v.id: vi for vi, v in enumerate(p.vehicles)}
        for fr in p.frozen:
            for sid in fr.stop_ids:
                other = self.partner.get(sid)
                if other is not None and other not in seen:
                    tied_first.append((other, vindex[fr.vehicle_id]))
                    dropped.remove(other)
        for vi, seq in routes.items():
            timed, removed = self._repair(vi, _trim(seq))
            out.routes[vi] = self._drop_idle_reloads(vi, *timed)
            if removed:
                out.repaired += 1
                dropped += removed
        for sid, vi in tied_first:
            if not self._insert_into(out, sid, only=vi):
                out.notes.append(f"{sid} (partner of a frozen pickup) found no place on its bike")
                dropped.append(sid)
        # Most important first, then those with the fewest options (narrow windows).
        dropped = list(dict.fromkeys(dropped))
        order = sorted(
            (d for d in dropped if not self._is_delivery_half(d)),
            key=lambda d: (-self._penalty(d), _window_width(p, d)),
        )
        for sid in order:
            if time.monotonic() > self.deadline:
                out.attempts.setdefault(sid, Attempts(complete=False))
                out.dropped.append(sid)
                continue
            if self._insert_into(out, sid):
                out.inserted += 1 + (sid in self.partner)
            else:
                out.dropped.append(sid)
        for sid in dropped:
            if self._is_delivery_half(sid) and self.partner[sid] in out.dropped:
                out.dropped.append(sid)
                out.attempts[sid] = out.attempts.get(self.partner[sid], Attempts())
        return out

    def _drop_idle_reloads(
        self, vi: int, seq: list[str | None], timed: Timed
    ) -> tuple[list[str | None], Timed]:
        """Take out reloads the round does not need (it rides as well or faster without)."""
        k = 0
        while k < len(seq):
            if seq[k] is None:
                shorter = _trim(seq[:k] + seq[k + 1 :])
                again = self.time(vi, shorter)
                if isinstance(again, Timed) and again.duration_s <= timed.duration_s:
                    seq, timed = shorter, again
                    continue
            k += 1
        return seq, timed

    def _penalty(self, sid: str) -> int:
        pen = self.p.penalty_of(self.p.stop(sid))
        if sid in self.partner:
            pen += self.p.penalty_of(self.p.stop(self.partner[sid]))
        return pen

    def _is_delivery_half(self, sid: str) -> bool:
        return sid in self.partner and self.p.stop(sid).kind.value == "delivery"

    def _repair(
        self, vi: int, seq: list[str | None]
    ) -> tuple[tuple[list[str | None], Timed], list[str]]:
        removed: list[str] = []
        n_frozen = len(self.frozen_of.get(self.p.vehicles[vi].id, ()))
        first = True
        while True:
            timed = self.time(vi, seq)
            if isinstance(timed, Timed):
                return (seq, timed), removed
            if first:
                first = False
                who = self.p.vehicles[vi].id
                if not getattr(self, "approximate_breaks", False):
                    raise EngineMismatchError(f"{who}'s round breaks a rule: {timed.reason}")
                without = check_static(self.p, vi, seq) or RouteTimer(
                    self.p, vi, ignore_breaks=True
                ).time(seq)
                if isinstance(without, Failure):
                    raise EngineMismatchError(
                        f"{who}'s round breaks a rule even without breaks: {without.reason}"
                    )
            movable = [k for k, sid in enumerate(seq) if sid is not None and k >= n_frozen]
            movable = [k for k in movable if seq[k] not in self.relaxed]
            if not movable:
                raise RuntimeError(
                    f"{self.p.vehicles[vi].id}: frozen visits cannot be ridden: {timed.reason}"
                )
            if timed.stop_id is not None and timed.stop_id in seq[n_frozen:]:
                victim = timed.stop_id
            else:
                victim = self._costliest(vi, seq, movable)
            gone = {victim, self.partner.get(victim, victim)}
            seq = _trim([x for x in seq if x not in gone])
            removed += sorted(gone)

    def _costliest(self, vi: int, seq: list[str | None], movable: list[int]) -> str:
        dur = self.p.duration_s
        v = self.p.vehicles[vi]
        places = (
            [v.start_place]
            + [v.end_place if x is None else self.p.stop(x).place for x in seq]
            + [v.end_place]
        )
        best, victim = -1, ""
        for k in movable:
            a, b, c = places[k], places[k + 1], places[k + 2]
            sid = seq[k]
            assert sid is not None
            saving = dur[a][b] + dur[b][c] - dur[a][c] + self.p.stop(sid).service_s
            if saving > best:
                best, victim = saving, sid
        return victim

    def sweep(self, out: Finished) -> None:
        """Try every place in every round for each stop still out, until the deadline."""
        still: list[str] = []
        for sid in out.dropped:
            if self._is_delivery_half(sid):
                continue
            if time.monotonic() > self.deadline:
                still.append(sid)
                continue
            if self._insert_into(out, sid, full=True):
                out.inserted += 1 + (sid in self.partner)
            else:
                still.append(sid)
        kept = set(still)
        kept |= {self.partner[s] for s in still if s in self.partner}
        out.dropped = [s for s in out.dropped if s in kept]
        for sid in out.dropped:
            if self._is_delivery_half(sid):
                out.attempts[sid] = out.attempts.get(self.partner[sid], Attempts())

    def _insert_into(
        self, out: Finished, sid: str, only: int | None = None, full: bool = False
    ) -> bool:
        """Insert ``sid`` (and its partner after it) where it adds least working time.

        Only the best-detour places of each round are tried unless ``full``; a full try over
        every place of every round is what may later prove that the fleet is full.
        """
        p = self.p
        if full:
            out.attempts[sid] = Attempts()
        att = out.attempts.setdefault(sid, Attempts())
        limit = 10**9 if full else _CANDIDATES
        other = self.partner.get(sid)
        s = p.stop(sid)
        bikes = range(len(p.vehicles)) if only is None else [only]
        best: tuple[int, int, list[str | None], Timed] | None = None
        dur = p.duration_s
        for vi in bikes:
            v = p.vehicles[vi]
            if not s.skills <= v.skills:
                att.failures.append(
                    (vi, Failure("skill", sid, f"{v.id} lacks {', '.join(sorted(s.skills))}"))
                )
                continue
            seq, timed = out.routes.get(vi, ([], None))
            base = timed.duration_s if timed is not None else 0
            n_frozen = len(self.frozen_of.get(v.id, ()))
            places = (
                [v.start_place]
                + [v.end_place if x is None else p.stop(x).place for x in seq]
                + [v.end_place]
            )
            positions = range(n_frozen, len(seq) + 1)
            detour = sorted(
                positions,
                key=lambda k: (
                    dur[places[k]][s.place]
                    + dur[s.place][places[k + 1]]
                    - dur[places[k]][places[k + 1]]
                ),
            )
            if len(detour) > limit:
                att.complete = False
            candidates: list[list[str | None]] = []
            spare_trip = seq.count(None) + 1 < v.max_trips
            for k in detour[:limit]:
                new = [*seq[:k], sid, *seq[k:]]
                if other is None:
                    candidates.append(new)
                    if spare_trip and k > n_frozen:
                        candidates.append([*seq[:k], None, sid, *seq[k:]])
                else:
                    # The partner goes after the pickup, on the same trip.
                    end = next((j for j in range(k + 1, len(new)) if new[j] is None), len(new))
                    if end - k > _CANDIDATES:
                        att.complete = False
                    for j in range(k + 1, min(end, k + 1 + _CANDIDATES) + 1):
                        candidates.append([*new[:j], other, *new[j:]])
            for cand in candidates:
                att.tried += 1
                timed_new = self.feasible_fast(vi, cand)
                if isinstance(timed_new, Failure):
                    att.failures.append((vi, timed_new))
                    continue
                exact = self.time(vi, cand)
                if isinstance(exact, Failure):
                    att.failures.append((vi, exact))
                    continue
                added = exact.duration_s - base
                if best is None or added < best[0]:
                    best = (added, vi, cand, exact)
        if best is None:
            return False
        _, vi, cand, exact = best
        out.routes[vi] = (cand, exact)
        return True


def _trim(seq: list[str | None]) -> list[str | None]:
    """Drop reloads that start no trip (leading, trailing or repeated)."""
    out: list[str | None] = []
    for sid in seq:
        if sid is None and (not out or out[-1] is None):
            continue
        out.append(sid)
    while out and out[-1] is None:
        out.pop()
    return out


def _window_width(problem: Problem, sid: str) -> int:
    ws = problem.stop(sid).windows
    return sum(w.end_s - w.start_s for w in ws) if ws else 10**9


def to_raw(finished: Finished, engine: str) -> RawResult:
    """The finished routes as a :class:`RawResult` (times and breaks from the exact timing)."""
    routes = []
    for vi, (_seq, timed) in sorted(finished.routes.items()):
        if not timed.visits:
            continue
        routes.append(RawRoute(vi, timed.visits, timed.start_s, timed.end_s, timed.breaks))
    return RawResult(engine, tuple(routes), tuple(finished.dropped))
