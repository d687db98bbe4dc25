"""What a table's columns hold: one column classification for every floor.

The validation of X (:mod:`sktorchsafe.core.validation`), the reading of
targets (:mod:`sktorchsafe.core.targets`), :func:`~sktorchsafe.diagnose` and
:class:`~sktorchsafe.TableEncoder` ask these functions whether a column holds
numbers, numbers stored as text (with their placeholders), text, categories,
dates or other objects, instead of testing dtypes themselves (the way skrub's
``_dataframe`` dispatch answers such questions once).

:func:`classify_column` answers for one whole column. :func:`profile_column`
answers in counts that merge (:class:`ColumnProfile`), so that a table read
in chunks or Dask partitions is judged as if read at once, and
:meth:`ColumnProfile.kind` turns the counts into what the encoder makes of
the column, by the same rules.
"""

import numbers
from dataclasses import dataclass, field, replace
from datetime import date

import numpy as np
import pandas as pd

from .messages import describe

try:  # pandas >= 2.2
    from pandas.tseries.api import guess_datetime_format
except ImportError:  # pragma: no cover - pandas 2.0 and 2.1
    guess_datetime_format = None

__all__ = [
    "MAX_TRACKED",
    "NUMERIC_OBJECT_KINDS",
    "NUMERIC_TEXT_SHARE",
    "ColumnProfile",
    "as_float",
    "category_values",
    "classify_column",
    "is_number_column",
    "is_text_dtype",
    "numbers_in_text",
    "profile_column",
    "read_dates",
    "read_numbers",
]

#: ``pandas.api.types.infer_dtype`` answers for object columns (and targets)
#: that hold numbers.
NUMERIC_OBJECT_KINDS = frozenset(
    {"integer", "floating", "mixed-integer-float", "decimal", "boolean", "empty"}
)

#: With this share of a text column's values readable as numbers, the column
#: is taken for numbers with placeholders ("?", "n/a") rather than for text.
NUMERIC_TEXT_SHARE = 0.9


#: Distinct values a :class:`ColumnProfile` counts one by one; a column with
#: more is high-cardinality, and only whether a value repeats is followed.
MAX_TRACKED = 10_000

#: Placeholders (non-numbers in a column of numbers) kept per column, the
#: most frequent first.
_PLACEHOLDERS_KEPT = 20

#: How a number written as text starts (``12``, ``-.5``, ``+inf``, ``NaN``).
#: (No ``\s`` and no ``case=False``: pyarrow strings then match it in C.)
_NUMBER_START = r"[ \t]*[+-]?(?:\d|\.\d|[iI][nN][fF]|[nN][aA][nN])"

#: A number written with thousands separators: ``1,234`` or ``-12,345.6``.
_THOUSANDS = r"[+-]?\d{1,3}(?:,\d{3})+(?:\.\d*)?"


def _read_numbers(column):
    """``(values, readable)``: ``column`` read as float64, and where it is a number.

    Missing entries and non-numbers are NaN in ``values``; ``readable`` is
    False for them, except for a ``"nan"`` written out, which reads as NaN
    and counts as a number. Numbers with thousands separators (``"1,234"``)
    are read; ``"1,5"`` is not a number (a decimal comma is not guessed).
    ``None`` for columns pandas cannot read at all (complex numbers).
    """
    present = column.notna().to_numpy()
    as_text = column.astype(str)
    candidates = np.ones(len(column), dtype=bool)
    if pd.api.types.infer_dtype(column, skipna=True) == "string":
        # Text only: read just what starts like a number (identifiers and
        # words are most of the cost of pandas.to_numeric otherwise).
        candidates = as_text.str.match(_NUMBER_START).to_numpy(dtype=bool)
        column = column[candidates]
    grouped = as_text[candidates].str.fullmatch(_THOUSANDS).to_numpy(dtype=bool)
    if grouped.any():
        column = column.astype(object).copy()
        column[grouped] = as_text[candidates][grouped].str.replace(",", "", regex=False)
    values = np.full(len(candidates), np.nan)
    try:
        read = pd.to_numeric(column, errors="coerce")
        values[candidates] = np.asarray(read, dtype=np.float64)
    except (TypeError, ValueError):  # lists, dicts, complex numbers
        return None
    # A "nan" written out reads as NaN: count it as read, not as text.
    spelled_nan = np.zeros(len(candidates), dtype=bool)
    maybe = candidates & present & np.isnan(values)
    if maybe.any():
        spelled_nan[maybe] = as_text[maybe].str.strip().str.lower().eq("nan")
    return values, present & (~np.isnan(values) | spelled_nan)


def read_numbers(column):
    """A column of numbers, or of numbers stored as text, as float64.

    Missing entries and values that are not numbers (placeholders) are NaN.

    Examples
    --------
    >>> import pandas as pd
    >>> read_numbers(pd.Series(["1,234", "3.5", "?", None]))
    array([1234. ,    3.5,    nan,    nan])
    """
    read = _read_numbers(column)
    if read is None:
        return np.full(len(column), np.nan)
    return read[0]


def numbers_in_text(column):
    """``(values, placeholders)`` for a text column that is mostly numbers, else None.

    ``column`` is a pandas Series of strings (object or string dtype).
    ``values`` is a float64 array with NaN for the missing entries and the
    placeholders; ``placeholders`` maps each non-number (``"?"``, ``"n/a"``)
    to how often it occurs, most frequent first.  ``None`` when fewer than
    ``NUMERIC_TEXT_SHARE`` of the present values read as numbers: the column
    is text. Thousands separators are read (``"1,234"``).

    Examples
    --------
    >>> import pandas as pd
    >>> values, placeholders = numbers_in_text(pd.Series(["1.5", "?"] + ["2"] * 9))
    >>> values[:3], placeholders
    (array([1.5, nan, 2. ]), {'?': 1})
    """
    present = column.notna().to_numpy()
    if not present.any():
        return None
    read = _read_numbers(column)
    if read is None:
        return None
    values, parsed = read
    if parsed.sum() < NUMERIC_TEXT_SHARE * present.sum():
        return None
    others = column[present & ~parsed].astype(str).value_counts()
    return values, others.to_dict()


def is_number_column(column):
    """Real numbers or booleans (not categories, complex numbers or text).

    By dtype kind, as the steps judge a column: pyarrow-backed booleans are
    numbers (``pandas.api.types.is_numeric_dtype`` says no).
    """
    dtype = column.dtype
    return getattr(dtype, "kind", "O") in "biuf" and not isinstance(
        dtype, pd.CategoricalDtype
    )


def as_float(column, dtype=np.float64):
    """A column :func:`classify_column` calls numbers, as a float array.

    Missing values (None, ``pd.NA``) become NaN; numbers stored as text are
    read with :func:`numbers_in_text` (placeholders become NaN).
    """
    if is_number_column(column):
        return column.to_numpy(dtype=dtype, na_value=np.nan)
    if is_text_dtype(column.dtype):
        return read_numbers(column).astype(dtype, copy=False)
    values = pd.to_numeric(column, errors="coerce")
    return values.to_numpy(dtype=dtype, na_value=np.nan)


def is_text_dtype(dtype):
    """Whether ``dtype`` holds text: object, numpy strings, pandas' string or
    pyarrow's string."""
    if isinstance(dtype, pd.ArrowDtype):
        return getattr(dtype, "kind", "O") in "OSU" and "string" in str(dtype)
    return isinstance(dtype, pd.StringDtype) or (
        isinstance(dtype, np.dtype) and dtype.kind in "OSU"
    )


def classify_column(column):
    """What a non-numeric pandas column holds: ``(kind, text)``.

    Returns ``(kind, text)``: kind ``"numbers"`` for an object column of
    numbers (it converts as it is: ``text`` is None), ``"text_numbers"`` for
    numbers stored as text, ``"complex"`` for complex numbers, ``"objects"``
    for objects that are neither numbers nor text, ``"other"`` for
    everything else.
    """
    dtype = column.dtype
    if isinstance(dtype, pd.CategoricalDtype):
        return "other", "category"
    kind = getattr(dtype, "kind", "O")
    if kind == "c":
        return "complex", str(dtype)
    if kind in "mM":
        return "other", f"{'dates' if kind == 'M' else 'durations'}, {dtype}"
    if not is_text_dtype(dtype):
        return "other", str(dtype)
    if not column.notna().any():
        return "numbers", None  # nothing but missing values: a column of NaN
    inferred = pd.api.types.infer_dtype(column, skipna=True)
    if inferred in NUMERIC_OBJECT_KINDS and not isinstance(dtype, pd.StringDtype):
        return "numbers", None
    if inferred in ("mixed", "mixed-integer"):
        values = column.dropna()
        if any(not isinstance(value, str | numbers.Number) for value in values):
            return "objects", f"{inferred}, {dtype}"  # dicts, lists, dates...
        if not any(isinstance(value, str) for value in values):
            return "numbers", None  # e.g. Decimal next to int
    if inferred in ("string", "mixed", "mixed-integer"):
        read = numbers_in_text(column)
        if read is not None:
            _, placeholders = read
            if placeholders:
                shown = describe(
                    [f"{value!r} x{count}" for value, count in placeholders.items()],
                    limit=3,
                )
                return "text_numbers", f"not numbers: {shown}"
            return "text_numbers", "every value is a number written as text"
    return "other", "text" if inferred == "string" else f"{inferred}, {dtype}"


# ------------------------------------------------------- mergeable profiles
#: ``pandas.api.types.infer_dtype`` answers for object columns of dates.
DATE_OBJECT_KINDS = frozenset({"date", "datetime", "datetime64"})

#: Formats tried on dates stored as text where pandas cannot guess them.
_DATE_FORMATS = (
    "%Y-%m-%d",
    "%Y-%m-%d %H:%M:%S",
    "%Y-%m-%dT%H:%M:%S",
    "%Y/%m/%d",
    "%d/%m/%Y",
    "%m/%d/%Y",
    "%d.%m.%Y",
)


@dataclass
class ColumnProfile:
    """What one column holds, in counts that merge.

    The profile of a block of rows (all of them, a chunk of a stream, a
    Dask partition); :meth:`merge` gives the profile of two blocks together,
    and :meth:`kind` what :class:`~sktorchsafe.TableEncoder` makes of the
    column. Built by :func:`profile_column`.

    Attributes
    ----------
    dtype : {"numbers", "dates", "durations", "category", "text", "complex", \
"unread"}
        What the dtype says: numbers (numeric, boolean, nullable, pyarrow,
        objects that are all numbers), dates (datetime64, pyarrow dates,
        date objects), durations, categories (pandas ``category``), text
        (strings and anything else, read as text), complex numbers, or
        "unread" (numbers of a numeric array, not read at all).
    n_rows, n_missing : int
        Rows, and missing values (None, NaN, NaT, ``pd.NA``).
    low, high : float
        Smallest and largest present value (numbers, seconds for durations,
        days since 1970-01-01 for dates); NaN without any.
    float32 : bool
        Numbers stored as float32.
    has_time : bool
        Dates of which some are not at midnight.
    counts : dict or None
        Present value (as text) -> rows, for categories and text; None past
        ``tracked`` distinct values.
    n_distinct : int
        Distinct present values (a lower bound once ``counts`` is None).
    repeats : bool
        Some present value occurs more than once.
    text : bool
        Some present value is a string.
    n_numbers : int
        Present values that read as numbers (:func:`read_numbers`).
    placeholders : dict
        The most frequent present values that are not numbers -> rows.
    date_format : str or None
        The format most values stored as text are dates in (with a year, a
        month and a day), and ``n_dates`` how many it reads.
    declared : tuple or None
        The categories a ``category`` dtype declares, in its order.
    n_objects : int
        Present values that are neither text, numbers nor dates (lists,
        dicts...), and ``object_rows`` the first rows holding them.
    """

    dtype: str
    n_rows: int = 0
    n_missing: int = 0
    low: float = np.nan
    high: float = np.nan
    float32: bool = False
    has_time: bool = False
    counts: dict | None = field(default_factory=dict)
    n_distinct: int = 0
    repeats: bool = False
    text: bool = False
    n_numbers: int = 0
    placeholders: dict = field(default_factory=dict)
    date_format: str | None = None
    n_dates: int = 0
    declared: tuple | None = None
    n_objects: int = 0
    object_rows: tuple = ()
    tracked: int = MAX_TRACKED

    @property
    def n_present(self):
        return self.n_rows - self.n_missing

    @property
    def constant(self):
        """One value in every row (no missing value)."""
        if self.n_missing or not self.n_rows:
            return False
        if self.dtype in ("numbers", "dates", "durations", "unread"):
            return bool(self.low == self.high)
        return self.counts is not None and self.n_distinct == 1

    def kind(self, cardinality_threshold=40):
        """What the column is, for encoding: ``"numbers"``, ``"text_numbers"``,
        ``"dates"``, ``"text_dates"``, ``"durations"``, ``"category"``,
        ``"high_cardinality"``, ``"id_like"`` or ``"all_missing"``.

        Text that is at least ``NUMERIC_TEXT_SHARE`` numbers is numbers, at
        least that share of dates (in one format) is dates; other text and
        categories are ``"category"`` up to ``cardinality_threshold``
        distinct values, ``"id_like"`` past it when no value repeats, and
        ``"high_cardinality"`` otherwise.
        """
        if self.dtype == "unread":
            return "numbers"
        if self.n_present == 0:
            return "all_missing"
        if self.dtype in ("numbers", "dates", "durations"):
            return self.dtype
        if self.dtype == "text":
            if self.n_numbers >= NUMERIC_TEXT_SHARE * self.n_present:
                return "text_numbers" if self.text else "numbers"
            if self.n_dates >= NUMERIC_TEXT_SHARE * self.n_present:
                return "text_dates"
        if self.n_distinct > cardinality_threshold:
            return "high_cardinality" if self.repeats else "id_like"
        return "category"

    def merge(self, other):
        """The profile of this block's rows followed by ``other``'s."""
        a, b = self, other
        if a.dtype != b.dtype:
            if "unread" in (a.dtype, b.dtype):
                return replace(a, dtype="unread", n_rows=a.n_rows + b.n_rows)
            a, b = a._as_text(), b._as_text()
        counts, n_distinct = None, max(a.n_distinct, b.n_distinct)
        repeats = a.repeats or b.repeats
        if a.counts is not None and b.counts is not None:
            counts = dict(a.counts)
            for value, count in b.counts.items():
                counts[value] = counts.get(value, 0) + count
            repeats = repeats or len(counts) < len(a.counts) + len(b.counts)
            n_distinct = len(counts)
            if n_distinct > a.tracked:
                counts = None
        elif a.counts is not None or b.counts is not None:
            kept = a.counts if a.counts is not None else b.counts
            n_distinct = max(n_distinct, len(kept))
        date_format, n_dates = a.date_format, a.n_dates + b.n_dates
        both = None not in (a.date_format, b.date_format)
        if both and a.date_format != b.date_format:
            date_format, n_dates = max(
                (a.date_format, a.n_dates),
                (b.date_format, b.n_dates),
                key=lambda pair: pair[1],
            )
        elif a.date_format is None:
            date_format = b.date_format
        shifted = tuple(a.n_rows + row for row in b.object_rows)
        declared = a.declared
        if b.declared is not None and b.declared != a.declared:
            declared = tuple(dict.fromkeys((a.declared or ()) + b.declared))
        return ColumnProfile(
            dtype=a.dtype,
            n_rows=a.n_rows + b.n_rows,
            n_missing=a.n_missing + b.n_missing,
            low=float(np.fmin(a.low, b.low)),
            high=float(np.fmax(a.high, b.high)),
            float32=a.float32 and b.float32,
            has_time=a.has_time or b.has_time,
            counts=counts,
            n_distinct=n_distinct,
            repeats=repeats,
            text=a.text or b.text,
            n_numbers=a.n_numbers + b.n_numbers,
            placeholders=_top(_added(a.placeholders, b.placeholders)),
            date_format=date_format,
            n_dates=n_dates,
            declared=declared,
            n_objects=a.n_objects + b.n_objects,
            object_rows=(a.object_rows + shifted)[:5],
            tracked=a.tracked,
        )

    def _as_text(self):
        """This profile as the text profile of the same values.

        For a column whose dtype differs between blocks (a chunk of a CSV
        with a ``"?"`` in a column of numbers): numbers count as numbers
        read from text, dates as dates, categories by their counts.
        """
        if self.dtype == "text":
            return self
        counts = self.counts if self.dtype == "category" else None
        return replace(
            self,
            dtype="text",
            counts=counts,
            n_numbers=self.n_present if self.dtype == "numbers" else 0,
            n_dates=self.n_present if self.dtype == "dates" else 0,
        )


def _added(first, second):
    merged = dict(first)
    for key, count in second.items():
        merged[key] = merged.get(key, 0) + count
    return merged


def _top(counts, n=_PLACEHOLDERS_KEPT):
    """The ``n`` largest counts, largest first."""
    return dict(sorted(counts.items(), key=lambda item: -item[1])[:n])


def _value_range(values):
    """``(low, high)`` of a float array without NaN; NaN, NaN when empty."""
    if values.size == 0:
        return np.nan, np.nan
    return float(values.min()), float(values.max())


def category_values(column):
    """A column's values as categories: text, missing values as NaN.

    An object array: strings stay as they are, other present values
    (numbers, booleans, categories of any type) become their ``str``, and
    missing values (None, NaN, NaT, ``pd.NA``) become NaN, so that ``1``
    and ``"1"`` are one category and missing is one value.
    """
    values = np.array(column.to_numpy(dtype=object, na_value=np.nan), dtype=object)
    missing = pd.isna(values)
    if pd.api.types.infer_dtype(values, skipna=True) in ("string", "empty"):
        values[missing] = np.nan
        return values
    strings = np.array(
        [value if isinstance(value, str) else str(value) for value in values],
        dtype=object,
    )
    strings[missing] = np.nan
    return strings


def read_dates(column, date_format=None):
    """A column of dates (any dtype, or text) as a pandas datetime Series.

    Values that are not dates become NaT. Text is read with
    ``date_format`` when given, else each value on its own (slow); text is
    read as UTC, so offsets (``+02:00``) may differ from row to row.
    """
    dtype = column.dtype
    if getattr(dtype, "kind", "O") == "M" and not isinstance(dtype, pd.ArrowDtype):
        return column
    if getattr(dtype, "kind", "O") == "M":  # pyarrow dates and timestamps
        return pd.to_datetime(column)
    if is_text_dtype(dtype) and (
        date_format is not None
        or pd.api.types.infer_dtype(column, skipna=True) not in DATE_OBJECT_KINDS
    ):
        text = column.astype(object).where(column.notna(), None)
        return pd.to_datetime(
            text, format=date_format or "mixed", errors="coerce", utc=True
        )
    # Date objects, read as UTC when some carry a time zone.
    zoned = any(getattr(v, "tzinfo", None) is not None for v in column.dropna())
    return pd.to_datetime(column, errors="coerce", utc=zoned)


def epoch_days(dates):
    """Days since 1970-01-01 (UTC for dates with a time zone), NaN for NaT."""
    epoch = pd.Timestamp("1970-01-01", tz=dates.dt.tz)
    days = (dates - epoch) / pd.Timedelta(days=1)
    return days.to_numpy(dtype=np.float64, na_value=np.nan)


def _date_format(texts):
    """The format most of ``texts`` are dates in, with a year, month and day."""
    found = {}
    for text in texts:
        fmt = _guess_format(text.strip())
        if fmt is not None and all(
            any(code in fmt for code in codes)
            for codes in (("%Y", "%y"), ("%m", "%b", "%B"), ("%d",))
        ):
            found[fmt] = found.get(fmt, 0) + 1
    if not found:
        return None
    fmt, n = max(found.items(), key=lambda item: item[1])
    return fmt if n >= len(texts) / 2 else None


def _guess_format(text):
    if guess_datetime_format is not None:
        try:
            return guess_datetime_format(text)
        except (TypeError, ValueError):  # pragma: no cover - odd text
            return None
    from datetime import datetime  # pragma: no cover - pandas < 2.2

    for fmt in _DATE_FORMATS:  # pragma: no cover
        try:
            datetime.strptime(text, fmt)
        except ValueError:
            continue
        return fmt
    return None  # pragma: no cover


def profile_column(column, tracked=MAX_TRACKED):
    """The :class:`ColumnProfile` of a pandas Series (one block of rows).

    Counts each distinct value once: numbers stored as text, placeholders
    and dates stored as text are looked for among the distinct values, not
    every row.

    Examples
    --------
    >>> import pandas as pd
    >>> profile = profile_column(pd.Series(["1,234", "2.5"] * 10 + ["?", None]))
    >>> profile.kind(), profile.n_missing, profile.placeholders
    ('text_numbers', 1, {'?': 1})
    """
    n_rows = len(column)
    dtype = column.dtype
    if is_number_column(column):
        values = column.to_numpy(dtype=np.float64, na_value=np.nan)
        present = values[~np.isnan(values)]
        low, high = _value_range(present)
        return ColumnProfile(
            "numbers",
            n_rows,
            n_rows - present.size,
            low,
            high,
            float32=dtype == np.float32,
        )
    kind = getattr(dtype, "kind", "O")
    if kind == "c":
        return ColumnProfile("complex", n_rows)
    if kind == "m":
        seconds = (column / pd.Timedelta(seconds=1)).to_numpy(
            dtype=np.float64, na_value=np.nan
        )
        present = seconds[~np.isnan(seconds)]
        return ColumnProfile(
            "durations", n_rows, n_rows - present.size, *_value_range(present)
        )
    inferred = None
    if kind != "M" and is_text_dtype(dtype):
        inferred = pd.api.types.infer_dtype(column, skipna=True)
        if inferred in NUMERIC_OBJECT_KINDS:  # numbers (or booleans) as objects
            values = as_float(column)
            present = values[~np.isnan(values)]
            return ColumnProfile(
                "numbers", n_rows, n_rows - present.size, *_value_range(present)
            )
    if kind == "M" or inferred in DATE_OBJECT_KINDS:
        dates = read_dates(column)
        days = epoch_days(dates)
        present = ~np.isnan(days)
        kept = dates[present]
        return ColumnProfile(
            "dates",
            n_rows,
            n_rows - int(present.sum()),
            *_value_range(days[present]),
            has_time=bool((kept.dt.normalize() != kept).any()),
        )
    if isinstance(dtype, pd.CategoricalDtype):
        return _category_profile(column, tracked)
    return _text_profile(column, inferred, tracked)


def _category_profile(column, tracked):
    codes = column.cat.codes.to_numpy()
    keys = category_values(pd.Series(column.cat.categories, dtype=object))
    present = codes >= 0
    rows = np.bincount(codes[present], minlength=len(keys))
    counts = {}
    for key, count in zip(keys, rows.tolist(), strict=True):
        if count:
            counts[key] = counts.get(key, 0) + count
    return ColumnProfile(
        "category",
        len(column),
        int((~present).sum()),
        counts=counts if len(counts) <= tracked else None,
        n_distinct=len(counts),
        repeats=bool(rows.max(initial=0) > 1),
        declared=tuple(dict.fromkeys(keys)),
        tracked=tracked,
    )


def _text_profile(column, inferred, tracked):
    strings = inferred == "string"  # counted as stored, not as objects
    values = None if strings else category_values(column)
    present = column.notna().to_numpy() if strings else ~pd.isna(values)
    n_rows, n_present = len(column), int(present.sum())
    profile = ColumnProfile("text", n_rows, n_rows - n_present, tracked=tracked)
    if n_present == 0:
        return profile
    if inferred is None or inferred in ("mixed", "mixed-integer"):
        raw = column.to_numpy(dtype=object, na_value=np.nan)
        odd = np.array(
            [
                not isinstance(value, str | numbers.Number | date)
                for value in raw[present]
            ],
            dtype=bool,
        )
        if odd.any():
            profile.n_objects = int(odd.sum())
            profile.object_rows = tuple(np.flatnonzero(present)[odd][:5].tolist())
    if strings:
        counted = column.value_counts(dropna=True, sort=False)
    else:
        counted = pd.Series(values[present], dtype=object).value_counts(sort=False)
    keys = pd.Series(counted.index)
    rows = counted.to_numpy()
    profile.text = inferred in (None, "string", "mixed", "mixed-integer")
    profile.n_distinct = len(rows)
    profile.repeats = bool(rows.max() > 1)
    if len(rows) <= tracked:
        profile.counts = dict(zip(keys.tolist(), rows.tolist(), strict=True))
    else:
        profile.counts = None
    read = _read_numbers(keys)
    is_number = read[1] if read is not None else np.zeros(len(keys), dtype=bool)
    profile.n_numbers = int(rows[is_number].sum())
    others = np.argsort(-rows[~is_number], kind="stable")[:_PLACEHOLDERS_KEPT]
    other_keys, other_rows = keys[~is_number].to_numpy(), rows[~is_number]
    profile.placeholders = {other_keys[i]: int(other_rows[i]) for i in others.tolist()}
    if profile.n_numbers < NUMERIC_TEXT_SHARE * n_present:
        sample = other_keys[others[:10]]
        profile.date_format = _date_format([str(text) for text in sample])
        if profile.date_format is not None:
            dates = read_dates(pd.Series(other_keys), profile.date_format)
            parsed = dates.notna().to_numpy()
            profile.n_dates = int(other_rows[parsed].sum())
            kept = dates[parsed]
            profile.has_time = bool((kept.dt.normalize() != kept).any())
    return profile
