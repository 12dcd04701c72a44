"""Small-cell suppression: no figure computed from fewer than K participants can be read off a
report, directly or by subtraction.

K is `settings.STATISTICS_MIN_CELL` (5 unless set). The rule, for every table of a report (the
headline figures, each breakdown, each export built on them):

1. Primary suppression. A count computed from 1 to K-1 distinct participants shows "<K" (mark
   SMALL). So does every figure of a row whose population (the distinct participants behind
   the row at all) is 1 to K-1: filtering to a country of 3 participants shows "<5" for every
   figure, zeros included, because "none of them completed" says something about each of
   them. A zero whose parent cell (the course of a cohort, the sub-region of a country...) is
   SMALL shows "<K" too, so that "<K" never tells a reader "at least one" where it matters.
   Other zeros are shown: nobody is behind them (and the parts of a zero total are zeros that
   say nothing more). A rate (completion rate, pass rate) shows "<K" when its numerator or its
   complement (those who did not complete, did not pass) is SMALL: the rate and the count
   beside it would give both back. A median or a mean shows "<K" when computed from fewer than
   K participants.

2. Complementary (secondary) suppression. Counts add up: a course is the sum of its cohorts,
   a region of its sub-regions, a sub-region of its countries, the total of the courses, the
   regions, the organisation types and the months. With one cell hidden, the total minus the
   others gives it back; with two small ones hidden, their known sum can pin both (4 + 4 = 8
   with both "<5"). So the tables are audited as a reader would attack them: every shown cell
   is exact, a SMALL cell is known to lie in [1, K-1] (or [0, K-1] where a zero would also show
   "<K"), a cell hidden by this step (mark HIDDEN, shown as a dash, not "<K", which would be
   false) is known to be at least K. Bounds are propagated through every sum (parent = sum of
   children, or for counts of distinct people, who can be in several courses or months,
   parent <= sum of children and each child <= parent) until nothing changes. Wherever that
   narrows a SMALL cell below what its label already says, the smallest shown non-zero cell
   nearest to it is hidden, first among its siblings, then its parent (the group's total),
   then further out through hidden cells, and the audit runs again. At worst the headline
   total itself is hidden. The bound propagation is exact for sums arranged in trees, which
   is how the breakdowns nest.

What it does not protect against: comparing two reports with different filters (country=FR
against country=FR&course=X). Reports are for staff, who also see per-enrolment rows
(`/api/v1/reports/completions/`); suppression protects what leaves the platform in tables,
charts and exports, each of which is one report.
"""

from __future__ import annotations

import logging
import math
from collections import defaultdict
from collections.abc import Hashable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from enum import StrEnum

from django.conf import settings

INFINITY = math.inf
logger = logging.getLogger(__name__)


class Mark(StrEnum):
    """Why a figure is not shown (a figure that is shown has no mark)."""

    SMALL = "small"  # computed from fewer than K participants: shown as "<K"
    HIDDEN = "complementary"  # hidden so that a small one cannot be worked out


def min_cell() -> int:
    """K: the fewest participants a figure may be computed from (STATISTICS_MIN_CELL)."""
    return max(1, settings.STATISTICS_MIN_CELL)


@dataclass(frozen=True)
class Count:
    """A count in a table: its value, the distinct participants it is computed from, and the
    distinct participants of its row (whether or not they count in this figure)."""

    value: int
    participants: int
    population: int


@dataclass(frozen=True)
class Group:
    """`parent` is the sum of `children` (additive) or, for counts of distinct people, at most
    their sum and at least each of them."""

    parent: Hashable
    children: tuple[Hashable, ...]
    additive: bool = True


def is_small(participants: int, population: int, *, k: int) -> bool:
    """Primary suppression of a figure: from 1 to K-1 participants, or a row of 1 to K-1."""
    return 0 < participants < k or 0 < population < k


def rate_mark(
    numerator: Mark | None, complement: Mark | None, *, small_population: bool
) -> Mark | None:
    """A rate's mark from its numerator's and its complement's (rule 1)."""
    if small_population or Mark.SMALL in (numerator, complement):
        return Mark.SMALL
    if Mark.HIDDEN in (numerator, complement):
        return Mark.HIDDEN
    return None


def suppress_counts(
    counts: Mapping[Hashable, Count], groups: Sequence[Group], *, k: int
) -> dict[Hashable, Mark | None]:
    """The mark of every count of one figure (rules 1 and 2), given how the counts add up.

    Each key is one cell; every key of `groups` must be in `counts`. A cell is the child of at
    most one group.
    """
    parent_of = {child: group.parent for group in groups for child in group.children}
    marks: dict[Hashable, Mark | None] = {}
    for key in _top_down(counts, groups, parent_of):
        count, parent = counts[key], parent_of.get(key)
        if parent is not None and marks[parent] is None and counts[parent].value == 0:
            marks[key] = None  # part of a zero shown: a zero too, saying nothing more
        elif is_small(count.participants, count.population, k=k) or (
            count.value == 0 and parent is not None and marks[parent] is Mark.SMALL
        ):
            marks[key] = Mark.SMALL
        else:
            marks[key] = None
    audit = _Audit(counts, groups, parent_of, marks, k)
    while narrowed := audit.narrowed():
        hidden = {audit.nearest_candidate(key) for key in narrowed} - {None}
        if not hidden:  # everything around them is hidden already: nothing more to do
            logger.warning("Statistics: cells %s are narrowed with nothing left to hide", narrowed)
            break
        for key in hidden:
            marks[key] = Mark.HIDDEN
    return marks


def _top_down(counts, groups, parent_of) -> list[Hashable]:
    """Keys with every parent before its children."""
    children = defaultdict(list)
    for group in groups:
        children[group.parent].extend(group.children)
    ordered, stack = [], [key for key in counts if key not in parent_of]
    while stack:
        key = stack.pop()
        ordered.append(key)
        stack.extend(children[key])
    return ordered


class _Audit:
    """What a reader can work out about each cell from the shown ones (rule 2)."""

    def __init__(self, counts, groups, parent_of, marks, k):
        self.counts, self.groups, self.parent_of, self.marks, self.k = (
            counts,
            groups,
            parent_of,
            marks,
            k,
        )
        self.groups_of = defaultdict(list)
        for group in groups:
            self.groups_of[group.parent].append(group)
            for child in group.children:
                self.groups_of[child].append(group)

    def prior(self, key) -> tuple[float, float]:
        """What the label of a cell says about its value."""
        count, mark = self.counts[key], self.marks[key]
        if mark is None:
            return count.value, count.value
        if mark is Mark.HIDDEN:
            return self.k, INFINITY
        parent = self.parent_of.get(key)
        zero_possible = 0 < count.population < self.k or (
            parent is not None and self.marks[parent] is Mark.SMALL
        )
        return (0 if zero_possible else 1), max(self.k - 1, count.value)

    def narrowed(self) -> list[Hashable]:
        """SMALL cells about which the shown cells say more than their label."""
        priors = {key: self.prior(key) for key in self.counts}
        bounds = _propagate(dict(priors), self.groups)
        # A reader may learn that a cell of a small row is not zero (someone is behind the row,
        # and the others cannot make up the total): not which number it is.
        return [
            key
            for key, mark in self.marks.items()
            if mark is Mark.SMALL
            and (bounds[key][1] < priors[key][1] or bounds[key][0] > max(priors[key][0], 1))
        ]

    def nearest_candidate(self, key) -> Hashable | None:
        """The cell to hide for `key`: the smallest shown non-zero cell among its siblings, or
        further out through hidden cells (a hidden sibling's own parts, another breakdown of a
        hidden total); failing that, the nearest shown total."""
        seen_groups, seen_keys, frontier = set(), {key}, [key]
        totals = []  # shown totals met on the way, nearest first
        while frontier:
            groups = [g for k in frontier for g in self.groups_of[k] if id(g) not in seen_groups]
            seen_groups.update(id(g) for g in groups)
            children = {c for g in groups for c in g.children} - seen_keys
            shown = [c for c in children if self.marks[c] is None and self.counts[c].value]
            if shown:
                return min(shown, key=lambda c: (self.counts[c].value, str(c)))
            parents = [g.parent for g in groups if g.parent not in seen_keys]
            totals += [p for p in parents if self.marks[p] is None and p not in totals]
            reached = children | set(parents)
            frontier = [c for c in reached if self.marks[c] is not None]
            seen_keys |= reached
        return totals[0] if totals else None


def _propagate(
    bounds: dict[Hashable, tuple[float, float]], groups: Iterable[Group], rounds: int = 50
) -> dict[Hashable, tuple[float, float]]:
    """Tighten [low, high] of every cell through every group until nothing changes."""
    for _ in range(rounds):
        changed = False
        for group in groups:
            children = group.children
            lows = [bounds[c][0] for c in children]
            highs = [bounds[c][1] for c in children]
            sum_low = sum(lows)
            finite_high = sum(h for h in highs if h != INFINITY)
            infinite = sum(1 for h in highs if h == INFINITY)
            low, high = bounds[group.parent]
            parent_low = max(low, sum_low if group.additive else max(lows, default=0))
            parent_high = min(high, finite_high if not infinite else INFINITY)
            if (parent_low, parent_high) != (low, high):
                bounds[group.parent] = (parent_low, parent_high)
                changed = True
            for child, child_low, child_high in zip(children, lows, highs, strict=True):
                others_infinite = infinite - (child_high == INFINITY)
                others_high = (
                    INFINITY
                    if others_infinite
                    else finite_high - (child_high if child_high != INFINITY else 0)
                )
                new_low = max(child_low, parent_low - others_high)
                if group.additive:
                    new_high = min(child_high, parent_high - (sum_low - child_low))
                else:
                    new_high = min(child_high, parent_high)
                if (new_low, new_high) != (child_low, child_high):
                    bounds[child] = (new_low, new_high)
                    changed = True
        if not changed:
            break
    return bounds
