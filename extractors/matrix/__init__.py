"""The participation-matrix solver: recover ●/○ marks with the printed totals as hard constraints.

Recover a participation matrix (● / ○ / blank per project × member) from damaged marks, with
every printed total as a constraint, as one exact integer program (HiGHS, through ``highspy``).

Pure: no I/O, no document model. The extractor hands in, per project row, the mark tokens the
text showed between the project name and the printed row total (``"●"``, ``"○"`` or ``""`` for an
empty cell, in order, empty cells kept), the row total, and the summary rows' totals.

Damage model
------------
Extraction turns the true row (one state per member: none / existing / new) into the observed
token run by a few kinds of damage; each has a cost in *damage units*, roughly ``-log`` of how
often it happens (``DamageModel``). A reading of a row is an alignment of its tokens to the
columns, i.e. an edit script, and costs the sum of its edits:

- a token that is no column at all: a spurious extra mark (``extra_mark``; cheaper after the last
  column, ``extra_mark_tail``, where extraction appends them) or an inserted empty cell
  (``extra_blank``, ``extra_blank_tail``);
- a column with no token: an empty cell that vanished (``dropped_blank``) or, rarely, a mark that
  vanished (``dropped_mark``). A shift of the run by k cells is k drops plus k insertions;
- a token on a column that disagrees with its state: a mark read as blank (``mark_lost``), a
  blank read as a mark (``mark_invented``), ● read as ○ or back (``kind_swap``: the kind of mark
  is reliable, so this is dear).

A row's state vector costs its edit distance to the tokens under these costs. The recovered
matrix minimises the total cost subject to every printed total (row totals, per-member ● / ○ /
total counts, grand totals).

Exact solution
--------------
The master problem picks one candidate state vector per row (binary ``y``) so that every total
holds (those the others imply are left out, ``independent_totals``: they only add degeneracy). Candidates come from the rows' edit-distance DP, never from a fixed list:

1. Column generation on the LP relaxation (``duals``: one warm-started HiGHS LP, one
   compiled DP over all rows per round, ``row_dp``): its duals ``pi`` price each (column, state) cell and
   each counted cell of a row; the cheapest row reading under those prices (``m_r``) joins the
   pool until the LP value meets the Lagrangian bound.
2. For any ``pi``, ``L = sum_r m_r + pi . totals`` is a lower bound on every reading meeting the
   totals (Lagrangian bound), and a reading of row r can take part in a solution costing at
   most ``G + margin`` only if its priced cost is within ``G + margin - L`` of ``m_r``. Every such
   reading is enumerated (``rows_to_windows``: depth first over the columns, a prefix followed
   only while the exact completion costs that also end on the row's printed total fit the
   budget), with ``G`` the cost of a feasible integer solution.
3. The MILP over that pool is then the global optimum within the damage model (``certified``).
   Damage is a whole number of units, so a solution costing ``ceil(L)`` is optimal at once
   (``certified`` even when a row's window was cut at ``max_candidates``).

Among readings of equal damage the MILP takes the one closest to the marks as printed, position
by position (``tokens_to_ties``). Exact ties left after that are the solver's choice, so the
optimum is then made canonical (``canonical_optimum``): one- and two-row exchanges that keep the
damage and the distance to print move the reading off print to the latest rows. The same evidence
then gives the same reading whichever pool or path found the optimum, which the annual refresh
needs (an unchanged row must not flip between two editions). Once the optimum is proven, the pool
is widened to the margin for the ambiguity search without solving the MILP again.

When the LP is infeasible even with every reading (the totals contradict each other), only the
row-total rules whose grand total is nearest the printed row totals are tried, over a bounded
window of readings per row (so this case is not certified): first the reading with the least
total deviation (an L1 MILP, tight and fast), then, within ``soft_nodes``, a MILP with a
binary violation indicator per total looks for one with fewer violated totals. The reading with
the fewest violated totals wins, then the cheapest; every cell of it is flagged ambiguous (the
marks as read and the totals disagree: rows, marks or members were misread, and no cell is sure).

Ambiguity and confidence
------------------------
A cell is ambiguous when another reading that meets every total and costs at most ``G* + margin``
reads it differently (``margin`` = 2 damage units: on the generated corpus the true reading is at
most that much dearer than the optimum where they differ). The candidates of step 2 with
``G = G*`` hold every such reading. Each (cell, other state) pair they realise is proved by a
solution (local one- and two-row exchanges first, then a MILP with the reading forced) or ruled
out (reduced costs of the pool's LP, then a warm-started HiGHS LP per row and per pair; the duals
of every LP rule out, by their Lagrangian bound, every other pair they can, and every reading
they put above the cap is fixed at 0 in the LP from then on, which tightens it, ``PoolBound``). A pair that no solve decides within ``ambiguity_nodes`` /
``ambiguity_solves`` counts as ambiguous (``Recovery.undecided``): the search may over-flag,
never under-flag.
When a MILP stops on ``time_limit`` (only matrices far larger than plans print, over 100
projects x 30 members), the best solution it found meets every total but is not proven optimal
(``Recovery.limited``): no proof is searched for, and every (cell, other state) that a reading
within the Lagrangian window of ``G + margin`` realises is flagged, found per cell by a forward
and a backward DP (``rows_to_open_cells``), which is sound whatever the true optimum is. When
it found none, each row takes its cheapest priced reading, with every cell flagged and the
missed totals listed. Nothing else is built for sizes past the plans'.
``confidence`` of a cell is a softmax over its readings, with the cost of the best solution found
for each: ``1 / sum_s exp(-(G_s - G*))`` (1.0 when every such solution agrees, 1/k for k readings
tied at the optimum).

Modules, in the order they build on each other
----------------------------------------------
- ``row_dp``: the compiled edit-distance DPs over one row (best readings, windows, alignments).
- ``model``: the damage model, the evidence and the readings of one row.
- ``highs``: HiGHS (``highspy``): a quiet instance, a MILP from arrays.
- ``duals``: the column-generation LP and its duals.
- ``master``: the totals over a pool of readings and the MILPs choosing one reading per row.
- ``solver``: the recipe for one row-total rule (``Solver``).
- ``ambiguity``: other readings within the margin, and each cell's confidence.
- ``recovery``: the entry point, ``evidence_to_recovery``.
"""
