"""A plan put back into PyVRP as a starting solution (a warm start).

A split day's parts are searched apart, so no round crosses a part's border and no part lends a
bike to its neighbour; and a plan searched in the shortened-shift model may miss its breaks.
Either plan is a good start for one more search on the whole day in the windows model
(:mod:`planner.break_model`): PyVRP's iterated local search then moves stops across the
borders and repairs rounds that miss their breaks, and keeps the best plan it sees.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from typing import Any

from planner.plan import Plan
from planner.portfolio import RawRoute
from planner.problem import Problem
from planner.pyvrp_day import DayModel


def _window_gap(client: Any, start_s: int) -> int:
    """How far ``start_s`` lies outside the client's window (0 inside)."""
    if client.tw_early <= start_s <= client.tw_late:
        return 0
    return min(abs(start_s - client.tw_early), abs(start_s - client.tw_late))


def initial_solution(model: DayModel, routes: Sequence[RawRoute]) -> Any:
    """The PyVRP solution of ``model`` that rides ``routes`` (stop order and reloads kept).

    Parameters
    ----------
    model : DayModel
        The whole day's model (:func:`planner.pyvrp_day.build_day_model`).
    routes : sequence of RawRoute
        Routes on the same problem's bikes (``vehicle_index`` into its vehicles), as read from
        PyVRP (:func:`planner.pyvrp_day.read_routes`), frozen visits left out. A stop with
        several windows takes the copy whose window holds its planned start (else the nearest);
        stops the model does not hold (windows passed) are left out.

    Returns
    -------
    pyvrp.Solution
        Possibly infeasible in ``model`` (then the search repairs it).
    """
    import pyvrp
    from pyvrp._pyvrp import Activity, ActivityType

    data = model.data
    clients = data.clients()
    copies: dict[str, list[int]] = defaultdict(list)
    for ci, client_stop in enumerate(model.clients):
        copies[client_stop].append(ci)
    shipment_step: dict[str, Any] = {}
    for si, (pickup, delivery) in enumerate(model.shipments):
        shipment_step[pickup] = Activity(ActivityType.PICKUP, si)
        shipment_step[delivery] = Activity(ActivityType.DELIVERY, si)
    type_of = {vi: t for t, members in enumerate(model.types) for vi in members}
    out = []
    for route in routes:
        t = type_of.get(route.vehicle_index)
        if t is None:
            continue
        reload_depots = data.vehicle_type(t).reload_depots
        acts: list[Any] = []
        for sid, start_s in route.sequence:
            if sid is None:
                # A reload: kept between two visits only (PyVRP starts and ends at its depots).
                if reload_depots and acts and not acts[-1].is_depot():
                    acts.append(Activity(ActivityType.DEPOT, reload_depots[0]))
            elif sid in shipment_step:
                acts.append(shipment_step[sid])
            elif sid in copies:
                best = min(copies[sid], key=lambda ci: _window_gap(clients[ci], start_s))
                acts.append(Activity(ActivityType.CLIENT, best))
        while acts and acts[-1].is_depot():
            acts.pop()
        if acts:
            out.append(pyvrp.Route(data, acts, t))
    return pyvrp.Solution(data, out)


def routes_of_plan(problem: Problem, plan: Plan) -> tuple[RawRoute, ...]:
    """A finished plan's rounds as engine routes on ``problem`` (a start for the search).

    Frozen visits and stops ``problem`` does not hold are left out (the search plans around
    them); a bike ``problem`` does not have is left out with its round.
    """
    index = {v.id: i for i, v in enumerate(problem.vehicles)}
    known = {s.id for s in problem.stops} - problem.frozen_ids()
    out = []
    for route in plan.routes:
        vi = index.get(route.vehicle_id)
        if vi is None:
            continue
        seq = tuple(
            (v.stop_id, v.start_s) for v in route.visits if v.stop_id is None or v.stop_id in known
        )
        out.append(RawRoute(vi, seq, route.start_s, route.end_s))
    return tuple(out)
