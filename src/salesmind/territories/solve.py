"""Solve the assignment exactly as a mixed-integer programme with HiGHS (through ``highspy``).

Exact reduction: unlocked accounts with the same cell and the same value are interchangeable (same expected
value for every rep, same load), so one integer variable ``x[r, g]`` counts the accounts of group ``g`` given to
rep ``r`` instead of one binary per (rep, account); candidates are only the reps eligible for the group's cell
(its region when ``same_region``). The move cost is kept exact with a continuous ``y[o, g]`` <= ``x[o, g]``,
``y[o, g]`` <= (accounts of ``g`` owned by ``o``): the accounts that stay with their owner (at an optimum ``y`` is
``min(x, n)``, an integer). Balance uses one continuous total per balance group: ``(1 - b) T / n <= load_r <=
(1 + b) T / n``. Locked accounts are constants in every load.

With ``value_bands = 0`` the programme is the original problem (no approximation); the answer is optimal up to
the relative gap HiGHS proves (``mip_gap``, reported). With ``value_bands = n`` values are replaced by their band
mean per cell first: the optimum is then exact for the banded values only, and every reported objective is
recomputed on the true values.
"""

from __future__ import annotations

import os
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

import highspy
import numpy as np
from scipy import sparse
from scipy.optimize import Bounds, LinearConstraint

from salesmind.core.errors import UserInputError
from salesmind.territories.problem import TerritoryProblem
from salesmind.territories.repair import rebalance

SOLVER = f"highs-{highspy.HIGHS_VERSION_MAJOR}.{highspy.HIGHS_VERSION_MINOR}.{highspy.HIGHS_VERSION_PATCH}"
CONSTRAINTS = ("capacity", "capacity_value", "balance")


@dataclass(frozen=True)
class Groups:
    """Interchangeable unlocked accounts: cell, (banded) value and member account indices per group."""

    cell: np.ndarray
    value: np.ndarray
    members: list[np.ndarray]

    @property
    def count(self) -> np.ndarray:
        """Accounts per group."""
        return np.array([len(m) for m in self.members], int)


@dataclass(frozen=True)
class Solution:
    """The optimiser's assignment (rep index per account) and what the solver proved about it."""

    assign: np.ndarray
    status: str
    mip_gap: float
    dual_bound: float
    net_objective: float
    solve_seconds: float
    variables: int
    groups: int
    exact: bool


def _banded(values: np.ndarray, bands: int) -> np.ndarray:
    if bands <= 0 or len(values) <= bands:
        return values
    edges = np.quantile(values, np.linspace(0, 1, bands + 1)[1:-1])
    band = np.searchsorted(edges, values, side="right")
    means = np.bincount(band, weights=values) / np.maximum(np.bincount(band), 1)
    return means[band]


def group_accounts(problem: TerritoryProblem) -> Groups:
    """Group the unlocked accounts by (cell, value), values banded first when ``value_bands`` > 0."""
    free = np.flatnonzero(~problem.locked)
    value = problem.value.copy()
    for c in np.unique(problem.cell[free]):
        idx = free[problem.cell[free] == c]
        value[idx] = _banded(problem.value[idx], problem.settings.value_bands)
    keys: dict[tuple[int, float], list[int]] = {}
    for a in free:
        keys.setdefault((int(problem.cell[a]), float(value[a])), []).append(int(a))
    cells = np.array([k[0] for k in keys], int)
    values = np.array([k[1] for k in keys], float)
    return Groups(cells, values, [np.array(v, int) for v in keys.values()])


def _precheck(problem: TerritoryProblem, groups: Groups, eligible: np.ndarray) -> None:
    s = problem.settings
    orphan = [problem.cells[c][2] for c in groups.cell if not eligible[:, c].any()]
    if orphan:
        raise UserInputError(f"region constraint: no rep covers region(s) {', '.join(sorted(set(map(str, orphan))))}; "
                             "add a rep there or turn same-region off")
    held = problem.current[problem.locked]
    locked_count = np.bincount(held, minlength=problem.n_reps)
    if s.capacity is not None and locked_count.max(initial=0) > s.capacity:
        r = int(np.argmax(locked_count))
        raise UserInputError(f"capacity constraint: {problem.rep_names[r]} keeps {locked_count[r]} locked accounts, "
                             f"more than the capacity of {s.capacity}")
    if s.capacity is not None and len(problem.account_ids) > s.capacity * problem.n_reps:
        raise UserInputError(f"capacity constraint: {len(problem.account_ids)} accounts do not fit "
                             f"{problem.n_reps} reps x {s.capacity} accounts; raise the capacity")
    if s.capacity_value is not None and problem.value.sum() > s.capacity_value * problem.n_reps:
        raise UserInputError(f"capacity_value constraint: total account value {problem.value.sum():,.0f} exceeds "
                             f"{problem.n_reps} reps x {s.capacity_value:,.0f}; raise the value capacity")


def value_unit(problem: TerritoryProblem) -> float:
    """The mean account value (1 when there is none): the programme's unit of value."""
    mean = float(problem.value.mean()) if len(problem.value) else 0.0
    return mean if mean > 0 else 1.0


def _programme(problem: TerritoryProblem, groups: Groups, eligible: np.ndarray, use: set[str]):  # type: ignore[no-untyped-def]
    s = problem.settings
    R, count = problem.n_reps, groups.count
    pairs = [(r, g) for g in range(len(count)) for r in np.flatnonzero(eligible[:, groups.cell[g]])]
    xr = np.array([p[0] for p in pairs], int)
    xg = np.array([p[1] for p in pairs], int)
    index = {(int(r), int(g)): i for i, (r, g) in enumerate(pairs)}
    K = len(pairs)
    ys: list[tuple[int, int, int]] = []
    if s.move_cost > 0:
        for g, members in enumerate(groups.members):
            owners, n = np.unique(problem.current[members], return_counts=True)
            ys += [(int(o), g, int(k)) for o, k in zip(owners, n) if o >= 0 and (int(o), g) in index]
    M = len(ys)
    balance_groups = problem.balance_groups()
    G = int(balance_groups.max()) + 1 if "balance" in use and s.balance is not None else 0
    n = K + M + G
    unit = value_unit(problem)  # values in units of the mean account: row activities near 1 suit HiGHS's tolerances
    gv = groups.value / unit
    gain = gv[xg] * problem.prob[xr, groups.cell[xg]]
    c = np.concatenate([-gain, [-s.move_cost * gv[g] for _, g, _ in ys], np.zeros(G)])
    lb = np.zeros(n)
    ub = np.concatenate([count[xg].astype(float), [k for *_, k in ys], np.full(G, np.inf)])
    if s.capacity is not None and "capacity" in use:
        ub[:K] = np.minimum(ub[:K], s.capacity)
    integrality = np.concatenate([np.ones(K), np.zeros(M + G)])
    rows, cols, vals, lo, hi = [], [], [], [], []

    def add(columns, coefs, low, high) -> None:  # type: ignore[no-untyped-def]
        r = len(lo)
        rows.extend([r] * len(columns)), cols.extend(columns), vals.extend(coefs)
        lo.append(low), hi.append(high)

    order = np.argsort(xg, kind="stable")
    for g, part in enumerate(np.split(order, np.searchsorted(xg[order], np.arange(1, len(count))))):
        add(part, np.ones(len(part)), count[g], count[g])
    for j, (o, g, _) in enumerate(ys):
        add([K + j, index[(o, g)]], [1.0, -1.0], -np.inf, 0.0)
    held = problem.locked
    locked_count = np.bincount(problem.current[held], minlength=R)
    locked_value = np.bincount(problem.current[held], weights=problem.value[held], minlength=R) / unit
    by_rep = [np.flatnonzero(xr == r) for r in range(R)]
    if s.capacity is not None and "capacity" in use:
        for r in range(R):
            add(by_rep[r], np.ones(len(by_rep[r])), -np.inf, s.capacity - locked_count[r])
    if s.capacity_value is not None and "capacity_value" in use:
        for r in range(R):
            add(by_rep[r], gv[xg[by_rep[r]]], -np.inf, s.capacity_value / unit - locked_value[r])
    if G:
        b = s.balance
        for grp in range(G):
            reps = np.flatnonzero(balance_groups == grp)
            cols_g = np.concatenate([by_rep[r] for r in reps])
            add(list(cols_g) + [K + M + grp], list(gv[xg[cols_g]]) + [-1.0],
                -locked_value[reps].sum(), -locked_value[reps].sum())
            for r in reps:
                columns = list(by_rep[r]) + [K + M + grp]
                coefs = list(gv[xg[by_rep[r]]])
                add(columns, coefs + [-(1 + b) / len(reps)], -np.inf, -locked_value[r])
                add(columns, coefs + [-(1 - b) / len(reps)], -locked_value[r], np.inf)
    A = sparse.csr_array((vals, (rows, cols)), shape=(len(lo), n))
    return c, integrality, Bounds(lb, ub), LinearConstraint(A, lo, hi), (xr, xg, K, ys, unit)


@dataclass(frozen=True)
class _Result:
    status: str  # optimal | infeasible | time_limit | other
    x: np.ndarray | None
    fun: float
    mip_gap: float
    dual_bound: float
    message: str


@contextmanager
def _quiet_stdout() -> Iterator[None]:
    """HiGHS prints its banner to the process's stdout when the first instance is built (it would corrupt
    ``--json`` output), before any option can turn logging off."""
    sys.stdout.flush()
    saved, null = os.dup(1), os.open(os.devnull, os.O_WRONLY)
    os.dup2(null, 1)
    try:
        yield
    finally:
        os.dup2(saved, 1)
        os.close(saved)
        os.close(null)


def _highs() -> highspy.Highs:
    with _quiet_stdout():
        h = highspy.Highs()
    h.silent()
    return h


def _run(c: np.ndarray, integrality: np.ndarray, bounds: Bounds, cons: LinearConstraint, time_limit: float,
         gap: float = 1e-4, start: np.ndarray | None = None, solver: str | None = None) -> _Result:
    """Minimise ``c @ x`` under the bounds and constraints with HiGHS, from ``start`` when given."""
    h = _highs()
    if solver:
        h.setOptionValue("solver", solver)
    h.setOptionValue("output_flag", False)
    h.setOptionValue("time_limit", float(time_limit))
    h.setOptionValue("mip_rel_gap", float(gap))
    h.setOptionValue("threads", 1)
    A = sparse.csc_array(cons.A)
    lp = highspy.HighsLp()
    lp.num_col_, lp.num_row_ = len(c), A.shape[0]
    lp.col_cost_, lp.col_lower_, lp.col_upper_ = np.asarray(c, float), bounds.lb, bounds.ub
    lp.row_lower_ = np.asarray(cons.lb, float)
    lp.row_upper_ = np.asarray(cons.ub, float)
    lp.a_matrix_.format_ = highspy.MatrixFormat.kColwise
    lp.a_matrix_.start_, lp.a_matrix_.index_, lp.a_matrix_.value_ = A.indptr, A.indices, A.data
    lp.integrality_ = [highspy.HighsVarType.kInteger if i else highspy.HighsVarType.kContinuous
                       for i in integrality]
    h.passModel(lp)
    if start is not None:
        solution = highspy.HighsSolution()
        solution.col_value = list(map(float, start))
        solution.value_valid = True
        h.setSolution(solution)
    h.run()
    model_status = h.getModelStatus()
    info = h.getInfo()
    statuses = {highspy.HighsModelStatus.kOptimal: "optimal", highspy.HighsModelStatus.kInfeasible: "infeasible",
                highspy.HighsModelStatus.kTimeLimit: "time_limit"}
    status = statuses.get(model_status, "other")
    has_x = info.primal_solution_status == 2  # kSolutionStatusFeasible
    return _Result(status, np.array(h.getSolution().col_value) if has_x else None, info.objective_function_value,
                   info.mip_gap, info.mip_dual_bound, h.modelStatusToString(model_status))


def _diagnose(problem: TerritoryProblem, groups: Groups, eligible: np.ndarray) -> str:
    """Name the constraint that makes the problem infeasible, by dropping constraints until the LP is feasible."""
    s = problem.settings
    active = [name for name in CONSTRAINTS if getattr(s, name) is not None]
    hints = {"balance": lambda: f"balance: no assignment keeps every rep within +-{s.balance:.0%} of the mean "
                                "value (with these locks and capacities); widen the tolerance",
             "capacity_value": lambda: f"capacity_value: the accounts do not fit {s.capacity_value:,.0f} of value "
                                       "per rep (within the region constraint and locks); raise it",
             "capacity": lambda: f"capacity: the accounts do not fit {s.capacity} per rep (within the region "
                                 "constraint and locks); raise it"}
    for drop in reversed(active):
        c, integrality, bounds, cons, _ = _programme(problem, groups, eligible, set(active) - {drop})
        if _run(c, integrality, bounds, cons, s.time_limit).status != "infeasible":
            return hints[drop]()
    return "the constraints together (capacity, balance, region, locks) leave no feasible assignment"


def _unpack(problem: TerritoryProblem, groups: Groups, x: np.ndarray, xr: np.ndarray, xg: np.ndarray) -> np.ndarray:
    assign = np.full(len(problem.account_ids), -1, int)
    assign[problem.locked] = problem.current[problem.locked]
    counts = np.rint(x).astype(int)
    for g, members in enumerate(groups.members):
        slots = {int(r): int(k) for r, k in zip(xr[xg == g], counts[xg == g]) if k > 0}
        rest = []
        for a in members:  # each owner keeps its own accounts first: that is what y counted
            o = int(problem.current[a])
            if slots.get(o, 0) > 0:
                assign[a], slots[o] = o, slots[o] - 1
            else:
                rest.append(a)
        fill = [r for r, k in slots.items() for _ in range(k)]
        assign[np.array(rest, int)] = np.array(fill, int)
    return assign


def _as_vector(problem: TerritoryProblem, groups: Groups, layout: tuple, assign: np.ndarray,  # type: ignore[type-arg]
               n: int) -> np.ndarray | None:
    """An assignment in the programme's variables (None when it uses a (rep, group) pair the programme lacks)."""
    xr, xg, K, ys, unit = layout
    index = {(int(r), int(g)): i for i, (r, g) in enumerate(zip(xr, xg))}
    v = np.zeros(n)
    load = np.bincount(problem.current[problem.locked], weights=problem.value[problem.locked],
                       minlength=problem.n_reps)
    for g, members in enumerate(groups.members):
        reps, counts = np.unique(assign[members], return_counts=True)
        for r, k in zip(reps, counts):
            if (int(r), g) not in index:
                return None
            v[index[(int(r), g)]] = k
            load[r] += k * groups.value[g]
    for j, (o, g, _) in enumerate(ys):
        owned = int(np.sum(problem.current[groups.members[g]] == o))
        v[K + j] = min(v[index[(o, g)]], owned)
    balance = problem.balance_groups()
    for grp in range(n - K - len(ys)):
        v[K + len(ys) + grp] = load[balance == grp].sum() / unit
    return v


def _relaxation(problem: TerritoryProblem, programme: tuple) -> _Result:  # type: ignore[type-arg]
    """The LP relaxation at a vertex (interior point, then crossover): its optimum bounds the MILP, and at a vertex
    only a few hundred (rep, group) counts are fractional, one per binding capacity or balance row at most.
    Interior point: on 400,000 columns it is several times faster than the dual simplex."""
    c, integrality, bounds, cons, _ = programme
    return _run(c, np.zeros_like(integrality), bounds, cons, problem.settings.time_limit / 2, solver="ipm")


def _rounded(groups: Groups, programme: tuple, x: np.ndarray) -> np.ndarray:  # type: ignore[type-arg]
    """LP counts rounded to whole accounts (each group's shortfall to its largest remainders); may break balance."""
    _, _, _, _, (xr, xg, K, _, _) = programme
    x = x[:K]
    counts = np.floor(x + 1e-9)
    for g, need in enumerate(groups.count):
        idx = np.flatnonzero(xg == g)
        short = int(need - counts[idx].sum())
        if short > 0:
            counts[idx[np.argsort(-(x[idx] - counts[idx]), kind="stable")[:short]]] += 1
    return counts


def _fix_and_solve(programme: tuple, x: np.ndarray, time_limit: float, gap: float  # type: ignore[type-arg]
                   ) -> np.ndarray | None:
    """The MILP with every group the LP vertex assigns in whole accounts fixed there, and only the groups it
    splits left free (to any eligible rep). A few hundred integers instead of 400,000: HiGHS finds and nearly
    proves their optimum in seconds, a start the full search rarely reaches. None when nothing better exists."""
    c, integrality, bounds, cons, (_, xg, K, _, _) = programme
    counts = x[:K]
    split = np.abs(counts - np.rint(counts)) > 1e-6
    if not split.any():
        return None
    fixed = ~np.isin(xg, np.unique(xg[split]))
    lb, ub = bounds.lb.copy(), bounds.ub.copy()
    lb[:K][fixed] = ub[:K][fixed] = np.rint(counts[fixed])
    result = _run(c, integrality, Bounds(lb, ub), cons, time_limit, gap)
    return result.x


def _incumbent(problem: TerritoryProblem, groups: Groups, programme: tuple,  # type: ignore[type-arg]
               relaxed: _Result, time_limit: float) -> np.ndarray | None:
    """The best feasible start among current owners, greedy, round-robin and the rounded LP optimum (as they are
    or rebalanced), and the LP-guided fix-and-solve answer."""
    from salesmind.territories.baselines import greedy, round_robin

    c, _, bounds, cons, layout = programme
    xr, xg = layout[0], layout[1]
    value = problem.value.copy()
    for g, members in enumerate(groups.members):
        value[members] = groups.value[g]
    current = np.where(problem.current >= 0, problem.current, greedy(problem))
    starts = [current, greedy(problem), round_robin(problem)]
    if relaxed.x is not None:
        starts.append(_unpack(problem, groups, _rounded(groups, programme, relaxed.x), xr, xg))
    candidates = [_as_vector(problem, groups, layout, a, len(c)) for a in starts + [rebalance(problem, a, value)
                                                                                    for a in starts]]
    if relaxed.x is not None:
        fixed = _fix_and_solve(programme, relaxed.x, time_limit, problem.settings.mip_gap / 10)
        if fixed is not None:  # re-derived from whole counts, so the continuous parts are exact
            candidates.append(_as_vector(problem, groups, layout, _unpack(problem, groups, fixed[:len(xr)], xr, xg),
                                         len(c)))
    best, best_value = None, np.inf
    for v in candidates:
        if v is None:
            continue
        row = cons.A @ v
        slack = 1e-7
        ok = (np.all(row >= cons.lb - slack) and np.all(row <= cons.ub + slack)
              and np.all(v >= bounds.lb - 1e-9) and np.all(v <= bounds.ub + 1e-9))
        if ok and c @ v < best_value:
            best, best_value = v, float(c @ v)
    return best


def solve(problem: TerritoryProblem) -> Solution:
    """The assignment that maximises expected won revenue minus move costs under every constraint."""
    s = problem.settings
    started = time.perf_counter()
    eligible = problem.eligible()
    groups = group_accounts(problem)
    _precheck(problem, groups, eligible)
    programme = _programme(problem, groups, eligible, set(CONSTRAINTS))
    c, integrality, bounds, cons, (xr, xg, K, _, unit) = programme
    lp_started = time.perf_counter()
    relaxed = _relaxation(problem, programme)
    lp_seconds = time.perf_counter() - lp_started
    lp_bound = relaxed.fun if relaxed.status == "optimal" else -np.inf
    left = s.time_limit - (time.perf_counter() - started)  # one budget for every solve
    start = _incumbent(problem, groups, programme, relaxed, max(left / 2, 0.05 * s.time_limit))
    left = s.time_limit - (time.perf_counter() - started)
    if start is not None and np.isfinite(lp_bound) and c @ start - lp_bound <= s.mip_gap * abs(c @ start):
        res = _Result("optimal", start, float(c @ start), 0.0, lp_bound, "proven by the LP bound")
    elif start is not None and left < 1.5 * lp_seconds:
        # the full search must solve the root LP again before it can improve anything, and HiGHS does not stop
        # inside it: with less time left than that, it would only overrun the limit (measured: 116 s for 14 s)
        res = _Result("time_limit", start, float(c @ start), np.inf, lp_bound, "time limit before the full search")
    else:
        left = max(s.time_limit - (time.perf_counter() - started), 0.1 * s.time_limit)
        res = _run(c, integrality, bounds, cons, left, s.mip_gap, start)
    if res.status == "infeasible":
        raise UserInputError("infeasible: " + _diagnose(problem, groups, eligible))
    if res.x is None:
        raise UserInputError(f"the solver found no assignment within {s.time_limit:.0f} s ({res.message}); "
                             "raise time_limit or set value_bands")
    assign = _unpack(problem, groups, res.x[:K], xr, xg)
    owned_free = np.flatnonzero(~problem.locked & (problem.current >= 0))
    constant = s.move_cost * float(problem.value[owned_free].sum())  # in money, like locked_gain
    locked_gain = float(problem.expected(np.where(problem.locked, problem.current, -1)).sum())
    # the best proven bound: HiGHS's, or the LP relaxation's when the search stopped before HiGHS had one
    dual = max(res.dual_bound if np.isfinite(res.dual_bound) else -np.inf, lp_bound)
    bound = -float(dual) * unit - constant + locked_gain
    gap = (res.fun - dual) / max(abs(res.fun), 1e-9) if np.isfinite(dual) else float("inf")  # inf: none proven
    status = "optimal" if res.status == "optimal" or gap <= s.mip_gap else res.status
    return Solution(assign=assign, status=status, mip_gap=max(float(gap), 0.0),
                    dual_bound=bound, net_objective=-float(res.fun) * unit - constant + locked_gain,
                    solve_seconds=time.perf_counter() - started, variables=len(c), groups=len(groups.members),
                    exact=s.value_bands == 0)
