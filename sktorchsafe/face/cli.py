"""The command line: ``sktorchsafe diagnose FILE`` and ``sktorchsafe demo``.

``python -m sktorchsafe`` and the ``sktorchsafe`` console script both run
:func:`main`.  Exit status: 0 when the diagnosis is OK (and after the demo),
1 when it is not, 2 when the command cannot run (bad arguments, a file that
cannot be read or written, a missing optional dependency), 141 when the
reader of the output stopped reading (``| head``).

``diagnose`` and ``--help`` never load torch or skorch: the demo, which
trains nets, lives in :mod:`sktorchsafe.face.demo` and is imported only when
the ``demo`` command runs.
"""

import argparse
import difflib
import importlib.util
import os
import sys
from pathlib import Path

from ..core.progress import Progress
from ..exceptions import DataQualityError, SktorchsafeError

__all__ = ["main", "read_table"]

EXIT_OK, EXIT_NOT_OK, EXIT_USAGE = 0, 1, 2

#: 128 + SIGPIPE: what a shell reports for a reader that stopped reading.
EXIT_BROKEN_PIPE = 141

#: Data files at least this large get progress lines on stderr at once when
#: it is a terminal (reading and diagnosing ~20 MB of CSV takes a few
#: seconds); smaller ones only for work still running after a few seconds.
PROGRESS_BYTES = 20 * 2**20

#: Compression suffixes pandas reads transparently.
_COMPRESSION = {".gz", ".bz2", ".zip", ".xz", ".zst", ".tar"}
_CSV = {".csv": ",", ".tsv": "\t", ".tab": "\t", ".txt": None}
_PARQUET = {".parquet", ".pq"}


class UsageError(Exception):
    """The command cannot run as asked (exit status 2)."""


# ====================================================================== reading
def read_table(path, *, sep=None, na_values=None):
    r"""Read a CSV (optionally compressed) or parquet file into a DataFrame.

    Parameters
    ----------
    path : str or Path
        ``.csv``, ``.tsv``, ``.tab`` or ``.txt`` (optionally ``.gz``,
        ``.bz2``, ``.zip``, ``.xz``, ``.zst``), or ``.parquet`` / ``.pq``.
        Text files may be UTF-8 (with or without a byte-order mark),
        Windows-1252 or Latin-1.
    sep : str, default=None
        Field separator of a text file; ``None`` means ``","`` for ``.csv``
        (or ``";"``, a tab or ``"|"`` when the header holds no comma but
        one of them), a tab for ``.tsv`` / ``.tab``, and detection for
        ``.txt``. A file separated by ``";"`` whose numbers are written
        with a decimal comma (``3,14``) is read with ``decimal=","``.
    na_values : list of str, default=None
        Extra strings read as missing, on top of pandas' defaults (``""``,
        ``"NA"``, ``"NaN"``, ``"n/a"``, ...).

    Returns
    -------
    frame : pandas.DataFrame

    Raises
    ------
    UsageError
        When the file does not exist, has an unknown suffix, cannot be
        parsed, or is parquet and neither pyarrow nor fastparquet is
        installed.

    Examples
    --------
    >>> import tempfile
    >>> from pathlib import Path
    >>> from sktorchsafe.face.cli import read_table
    >>> with tempfile.TemporaryDirectory() as tmp:
    ...     path = Path(tmp) / "data.csv"
    ...     _ = path.write_text("a,b\n1,?\n2,3.5\n")
    ...     read_table(path, na_values=["?"])
         a    b
    0  1  NaN
    1  2  3.5
    """
    import pandas as pd

    path = Path(path)
    if path.is_dir():
        raise UsageError(f"{str(path)!r} is a directory; give the data file in it.")
    if not path.is_file():
        raise UsageError(f"{str(path)!r}: no such file.")
    if path.stat().st_size == 0:
        raise UsageError(
            f"{str(path)!r} cannot be read: it is empty (no header, no rows)."
        )
    suffixes = [s.lower() for s in path.suffixes]
    while suffixes and suffixes[-1] in _COMPRESSION:
        suffixes.pop()
    suffix = suffixes[-1] if suffixes else ""
    try:
        if suffix in _PARQUET:
            return _read_parquet(path)
        if suffix in _CSV:
            return _read_text(
                path, sep=sep, default_sep=_CSV[suffix], na_values=na_values
            )
    except (ValueError, OSError, UnicodeDecodeError, pd.errors.ParserError) as exc:
        raise UsageError(f"{str(path)!r} cannot be read: {exc}") from exc
    raise UsageError(
        f"{str(path)!r}: unknown file type {suffix or '(no suffix)'!r}. Give a "
        ".csv, .tsv or .parquet file (CSV may be compressed, e.g. .csv.gz)."
    )


#: Field separators tried when a ``.csv`` file read with commas has one column.
_OTHER_SEPARATORS = (";", "\t", "|")

#: Encodings tried, in order: UTF-8 (with or without a byte-order mark), then
#: the Windows and Latin-1 code pages spreadsheets often export.
_ENCODINGS = ("utf-8", "cp1252", "latin-1")

#: A number written with a decimal comma ("3,14", "-0,5"), as in files
#: separated by semicolons.
_DECIMAL_COMMA = r"^\s*[-+]?\d+,\d+\s*$"


def _read_text(path, *, sep, default_sep, na_values):
    """Read a delimited text file, guessing what a spreadsheet export leaves open.

    With ``sep=None``: a ``.csv`` whose header holds no comma but a
    semicolon, tab or pipe is read with that separator; a file separated by
    semicolons whose text columns are numbers with a decimal comma is read
    with ``decimal=","``.  A file that is not UTF-8 is read as Windows-1252
    (or Latin-1); a file holding NUL bytes is not text and is not retried.
    """
    import pandas as pd

    def read(**options):
        encodings = list(_ENCODINGS)
        while True:
            encoding = encodings.pop(0)
            try:
                frame = pd.read_csv(
                    path,
                    na_values=na_values,
                    low_memory=False,
                    encoding=encoding,
                    **options,
                )
            except UnicodeDecodeError as exc:
                binary = b"\x00" in bytes(exc.object) or _starts_binary(path)
                if not encodings or binary:
                    raise  # no code page left, or not text at all (NUL bytes)
                continue
            return frame

    if sep is not None or default_sep is None:
        frame = read(sep=sep, engine="python" if sep is None else "c")
    else:
        frame = read(sep=default_sep)
        if frame.shape[1] == 1 and default_sep == ",":
            header = str(frame.columns[0])
            found = [other for other in _OTHER_SEPARATORS if other in header]
            if found:
                sep = found[0]
                frame = read(sep=sep)
    if (sep or default_sep) == ";" and _has_decimal_commas(frame):
        frame = read(sep=";", decimal=",")
    return frame


def _starts_binary(path):
    """Whether an uncompressed file's first 8 KiB hold a NUL byte: not text.

    A code page decodes any byte, so a binary file must be told apart before
    one is tried (pandas before 3 stops the decoder's view at the first NUL).
    """
    if path.suffix.lower() in _COMPRESSION:
        return False
    with open(path, "rb") as file:
        return b"\x00" in file.read(8192)


def _has_decimal_commas(frame):
    """True when most text cells of ``frame`` are numbers with a decimal comma."""
    text = frame.select_dtypes(include=["object", "string"])
    if text.shape[1] == 0:
        return False
    cells = text.stack()
    if cells.empty:
        return False
    return bool(cells.astype(str).str.match(_DECIMAL_COMMA).mean() > 0.5)


def _read_parquet(path):
    import pandas as pd

    try:
        return pd.read_parquet(path)
    except ImportError as exc:
        raise UsageError(
            "reading parquet needs pyarrow (or fastparquet), which is not "
            "installed. Install it with: pip install 'sktorchsafe[parquet]' "
            "(or: pip install pyarrow)."
        ) from exc


# ===================================================================== diagnose
def _split_columns(values):
    """``["a,b", "c"]`` from repeated, comma-separated options to ``[a, b, c]``."""
    return [item.strip() for value in values for item in value.split(",") if item]


def _column(frame, name, option):
    if name in frame.columns:
        return name
    # Headers with spaces around names, or non-string names (parquet).
    for wanted in (lambda c: str(c) == name, lambda c: str(c).strip() == name.strip()):
        matches = [column for column in frame.columns if wanted(column)]
        if len(matches) == 1:
            return matches[0]
    close = difflib.get_close_matches(name, [str(c) for c in frame.columns], n=3)
    hint = f" Did you mean {', '.join(map(repr, close))}?" if close else ""
    columns = ", ".join(repr(str(c)) for c in list(frame.columns)[:12])
    more = " ..." if frame.shape[1] > 12 else ""
    raise UsageError(
        f"{option} {name!r} is not a column of the file.{hint} The columns are: "
        f"{columns}{more}"
    )


def _progress(path):
    """Progress lines of the work on ``path``, and its size in MB.

    The lines show at once for a large file, after a few seconds of work
    otherwise, and either way only on a terminal, never in a file or a pipe
    (see :class:`~sktorchsafe.core.progress.Progress`).
    """
    try:
        size = Path(path).stat().st_size
    except OSError:
        size = 0
    after = 0.0 if size >= PROGRESS_BYTES else None
    return lambda label: Progress(label, who="sktorchsafe", after=after), size / 2**20


def _diagnose_command(args, out):
    from .diagnose import diagnose

    progress, megabytes = _progress(args.file)
    with progress(f"reading {args.file} ({megabytes:.0f} MB)"):
        frame = read_table(
            args.file,
            sep=args.sep,
            na_values=_split_columns(args.na_values) or None,
        )
    drop = [_column(frame, name, "--drop") for name in _split_columns(args.drop)]
    y = None
    if args.target is not None:
        target = _column(frame, args.target, "--target")
        y = frame[target]
        drop.append(target)
    X = frame.drop(columns=drop)
    with progress(f"diagnosing {X.shape[0]} rows x {X.shape[1]} columns"):
        report = diagnose(X, y, task=args.task)
    print(report, file=out)
    plots = importlib.util.find_spec("matplotlib") is not None
    if args.html:
        with progress(f"writing {args.html}"):
            _write(
                args.html,
                lambda path: path.write_text(
                    report.to_html(title=Path(args.file).name), "utf-8"
                ),
            )
        print(f"\nwrote {args.html}", file=out)
        if not plots:
            print(
                f"sktorchsafe diagnose: {args.html} has no figure: matplotlib is "
                "not installed (pip install 'sktorchsafe[plot]').",
                file=sys.stderr,
            )
    for path, text in (
        (args.json, report.to_json),
        (args.markdown, report.to_markdown),
    ):
        if path:
            _write(path, lambda target, text=text: target.write_text(text(), "utf-8"))
            print(f"wrote {path}", file=out)
    if args.png:
        if not plots:
            print(
                f"sktorchsafe diagnose: {args.png} not written: --png needs "
                "matplotlib, which is not installed (pip install "
                "'sktorchsafe[plot]').",
                file=sys.stderr,
            )
        else:
            _write(args.png, lambda path: _save_figure(report.plot(), path))
            print(f"wrote {args.png}", file=out)
    try:
        report.raise_if_severe(args.fail_on)
    except DataQualityError:
        return EXIT_NOT_OK
    return EXIT_OK


def _save_figure(figure, path):
    figure.savefig(path, dpi=110)


def _check_writable(path, option):
    """Raise :class:`UsageError` before any work when ``path`` cannot be written."""
    if path is None:
        return
    folder = Path(path).parent
    if not folder.is_dir():
        raise UsageError(
            f"{option} {path}: the folder {str(folder)!r} does not exist. Create "
            "it first, or give another path."
        )
    if Path(path).is_dir():
        raise UsageError(f"{option} {path} is a folder; give a file name.")


def _write(path, write):
    """``write(Path(path))``; an error of the file system is a usage error."""
    try:
        write(Path(path))
    except OSError as exc:
        raise UsageError(f"cannot write {path}: {exc.strerror or exc}.") from exc


# ========================================================================= main
def build_parser():
    """The ``argparse`` parser of the command line."""
    parser = argparse.ArgumentParser(
        prog="sktorchsafe",
        description="See what will make a PyTorch net go NaN before training, "
        "and watch the fix work.",
    )
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")
    commands.required = True

    diag = commands.add_parser(
        "diagnose",
        help="report what in a data file would break training",
        description="Report, finding by finding, what in a CSV or parquet file "
        "would make a skorch net fail or diverge, and which step of "
        "make_safe_pipeline fixes it. Exit status: 0 OK, 1 not OK, 2 usage "
        "error.",
    )
    diag.add_argument("file", help="a .csv/.tsv (optionally compressed) or .parquet")
    diag.add_argument("--target", metavar="COL", help="the target column")
    diag.add_argument(
        "--task",
        choices=["auto", "regression", "classification"],
        default="auto",
        help="the learning task (default: auto: text, booleans and a few whole "
        "numbers are classes; fractions and many whole numbers with few rows "
        "each, such as grams or counts, are regression)",
    )
    diag.add_argument(
        "--drop",
        action="append",
        default=[],
        metavar="COL[,COL...]",
        help="columns to leave out (identifiers, leaks); repeatable",
    )
    diag.add_argument(
        "--na-values",
        action="append",
        default=[],
        metavar="S[,S...]",
        help="extra strings read as missing in a text file (e.g. '?,-999')",
    )
    diag.add_argument("--sep", help="field separator of a text file")
    diag.add_argument("--html", metavar="OUT.html", help="also write an HTML report")
    diag.add_argument("--png", metavar="OUT.png", help="also save the figure")
    diag.add_argument(
        "--json", metavar="OUT.json", help="also write the report as JSON"
    )
    diag.add_argument(
        "--markdown", metavar="OUT.md", help="also write the report as Markdown"
    )
    diag.add_argument(
        "--fail-on",
        choices=["error", "warning", "info"],
        default="error",
        help="exit 1 on findings this severe or worse (default: error, i.e. "
        "when the report is not OK)",
    )

    demo = commands.add_parser(
        "demo",
        help="plain skorch vs make_safe_pipeline on the embedded penguins data",
        description="Diagnose the embedded Palmer penguins data, then train the "
        "same net with plain skorch (nan losses) and inside make_safe_pipeline "
        "(finite losses, a test score), side by side.",
    )
    demo.add_argument(
        "--epochs", type=_positive_int, default=30, help="epochs per net (30)"
    )
    demo.add_argument(
        "--png",
        metavar="DIR",
        help="save diagnosis.png and losses.png in DIR",
    )
    demo.add_argument("--seed", type=int, default=0, help="random seed (0)")
    return parser


def _positive_int(text):
    value = int(text)
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be at least 1, got {value}")
    return value


def main(argv=None, *, out=None):
    """Run the command line; return the exit status.

    Parameters
    ----------
    argv : list of str, default=None
        The arguments; ``sys.argv[1:]`` when None.
    out : file-like, default=None
        Where reports are printed; ``sys.stdout`` when None. Errors go to
        ``sys.stderr``.

    Returns
    -------
    status : int
        0 OK, 1 the diagnosis is not OK, 2 usage error.
    """
    out = sys.stdout if out is None else out
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as exc:  # argparse has printed the usage error
        return EXIT_USAGE if exc.code else EXIT_OK
    try:
        if args.command == "diagnose":
            _check_writable(args.html, "--html")
            _check_writable(args.png, "--png")
            _check_writable(args.json, "--json")
            _check_writable(args.markdown, "--markdown")
            return _diagnose_command(args, out)
        if args.png and importlib.util.find_spec("matplotlib") is None:
            raise UsageError(
                "--png needs matplotlib, which is not installed. Install the "
                "plot extra: pip install 'sktorchsafe[plot]' (or pip install "
                "matplotlib)."
            )
        from .demo import run_demo  # torch and skorch load here, for the demo only

        run_demo(epochs=args.epochs, png=args.png, seed=args.seed, out=out)
        return EXIT_OK
    except (UsageError, ImportError, SktorchsafeError) as exc:
        print(f"sktorchsafe {args.command}: error: {exc}", file=sys.stderr)
        return EXIT_USAGE
    except BrokenPipeError:
        # The reader went away (``sktorchsafe diagnose f.csv | head``): stop
        # quietly, with the status a shell gives a command killed by SIGPIPE.
        if out is sys.stdout:
            devnull = os.open(os.devnull, os.O_WRONLY)
            os.dup2(devnull, sys.stdout.fileno())  # no error at interpreter exit
        return EXIT_BROKEN_PIPE
