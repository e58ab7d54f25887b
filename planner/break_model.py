"""Breaks for an engine without them: close windows early enough that the breaks always fit.

PyVRP has no breaks. Shortening each shift by its breaks is not enough: a stop reached just
before its window closes is late once a break is taken before it. :func:`break_cut` says how
much earlier each window must close in the engine's model so that any plan feasible there
rides with its breaks placed exactly (:mod:`planner.schedule`).

The argument, for the common case of one break shared by the fleet (window ``[ws, we]``,
``b`` seconds): pick a *switch* time ``T`` in ``[ws, we - longest service]``. In the model's
clock (no break), the courier takes the break right after the last visit that starts at or
before ``T`` (so it starts between ``ws`` and ``we``). Visits before it keep their times;
visits after it are at most ``b`` later. So a window ``[a, l]`` that closes by ``T`` stays as
it is; one that opens after ``T`` is served after the break, and becomes
``[max(a - b, T + 1), l - b]`` (the courier waits for ``a`` where the model's clock is
early; ``[a, l - b]`` if some bikes have no break: they would wait and be late after); one
around ``T`` becomes ``[a, max(l - b, T)]`` (served either before the break, up to ``T``, or
after it, up to ``l - b``). ``T`` is chosen to cut the windows least.
Bikes with other or several breaks get the plain rule (``T`` at each break window's start,
cut by the most any bike's breaks opening before the window closes add up to); bikes without
breaks are only constrained more than needed.

For one shared break this holds for every plan (``tests/planner/test_break_model.py`` tries it
on random days). The plain rule is not proved: a round it lets through that does not ride is
caught by the exact timing, repaired, and counted in the plan's notes.
"""

from __future__ import annotations

from dataclasses import dataclass

from planner.problem import Problem


@dataclass(frozen=True)
class BreakCut:
    """How windows close in a break-less model (see the module docstring).

    Attributes
    ----------
    switch_s : int or None
        ``T`` for a fleet sharing one break; ``None`` when the plain rule applies.
    duration_s : int
        That break's duration (0 with the plain rule).
    table : tuple of (int, int)
        The plain rule: ``(break window start, seconds owed)`` sorted by start.
    early_too : bool
        Every bike takes that break, so windows after it may open ``duration_s`` earlier on
        the model's clock (a bike without the break would wait at the real opening and be late
        for what follows).
    """

    switch_s: int | None
    duration_s: int
    table: tuple[tuple[int, int], ...]
    early_too: bool = False

    def window(self, early_s: int, late_s: int) -> tuple[int, int] | None:
        """The model's window for ``[early_s, late_s]``; ``None`` if no visit in it is safe."""
        if self.switch_s is not None:
            t, b = self.switch_s, self.duration_s
            if late_s <= t:
                return early_s, late_s  # before the break only
            if early_s > t:
                # After the break only: the model's clock runs up to b behind the courier's.
                if self.early_too:
                    early_s = max(early_s - b, t + 1)
                late_s -= b
            else:
                late_s = max(late_s - b, t)  # either side of the break
        else:
            cut = 0
            for start_s, owed_s in self.table:
                if late_s > start_s:
                    cut = owed_s
            late_s -= cut
        return (early_s, late_s) if early_s <= late_s else None


NO_CUT = BreakCut(None, 0, ())


def break_cut(problem: Problem) -> BreakCut:
    """The window rule that makes room for ``problem``'s breaks (see the module docstring).

    Returns
    -------
    BreakCut
        :data:`NO_CUT` when no bike has a break.
    """
    with_breaks = [v.breaks for v in problem.vehicles if v.breaks]
    if not with_breaks:
        return NO_CUT
    if all(len(bs) == 1 and bs == with_breaks[0] for bs in with_breaks):
        brk = with_breaks[0][0]
        longest_s = max(
            [s.service_s for s in problem.stops]
            + [v.reload_s for v in problem.vehicles if v.max_trips > 1]
            + [0]
        )
        ws, we, b = brk.window.start_s, brk.window.end_s, brk.duration_s
        ends = [w.end_s for s in problem.stops for w in s.windows]
        candidates = sorted({ws} | {e for e in ends if ws <= e <= we - longest_s})

        def loss(t: int) -> int:
            return sum(e - max(e - b, t) for e in ends if e > t)

        switch = min(candidates, key=lambda t: (loss(t), t))
        return BreakCut(switch, b, (), early_too=len(with_breaks) == len(problem.vehicles))
    starts = sorted({b.window.start_s for bs in with_breaks for b in bs})
    table = tuple(
        (w, max(sum(b.duration_s for b in bs if b.window.start_s <= w) for bs in with_breaks))
        for w in starts
    )
    return BreakCut(None, 0, table)
