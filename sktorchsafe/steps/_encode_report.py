"""What :class:`~sktorchsafe.TableEncoder` made of each column, and its findings.

One :class:`ColumnEncoding` per input column (its kind, how it was encoded,
the output columns) and the findings built from them, in the words of
:mod:`sktorchsafe.core.messages`: numbers read from text, dates read from
text, identifiers and high-cardinality columns dropped or target-encoded,
constant and all-missing columns kept, categories too rare for a column;
and the message of a fit that leaves the net no column.
"""

from dataclasses import dataclass

from ..core.messages import Finding, agree, describe, fix_for, plural

__all__ = ["ColumnEncoding", "EncodingReport", "build_findings", "nothing_left"]


@dataclass(frozen=True)
class ColumnEncoding:
    """What :class:`~sktorchsafe.TableEncoder` made of one input column.

    Attributes
    ----------
    name : str
        The column's name (DataFrame column name, else ``x{i}``).
    kind : str
        What the column holds (a key of
        :data:`sktorchsafe.steps._encode_plan.COLUMN_KINDS`): ``"numbers"``,
        ``"text_numbers"``, ``"dates"``, ``"text_dates"``, ``"durations"``,
        ``"category"``, ``"high_cardinality"``, ``"id_like"`` or
        ``"all_missing"``.
    encoding : str
        How it was encoded: ``"numbers"``, ``"onehot"``, ``"codes"``,
        ``"target"``, ``"dates"``, ``"missing"`` (NaN) or ``"dropped"``.
    outputs : tuple of str
        The names of its output columns (empty when dropped).
    n_missing : int or None
        Missing values at fit (None for a numeric array, not read).
    n_distinct : int or None
        Distinct present values of a text or category column.
    constant : bool
        One value in every row at fit.
    detail : str
        What else was decided: placeholders read as missing, the date
        format, the categories kept, why a column was dropped.
    """

    name: str
    kind: str
    encoding: str
    outputs: tuple
    n_missing: int | None
    n_distinct: int | None
    constant: bool
    detail: str = ""


@dataclass(frozen=True)
class EncodingReport:
    """Everything :class:`~sktorchsafe.TableEncoder` decided, per column.

    Attributes
    ----------
    columns : tuple of ColumnEncoding
        One entry per input column, in column order.
    findings : tuple of Finding
        What is worth knowing (all of severity ``"info"``: the encoder
        handles each case itself).
    """

    columns: tuple
    findings: tuple

    def __getitem__(self, name):
        """The :class:`ColumnEncoding` of the column called ``name``."""
        for column in self.columns:
            if column.name == name:
                return column
        raise KeyError(name)

    def to_frame(self):
        """One row per input column, indexed by name, as a pandas DataFrame."""
        import pandas as pd

        rows = [vars(column) for column in self.columns]
        return pd.DataFrame(rows).set_index("name")


def _names(columns):
    return describe([repr(column.name) for column in columns])


def build_findings(columns, *, min_frequency):
    """The findings about ``columns`` (:class:`ColumnEncoding`), in a fixed order."""
    findings = []

    def add(kind, flagged, message, fix=None):
        names = tuple(column.name for column in flagged)
        findings.append(Finding(kind, "info", names, message, fix or fix_for(kind)))

    if parsed := [c for c in columns if c.kind == "text_numbers"]:
        add(
            "mixed_types",
            parsed,
            f"Numbers stored as text, read as numbers: "
            f"{describe([f'{c.name!r} ({c.detail})' for c in parsed])}.",
        )
    if dates := [c for c in columns if c.kind == "text_dates"]:
        add(
            "text_dates",
            dates,
            f"Dates stored as text, read as dates: "
            f"{describe([f'{c.name!r} ({c.detail})' for c in dates])}.",
        )
    if ids := [c for c in columns if c.kind == "id_like"]:
        add(
            "id_like",
            ids,
            f"{_names(ids)} {agree(ids, 'holds', 'hold')} a different value in "
            f"every row ({describe([plural(c.n_distinct, 'value') for c in ids])}"
            "): an identifier or free text. Dropped.",
        )
    if many := [c for c in columns if c.kind == "high_cardinality"]:
        parts = [
            f"{c.name!r} ({plural(c.n_distinct, 'distinct value')}: {c.detail})"
            for c in many
        ]
        add(
            "high_cardinality",
            many,
            f"Too many categories for one-hot columns: {describe(parts)}.",
        )
    if missing := [c for c in columns if c.kind == "all_missing"]:
        add(
            "all_missing",
            missing,
            f"{_names(missing)} {agree(missing, 'has', 'have')} no value at fit: "
            "kept as a column of NaN, whatever later rows hold, so the width "
            "stays the same.",
        )
    if constant := [c for c in columns if c.constant]:
        add(
            "constant",
            constant,
            f"{_names(constant)} {agree(constant, 'holds', 'hold')} one value "
            "in every row at fit: kept, so the width does not depend on the "
            "rows a fit sees.",
        )
    if rare := [c for c in columns if c.encoding in ("onehot", "codes") and c.detail]:
        add(
            "rare_categories",
            rare,
            f"Categories seen fewer than min_frequency={min_frequency!r} times "
            "share the place of unseen ones: "
            f"{describe([f'{c.name!r} ({c.detail})' for c in rare])}.",
        )
    return tuple(findings)


def nothing_left(columns):
    """The message of a fit that drops every column: why each, and each fix."""
    reasons, kinds = [], {}
    for column in columns:
        if column.kind == "id_like":
            why, kind = "a different value in every row: an identifier", "id_like"
        elif column.kind == "high_cardinality":
            many = plural(column.n_distinct, "category", "categories")
            why, kind = f"{many}, {column.detail}", "high_cardinality"
        else:
            why, kind = column.detail or column.kind, "rare_categories"
        reasons.append(f"{column.name!r} ({why})")
        kinds[kind] = None
    return (
        f"TableEncoder: no column is left for the net: every one of the "
        f"{plural(len(columns), 'column')} was dropped: {describe(reasons)}. "
        f"Fix: {' '.join(fix_for(kind) for kind in kinds)}"
    )
