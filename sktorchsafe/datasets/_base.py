"""The embedded real dataset: the Palmer penguins, raw, with their missing values."""

from importlib import resources

import numpy as np
import pandas as pd
from sklearn.utils import Bunch

__all__ = ["load_penguins"]

DATA_FILE = "penguins.csv"
DESCR_FILE = "penguins.rst"

#: Columns kept from the raw file, renamed, in the order of the returned frame.
COLUMNS = {
    "Species": "species",
    "Island": "island",
    "Sex": "sex",
    "Clutch Completion": "clutch_completion",
    "Date Egg": "date_egg",
    "Culmen Length (mm)": "bill_length_mm",
    "Culmen Depth (mm)": "bill_depth_mm",
    "Flipper Length (mm)": "flipper_length_mm",
    "Body Mass (g)": "body_mass_g",
    "Delta 15 N (o/oo)": "delta_15n",
    "Delta 13 C (o/oo)": "delta_13c",
}
NUMERIC = [
    "bill_length_mm",
    "bill_depth_mm",
    "flipper_length_mm",
    "body_mass_g",
    "delta_15n",
    "delta_13c",
]


def _read_frame():
    source = resources.files(__package__).joinpath(DATA_FILE)
    with source.open("rb") as handle:
        raw = pd.read_csv(handle, usecols=list(COLUMNS))
    frame = raw.rename(columns=COLUMNS)[list(COLUMNS.values())]
    frame["species"] = frame["species"].str.split().str[0]
    frame["sex"] = frame["sex"].str.lower()
    frame["date_egg"] = pd.to_datetime(frame["date_egg"], format="%Y-%m-%d")
    frame[NUMERIC] = frame[NUMERIC].astype(np.float64)
    return frame


def load_penguins(
    *, target="body_mass_g", numeric_only=True, return_X_y=False, as_frame=True
):
    """Load the Palmer penguins data, raw, with their genuine missing values.

    344 penguins of three species from the Palmer Archipelago, Antarctica:
    bill, flipper and body measurements, blood isotope ratios, sex, island
    and clutch observations, as recorded (Gorman et al., 2014; CC0).  The
    data ship inside the package, nothing is downloaded.

    Two targets are natural:

    - ``"body_mass_g"`` (the default): **regression** of the body mass in
      grams from the other measurements.  The target is in the thousands,
      2 of its values are missing, and 12 more rows miss an isotope ratio in
      X: exactly the data that makes a plain skorch net print ``nan``.
    - ``"species"``: **classification** into Adelie, Chinstrap and Gentoo
      (string labels, 152/124/68 birds).

    Any other column name may be given, or ``None`` for no target.

    Parameters
    ----------
    target : str or None, default="body_mass_g"
        The column returned as the target; it is left out of the data.
    numeric_only : bool, default=True
        If True, the data holds only the numeric measurements
        (``bill_length_mm``, ``bill_depth_mm``, ``flipper_length_mm``,
        ``body_mass_g``, ``delta_15n``, ``delta_13c``, less the target), as
        float64 with NaN where a value is missing.  If False, it also holds
        ``species``, ``island``, ``sex``, ``clutch_completion`` (strings) and
        ``date_egg`` (datetime), for trying encoders or :func:`~sktorchsafe.diagnose` on
        mixed columns.
    return_X_y : bool, default=False
        If True, return ``(data, target)`` instead of a Bunch.
    as_frame : bool, default=True
        If True, the data is a DataFrame and the target a Series; if False,
        NumPy arrays (of dtype object when ``numeric_only=False`` or the
        target is a string column).

    Returns
    -------
    data : :class:`~sklearn.utils.Bunch`
        Dictionary-like object with the attributes

        data : {DataFrame, ndarray} of shape (344, n_features)
            The features (5 when ``numeric_only=True`` and the target is a
            numeric column).
        target : {Series, ndarray} of shape (344,) or None
            The target, with its missing values (2 for ``body_mass_g``).
        frame : DataFrame of shape (344, 11) or None
            Every kept column, target included, when ``as_frame=True``.
        feature_names : list of str
            The columns of ``data``.
        target_names : ndarray or None
            The class names when the target is a string column.
        DESCR : str
            The description: columns, missing values, provenance, licence.
        filename : str
            The name of the data file inside the package.

    (data, target) : tuple if ``return_X_y`` is True

    Raises
    ------
    ValueError
        If ``target`` is not one of the columns.

    Notes
    -----
    The file is ``penguins-raw.csv`` of the ``palmerpenguins`` 0.1.6 package,
    unmodified; the columns are renamed to the short names of the popular
    "penguins" table (``Culmen Length (mm)`` becomes ``bill_length_mm``) and
    identifiers, free-text comments and the two columns that hold a single
    value are left out.  ``print(load_penguins().DESCR)`` gives the details
    and the references to cite.

    Examples
    --------
    >>> from sktorchsafe.datasets import load_penguins
    >>> X, y = load_penguins(return_X_y=True)
    >>> X.shape, y.name
    ((344, 5), 'body_mass_g')
    >>> X.isna().sum().to_dict()
    {'bill_length_mm': 2, 'bill_depth_mm': 2, 'flipper_length_mm': 2, \
'delta_15n': 14, 'delta_13c': 13}
    >>> X, y = load_penguins(target="species", return_X_y=True)
    >>> y.value_counts().to_dict()
    {'Adelie': 152, 'Gentoo': 124, 'Chinstrap': 68}
    """
    frame = _read_frame()
    if target is not None and target not in frame.columns:
        raise ValueError(
            f"load_penguins: target must be one of {list(frame.columns)} or None. "
            f"Got {target!r} instead."
        )
    keep = NUMERIC if numeric_only else list(frame.columns)
    feature_names = [name for name in keep if name != target]
    data = frame[feature_names]
    y = None if target is None else frame[target]
    target_names = None
    if y is not None and not pd.api.types.is_numeric_dtype(y):
        target_names = np.asarray(sorted(y.dropna().unique()), dtype=object)
    if not as_frame:
        numeric = numeric_only and all(
            pd.api.types.is_numeric_dtype(data[name]) for name in feature_names
        )
        data = data.to_numpy(dtype=np.float64 if numeric else object)
        if y is not None:
            y = y.to_numpy(dtype=None if target_names is None else object)
        frame = None
    if return_X_y:
        return data, y
    descr = resources.files(__package__).joinpath(DESCR_FILE).read_text("utf-8")
    return Bunch(
        data=data,
        target=y,
        frame=frame,
        feature_names=feature_names,
        target_names=target_names,
        DESCR=descr,
        filename=DATA_FILE,
    )
