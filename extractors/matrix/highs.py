"""HiGHS, through ``highspy`` only: a quiet solver instance, and a MILP from arrays (the master
problem's, the forced and the soft solves). The warm-started LPs (``duals``, ``ambiguity``) keep
their own instance and modify it between solves.
"""

from __future__ import annotations

import os
import sys
from dataclasses import dataclass

import highspy
import numpy as np
from scipy.sparse import csc_array, csr_array

_COLWISE = 1  # highspy's MatrixFormat.kColwise as passModel takes it
_MINIMIZE = 1
_FEASIBLE = 2  # SolutionStatus.kSolutionStatusFeasible
_INFEASIBLE = (highspy.HighsModelStatus.kInfeasible, highspy.HighsModelStatus.kModelError)


def quiet_highs() -> highspy.Highs:
    """A HiGHS instance with logging off; the banner HiGHS prints on the first instance of a
    process goes to /dev/null instead of the pipeline's standard output."""
    sys.stdout.flush()
    saved = os.dup(1)
    try:
        with open(os.devnull, "w") as devnull:
            os.dup2(devnull.fileno(), 1)
            highs = highspy.Highs()
    finally:
        os.dup2(saved, 1)
        os.close(saved)
    highs.setOptionValue("output_flag", False)
    return highs


@dataclass(frozen=True)
class MilpResult:
    """What a MILP solve gave: a solution meeting every constraint (None when none was found),
    its objective, and whether it is proven optimal or the problem proven infeasible. Neither
    proven means a limit (time, nodes) stopped the search."""

    x: np.ndarray | None
    objective: float
    optimal: bool
    infeasible: bool

    @property
    def stopped(self) -> bool:
        """A limit stopped the search before it found a solution or proved there is none."""
        return self.x is None and not self.infeasible


def arrays_to_highs(cost: np.ndarray, a: csr_array | csc_array, row_lower: np.ndarray, row_upper: np.ndarray,
                    col_upper: np.ndarray, integer: np.ndarray, options: dict[str, float | int | str]) -> highspy.Highs:
    """A HiGHS instance holding min cost . x subject to row_lower <= a x <= row_upper,
    0 <= x <= col_upper, the columns where ``integer`` is set integral; ``options`` are HiGHS
    option values."""
    matrix = csc_array(a)
    matrix.sort_indices()
    n_rows, n_cols = matrix.shape
    highs = quiet_highs()
    for name, value in options.items():
        highs.setOptionValue(name, value)
    highs.passModel(n_cols, n_rows, matrix.nnz, _COLWISE, _MINIMIZE, 0.0,
                    _finite(cost), np.zeros(n_cols), _finite(col_upper), _finite(row_lower), _finite(row_upper),
                    matrix.indptr.astype(np.int32), matrix.indices.astype(np.int32), matrix.data.astype(float),
                    np.asarray(integer, dtype=np.int32))
    return highs


def solve_milp_arrays(cost: np.ndarray, a: csr_array | csc_array, row_lower: np.ndarray, row_upper: np.ndarray,
                      col_upper: np.ndarray, integer: np.ndarray, options: dict[str, float | int | str]) -> MilpResult:
    """The MILP of ``arrays_to_highs``, solved."""
    highs = arrays_to_highs(cost, a, row_lower, row_upper, col_upper, integer, options)
    highs.run()
    status = highs.getModelStatus()
    info = highs.getInfo()
    found = info.primal_solution_status == _FEASIBLE and status not in _INFEASIBLE
    x = np.asarray(highs.getSolution().col_value) if found else None
    return MilpResult(x, float(info.objective_function_value), status == highspy.HighsModelStatus.kOptimal,
                      status in _INFEASIBLE)


def _finite(values: np.ndarray) -> np.ndarray:
    """Infinite bounds as HiGHS spells them."""
    return np.clip(np.asarray(values, dtype=float), -highspy.kHighsInf, highspy.kHighsInf)
