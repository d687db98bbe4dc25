"""How :class:`~sktorchsafe.TableEncoder` encodes each column, once its kind is known.

A :class:`ColumnPlan` per input column says what it becomes (numbers, one-hot
columns, codes, target encodings, date parts, nothing) and where its output
columns start; :class:`Encoders` holds the scikit-learn encoders fitted for
the categorical columns. :func:`encode` applies both to a table: a cheap map
per column, the categories through scikit-learn's ``OneHotEncoder`` and
``TargetEncoder``.
"""

from dataclasses import dataclass, replace

import numpy as np
import pandas as pd
from sklearn.model_selection import KFold, StratifiedKFold
from sklearn.preprocessing import OneHotEncoder, TargetEncoder
from sklearn.utils.fixes import parse_version

from ..core.compat import SKLEARN_VERSION
from ..core.frames import (
    as_float,
    category_values,
    epoch_days,
    read_dates,
    read_numbers,
)
from ..core.target_stats import TargetStats, auto_target_kind

__all__ = [
    "COLUMN_KINDS",
    "DATE_PARTS",
    "MISSING_CODE",
    "OTHER_CODE",
    "TARGET_FOLDS",
    "ColumnPlan",
    "Encoders",
    "encode",
    "frequent_categories",
    "onehot_name",
    "target_kind",
]

#: Folds of the target encoding's cross-fitting (stratified for classes).
TARGET_FOLDS = 5

#: What :class:`~sktorchsafe.TableEncoder` makes of a column, by kind
#: (:meth:`~sktorchsafe.core.frames.ColumnProfile.kind`).
COLUMN_KINDS = {
    "numbers": "numbers (any numeric or boolean dtype, or objects that are "
    "numbers): passed on, missing as NaN",
    "text_numbers": "numbers stored as text: read as numbers, the other "
    "values (placeholders) as NaN",
    "dates": "dates and times: year, month, day, weekday, hour (when present) "
    "and days since 1970-01-01",
    "text_dates": "dates stored as text: read with the format found at fit, "
    "then as dates",
    "durations": "time spans: seconds",
    "category": "at most cardinality_threshold distinct values: one-hot "
    "columns, or one column of codes",
    "high_cardinality": "more distinct values, some repeated: target-encoded "
    "or dropped",
    "id_like": "more distinct values, none repeated (identifiers, free text): dropped",
    "all_missing": "no value at all: one column of NaN",
}

#: The numbers taken from a date, in order (``"hour"`` only when some value
#: of the column has a time of day at fit).
DATE_PARTS = ("year", "month", "day", "weekday", "hour", "epoch_days")

#: The reserved codes of ``categorical="codes"``: missing values, and
#: categories unseen at fit or rarer than ``min_frequency``.
MISSING_CODE, OTHER_CODE = 0, 1

#: How a one-hot column of missing values is named: ``sex=<missing>``.
MISSING_NAME = "<missing>"


@dataclass(frozen=True)
class ColumnPlan:
    """What one input column becomes.

    ``encoding`` is ``"numbers"`` (read as numbers: numbers, numbers stored
    as text, all-missing columns, durations in seconds), ``"missing"`` (NaN
    whatever comes), ``"onehot"``, ``"codes"``, ``"target"``, ``"dates"``
    or ``"dropped"``; its output columns are ``outputs``, from ``start`` on.
    """

    name: str
    position: int
    kind: str
    encoding: str
    outputs: tuple = ()
    start: int = 0
    categories: tuple = ()
    missing: bool = False
    date_format: str | None = None
    has_time: bool = False
    float32: bool = False

    @property
    def stop(self):
        return self.start + len(self.outputs)


def onehot_name(feature, category):
    """``species=Adelie``; ``sex=<missing>`` for the missing-value column."""
    if isinstance(category, float) and np.isnan(category):
        category = MISSING_NAME
    return f"{feature}={category}"


def frequent_categories(profile, n_rows, min_frequency, max_categories):
    """``(categories, missing)``: the categories of a column that get a place.

    As scikit-learn's ``OneHotEncoder`` decides which categories are
    infrequent: a category is kept when it occurs at least ``min_frequency``
    times (1 or more) or in that share of the rows (below 1), and at most the
    ``max_categories`` most frequent are kept (ties in category order).
    ``missing`` says whether missing values are kept as a category by the
    same rule (they do not count in ``max_categories``). Categories come in
    the order of a ``category`` dtype, else sorted.
    """
    if min_frequency is None:
        floor = 1
    elif min_frequency >= 1:
        floor = min_frequency
    else:
        floor = min_frequency * n_rows
    counts = profile.counts or {}
    order = list(profile.declared or sorted(counts))
    kept = [value for value in order if counts.get(value, 0) >= max(floor, 1)]
    if max_categories is not None and len(kept) > max_categories:
        rank = sorted(range(len(kept)), key=lambda i: -counts[kept[i]])
        chosen = set(rank[:max_categories])
        kept = [value for i, value in enumerate(kept) if i in chosen]
    missing = profile.n_missing > 0 and profile.n_missing >= floor
    return tuple(kept), missing


def date_outputs(name, has_time):
    return tuple(f"{name}_{part}" for part in DATE_PARTS if has_time or part != "hour")


def date_parts(dates, has_time):
    """The :data:`DATE_PARTS` of a datetime Series, as float columns (NaN for NaT)."""
    accessor = dates.dt
    parts = [accessor.year, accessor.month, accessor.day, accessor.day_of_week]
    if has_time:
        parts.append(accessor.hour)
    columns = [part.to_numpy(dtype=np.float64, na_value=np.nan) for part in parts] + [
        epoch_days(dates)
    ]
    return np.column_stack(columns)


class Encoders:
    """The scikit-learn encoders of the categorical columns, fitted.

    ``onehot``: one ``OneHotEncoder`` over every one-hot column, with the
    categories each keeps given (``handle_unknown="ignore"``: a category it
    was not given, unseen or rare, is a row of zeros); ``target``: one
    cross-fitted ``TargetEncoder`` over the target-encoded columns. Either
    may be None.
    """

    def __init__(self, plans, *, dtype):
        self.onehot = None
        self.target = None
        self.crossfit = None  # the cross-fitted encodings of the training rows
        onehot = [
            plan
            for plan in plans
            if plan.encoding == "onehot" and (plan.categories or plan.missing)
        ]
        if onehot:
            categories = [
                np.array(
                    list(plan.categories) + ([np.nan] if plan.missing else []),
                    dtype=object,
                )
                for plan in onehot
            ]
            longest = max(len(values) for values in categories)
            padded = np.column_stack(
                [np.resize(values, longest) for values in categories]
            )
            self.onehot = OneHotEncoder(
                categories=categories,
                handle_unknown="ignore",
                sparse_output=False,
                dtype=dtype,
                feature_name_combiner=onehot_name,
            ).fit(padded)

    def onehot_names(self, plans):
        """The one-hot column names of each one-hot plan, by position."""
        onehot = [plan for plan in plans if plan.encoding == "onehot"]
        names, start = {}, 0
        if self.onehot is not None:
            fitted = [plan for plan in onehot if plan.categories or plan.missing]
            all_names = self.onehot.get_feature_names_out([p.name for p in fitted])
            for plan in fitted:
                width = len(plan.categories) + plan.missing
                names[plan.position] = tuple(all_names[start : start + width])
                start += width
        return names

    def fit_target(self, values, y, *, kind, crossfit, random_state):
        """Fit the ``TargetEncoder`` on the rows with a target.

        With ``crossfit``, keep the cross-fitted encodings of those rows for
        ``fit_transform`` (rows without a target get the encodings of the
        encoder fitted on all the others, which never saw them).
        """
        known = ~pd.isna(y)
        labels = y[known]
        if kind != "continuous" and labels.dtype.kind == "f":
            # Stratified folds would read fractional labels as a quantity.
            labels = labels.astype(str)
        self.target = _target_encoder(kind, random_state)
        if crossfit:
            encoded = self.target.fit_transform(values[known], labels)
            if known.all():
                self.crossfit = encoded
            else:
                self.crossfit = np.empty((len(y), encoded.shape[1]))
                self.crossfit[known] = encoded
                self.crossfit[~known] = self.target.transform(values[~known])
        else:
            self.target.fit(values[known], labels)

    def target_width(self):
        """Output columns per target-encoded column (the classes, or 1)."""
        if self.target.target_type_ == "multiclass":
            return len(self.target.classes_)
        return 1


def target_kind(y, task):
    """``(kind, largest)``: how the target encoding reads ``y``, and its classes.

    ``kind`` is scikit-learn's target type: ``"continuous"`` for
    ``task="regression"``, ``"binary"`` or ``"multiclass"`` for
    ``task="classification"``, and for ``"auto"`` what
    :class:`~sktorchsafe.TargetValidator` reads (whole numbers may be
    quantities). ``largest`` is the size of y's largest class when no class
    fills every one of the :data:`TARGET_FOLDS` stratified folds, else None.
    The task and the class counts come from one ``TargetStats`` summary of y
    (``y`` without missing values).
    """
    if task == "regression":
        return "continuous", None
    stats = TargetStats.of(y, None, "TableEncoder", count_labels=True)
    kind = auto_target_kind(stats)[0]
    if kind == "continuous" and task == "auto":
        return kind, None
    if stats.labels is None:  # class labels that are not whole numbers
        counts = pd.Series(np.asarray(y)).value_counts().to_numpy()
    else:
        counts = stats.labels[1]
    kind = "binary" if counts.size <= 2 else "multiclass"
    largest = int(counts.max())
    return kind, (largest if largest < TARGET_FOLDS else None)


def _target_encoder(kind, random_state):
    """A ``TargetEncoder`` for a target of ``kind``, cross-fitting on
    :data:`TARGET_FOLDS` shuffled folds (stratified for classes, as its
    default), seeded by ``random_state``."""
    if SKLEARN_VERSION < parse_version("1.9"):  # its cv takes only an int
        return TargetEncoder(
            target_type=kind, cv=TARGET_FOLDS, shuffle=True, random_state=random_state
        )
    folds = (KFold if kind == "continuous" else StratifiedKFold)(
        TARGET_FOLDS, shuffle=True, random_state=random_state
    )
    return TargetEncoder(target_type=kind, cv=folds)


def target_names(encoders, plans):
    names = {}
    fitted = [plan for plan in plans if plan.encoding == "target"]
    if fitted:
        every = encoders.target.get_feature_names_out([plan.name for plan in fitted])
        width = encoders.target_width()
        for k, plan in enumerate(fitted):
            names[plan.position] = tuple(every[k * width : (k + 1) * width])
    return names


def with_outputs(plans, onehot, target):
    """The plans with their output names and start columns set."""
    done, start = [], 0
    for plan in plans:
        outputs = plan.outputs
        if plan.encoding == "onehot":
            outputs = onehot.get(plan.position, ())
        elif plan.encoding == "target":
            outputs = target[plan.position]
        done.append(replace(plan, outputs=outputs, start=start))
        start += len(outputs)
    return done


def category_matrix(table, plans):
    return np.column_stack(
        [category_values(table.iloc[:, plan.position]) for plan in plans]
    )


def encode(table, plans, encoders, dtype, *, crossfit=False):
    """The encoded table: a float ndarray of the plans' outputs.

    ``crossfit=True`` puts the cross-fitted target encodings kept at fit in
    place of ``encoders.target.transform`` (``fit_transform`` on the
    training rows).
    """
    n_rows = table.shape[0]
    width = plans[-1].stop if plans else 0
    out = np.empty((n_rows, width), dtype=dtype)
    onehot, target = [], []
    for plan in plans:
        if not plan.outputs:
            continue
        column = table.iloc[:, plan.position]
        where = slice(plan.start, plan.stop)
        if plan.encoding == "numbers":
            if plan.kind == "durations":
                out[:, where] = _seconds(column)[:, None]
            elif plan.kind == "text_numbers":
                out[:, where] = read_numbers(column)[:, None]
            else:
                out[:, where] = as_float(column)[:, None]
        elif plan.encoding == "missing":
            out[:, where] = np.nan
        elif plan.encoding == "dates":
            dates = read_dates(column, plan.date_format)
            out[:, where] = date_parts(dates, plan.has_time)
        elif plan.encoding == "codes":
            out[:, where] = _codes(column, plan.categories)[:, None]
        elif plan.encoding == "onehot":
            onehot.append(plan)
        elif plan.encoding == "target":
            target.append(plan)
    for group, encoder in ((onehot, encoders.onehot), (target, encoders.target)):
        if not group:
            continue
        if group is target and crossfit and encoders.crossfit is not None:
            encoded = encoders.crossfit
        else:
            encoded = encoder.transform(category_matrix(table, group))
        start = 0
        for plan in group:
            width = len(plan.outputs)
            out[:, plan.start : plan.stop] = encoded[:, start : start + width]
            start += width
    return out


def _seconds(column):
    if getattr(column.dtype, "kind", "O") == "m":
        seconds = column / pd.Timedelta(seconds=1)
        return seconds.to_numpy(dtype=np.float64, na_value=np.nan)
    return as_float(column)


def _codes(column, categories):
    """Integer codes: 0 missing, 1 unseen or rare, 2.. the kept categories."""
    values = category_values(column)
    codes = pd.Index(categories, dtype=object).get_indexer(values)
    missing = pd.isna(values)
    return np.where(missing, MISSING_CODE, np.where(codes < 0, OTHER_CODE, codes + 2))
