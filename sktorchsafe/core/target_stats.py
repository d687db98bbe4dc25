"""A mergeable summary of a target: what :class:`~sktorchsafe.TargetValidator` judges.

``fit`` summarizes the whole target, ``partial_fit`` merges the summary of
each chunk into those before, and a fit on a Dask target merges the summaries
of its blocks in a tree: the checks read only this summary, so all three
agree. The reading of each piece of ``y`` is :mod:`sktorchsafe.core.targets`'.
"""

from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from sklearn.utils.multiclass import type_of_target

from .counts import merge_value_counts, value_counts
from .stats import ColumnStats
from .targets import (
    BAD_KINDS,
    auto_task,
    index_labels,
    raise_mixed,
    raise_unusable,
    read_target,
    unusable_rows,
)

__all__ = ["TargetStats", "auto_target_kind", "summarize_block"]

#: Bad rows (and their index labels) a summary keeps for messages.
_ROWS_KEPT = 10

#: Distinct values a summary keeps as examples for messages.
_N_EXAMPLES = 3


@dataclass
class TargetStats:
    """What ``fit`` checks about ``y``, as a mergeable summary.

    ``fit`` summarizes the whole target, ``partial_fit`` merges the summary of
    each chunk into those of the chunks before, and a fit on a Dask target
    merges the summaries of its blocks in a tree (in row order): the checks
    read only this summary, so all three agree (label counts and row numbers
    exactly, moments up to rounding).

    Attributes
    ----------
    n_rows : int
    names : list of str
        The output names (Series name, DataFrame columns, else ``y``).
    ndim : int
        1 for a single output, 2 for several.
    strings : bool
        The labels are strings (not numbers).
    mixed : tuple or None
        A string and a non-string label, when both kinds were seen.
    labels : tuple (classes, counts) or None
        Counts of each value of a 1-D target, while every value may be a
        class label (None once a non-whole number was seen, or for
        ``task="regression"``).
    examples, fractional : list
        The first distinct values, and the first non-whole numbers.
    moments : ColumnStats or None
        Of numeric targets, per output, unless ``labels`` holds them (see
        :meth:`numeric_moments`).
    positives : ndarray or None
        2-D: nonzero cells per output.
    kind_2d : str or None
        2-D: scikit-learn's ``type_of_target`` of the target so far.
    distinct_2d : ndarray or None
        2-D: up to 3 distinct values (a multilabel indicator has at most 2).
    bad_kinds, bad_rows, n_bad, bad_labels
        The kinds of NaN/±inf/missing cells, the first rows holding them
        (0-based from the first row summarized), how many rows, and the index
        labels of the first rows for a pandas ``y`` with its own index. A
        summary with bad rows holds nothing else.
    """

    n_rows: int
    names: list
    ndim: int
    strings: bool = False
    mixed: tuple | None = None
    labels: tuple | None = None
    examples: list = field(default_factory=list)
    fractional: list = field(default_factory=list)
    moments: ColumnStats | None = None
    positives: np.ndarray | None = None
    kind_2d: str | None = None
    distinct_2d: np.ndarray | None = None
    bad_kinds: tuple = ()
    bad_rows: np.ndarray = field(default_factory=lambda: np.zeros(0, np.int64))
    n_bad: int = 0
    bad_labels: list | None = None

    @property
    def n_outputs(self):
        return 1 if self.ndim == 1 else len(self.names)

    @classmethod
    def of(cls, y, n_samples, who, count_labels):
        """Summarize one target (or chunk, or block) ``y``.

        Raises :class:`TargetError` for what needs no other rows to judge: a
        ``y`` that cannot be read, of the wrong length (``n_samples`` rows,
        ``None`` to skip), mixing strings and numbers, or of another type.
        """
        target = read_target(y, who, n_samples=n_samples)
        values = target.values
        base = {"n_rows": values.shape[0], "names": target.names, "ndim": values.ndim}
        bad = unusable_rows(values)
        if bad is not None:
            kinds, rows = bad
            return cls(
                **base,
                bad_kinds=kinds,
                bad_rows=rows[:_ROWS_KEPT].astype(np.int64),
                n_bad=rows.size,
                bad_labels=index_labels(target.index, rows, _ROWS_KEPT),
            )

        strings = values.dtype.kind not in "biuf"
        stats = cls(**base, strings=strings, examples=_first_distinct(values))
        if values.dtype.kind == "f":
            stats.fractional = _first_distinct(values, keep=_fractional)
        if values.ndim == 1 and count_labels:
            classes, counts = _labels_or_none(values)
            stats.labels = None if classes is None else (classes, counts)
        if not strings and stats.labels is None:
            # (Moments of counted labels are read off the counts if needed.)
            stats.moments = ColumnStats.from_array(values.reshape(values.shape[0], -1))
        if values.ndim == 2:
            stats.kind_2d = type_of_target(values, input_name="y")
            stats.distinct_2d = np.unique(values)[:3]
            if not strings:
                stats.positives = np.count_nonzero(values, axis=0)
        return stats

    def merge(self, other):
        """The summary of the rows of ``self`` followed by those of ``other``."""
        n_rows = self.n_rows + other.n_rows
        if self.n_bad or other.n_bad:
            rows = np.concatenate([self.bad_rows, other.bad_rows + self.n_rows])
            labels = None
            if self.bad_labels is not None or other.bad_labels is not None:
                labels = (self.bad_labels or []) + (other.bad_labels or [])
                labels = labels[:_ROWS_KEPT]
            kinds = set(self.bad_kinds) | set(other.bad_kinds)
            return TargetStats(
                n_rows=n_rows,
                names=self.names,
                ndim=self.ndim,
                bad_kinds=tuple(k for k in BAD_KINDS if k in kinds),
                bad_rows=rows[:_ROWS_KEPT],
                n_bad=self.n_bad + other.n_bad,
                bad_labels=labels,
            )
        mixed = self.mixed or other.mixed
        if mixed is None and self.strings != other.strings:
            text, number = (self, other) if self.strings else (other, self)
            mixed = (text.examples[0], number.examples[0])
        labels = None
        if self.labels is not None and other.labels is not None and mixed is None:
            labels = merge_value_counts(self.labels, other.labels)
        moments = None
        if labels is None and mixed is None and not self.strings:
            moments = self.numeric_moments().merge(other.numeric_moments())
        merged = TargetStats(
            n_rows=n_rows,
            names=self.names,
            ndim=self.ndim,
            strings=self.strings and other.strings,
            mixed=mixed,
            labels=labels,
            examples=_union(self.examples, other.examples),
            fractional=_union(self.fractional, other.fractional),
            moments=moments,
        )
        if self.ndim == 2:
            if self.positives is not None and other.positives is not None:
                merged.positives = self.positives + other.positives
            distinct = self.distinct_2d  # mixed labels raise when judged
            if mixed is None:
                distinct = np.unique(
                    np.concatenate([self.distinct_2d, other.distinct_2d])
                )[:3]
            merged.distinct_2d = distinct
            merged.kind_2d = _merged_kind_2d(self.kind_2d, other.kind_2d, distinct)
        return merged

    def numeric_moments(self):
        """Moments of a numeric target (from the label counts when counted)."""
        if self.moments is None and self.labels is not None and not self.strings:
            classes, counts = self.labels
            return ColumnStats.from_array(
                classes.reshape(-1, 1).astype(np.float64), sample_weight=counts
            )
        return self.moments

    def raise_if_incomplete(self, who, offset=0):
        """Raise :class:`TargetError` naming the rows with NaN, ±inf or no label.

        ``offset`` is added to the row numbers (rows summarized before).
        """
        if self.n_bad:
            raise_unusable(
                who,
                self.bad_kinds,
                self.bad_rows + offset,
                n_rows=self.n_bad,
                labels=self.bad_labels,
            )

    def raise_if_mixed(self, who):
        if self.mixed is not None:
            raise_mixed(who, *self.mixed)


def auto_target_kind(stats):
    """``(kind, reason)``: the target type ``task="auto"`` reads in a 1-D summary.

    ``kind`` is scikit-learn's ``"continuous"``, ``"binary"`` or
    ``"multiclass"``, by :func:`~sktorchsafe.core.targets.auto_task` on the
    summary's class counts (a summary without them holds a number that is
    not whole: a quantity); ``reason`` says why, in words for a report.
    """
    if stats.labels is None:
        _, reason = auto_task(
            n_rows=stats.n_rows, n_distinct=0, strings=False, whole=False
        )
        return "continuous", reason
    classes = stats.labels[0]
    task, reason = auto_task(
        n_rows=stats.n_rows,
        n_distinct=classes.size,
        strings=classes.dtype.kind not in "biuf",
        whole=True,
    )
    if task == "regression":  # whole-number quantities are not classes
        return "continuous", reason
    return ("binary" if classes.size <= 2 else "multiclass"), reason


def summarize_block(block, weights=None, *, who, count_labels):
    """:meth:`TargetStats.of` one Dask block or partition (no length check)."""
    return TargetStats.of(block, None, who, count_labels)


def _merged_kind_2d(first, second, distinct):
    """``type_of_target`` of two multi-output targets stacked, from their kinds.

    A multilabel indicator has at most 2 distinct whole values over all rows;
    any non-whole number makes the whole continuous.
    """
    kinds = {first, second}
    if "continuous-multioutput" in kinds:
        return "continuous-multioutput"
    if "unknown" in kinds:
        return "unknown"
    if kinds == {"multilabel-indicator"} and distinct.size < 3:
        return "multilabel-indicator"
    return "multiclass-multioutput"


def _labels_or_none(values):
    """Classes and counts of 1-D labels; ``(None, None)`` for non-integer numbers.

    Floats past 2**53 are all whole numbers, so they count as non-integer.
    """
    if values.dtype.kind == "f" and (
        np.any(np.mod(values, 1) != 0) or np.abs(values).max() >= 2.0**53
    ):
        return None, None
    return value_counts(values)


def _first_distinct(values, limit=_N_EXAMPLES, piece=4096, keep=None):
    """The first ``limit`` distinct values of ``values``, as Python scalars.

    Read a piece at a time through a hash table (``pandas.unique``), so a
    long target with few distinct values costs no Python loop per row, and
    the search stops at the piece where ``limit`` are found. ``keep(piece)``
    selects the values of a piece to consider (all by default).
    """
    flat = values.ravel()
    seen = []
    for start in range(0, flat.size, piece):
        part = flat[start : start + piece]
        for value in pd.unique(part if keep is None else keep(part)):
            value = value.item() if hasattr(value, "item") else value
            if value not in seen:
                seen.append(value)
                if len(seen) == limit:
                    return seen
    return seen


def _fractional(values):
    """The non-whole numbers among ``values``."""
    return values[np.mod(values, 1) != 0]


def _union(first, second, limit=_N_EXAMPLES):
    """``first`` then the values of ``second`` not in it, at most ``limit``."""
    out = list(first)
    for value in second:
        if len(out) >= limit:
            break
        if value not in out:
            out.append(value)
    return out
