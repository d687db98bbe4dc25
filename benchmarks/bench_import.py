"""Import time: ``import sktorchsafe`` vs ``import sklearn.preprocessing``.

Each contender is a whole fresh interpreter (``python -c ...``), start-up
included, so the numbers are what a user waits for before the first line of
their script runs. Our transformers are scikit-learn transformers, so the
yardstick is the scikit-learn module a user imports for the same job; a bare
``python -c pass`` shows the interpreter's own share. The training names load
torch on first use only, so none of these rows should pay for torch.

Target: ours/sklearn.preprocessing <= 1.3 for ``import sktorchsafe``.
"""

import subprocess
import sys

from ._common import COLUMNS, compare, print_table

#: Interleaved runs per row (and with ``--quick``): each is a new process.
REPEAT, QUICK_REPEAT = 15, 3
#: The ratio the import of the package should stay under.
TARGET = 1.3

SKLEARN = "import sklearn.preprocessing"
BARE = "pass"

#: case: (our command line arguments, what it does)
CASES = {
    "import sktorchsafe": ["-c", "import sktorchsafe"],
    "from sktorchsafe import SafeStandardScaler": [
        "-c",
        "from sktorchsafe import SafeStandardScaler",
    ],
    "python -m sktorchsafe --help": ["-m", "sktorchsafe", "--help"],
}


def _process(args):
    """A callable that runs ``python ARGS`` to completion and checks it worked."""

    def run():
        subprocess.run(
            [sys.executable, *args],
            check=True,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )

    return run


def _heavy_modules():
    """Whether ``import sktorchsafe`` loads torch or skorch, and how many modules."""
    code = (
        "import sys; before = set(sys.modules); import sktorchsafe; "
        "new = set(sys.modules) - before; "
        "heavy = sorted({m.split('.')[0] for m in new} & {'torch', 'skorch'}); "
        "print(len(new), ','.join(heavy) or 'none')"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], check=True, capture_output=True, text=True
    ).stdout.split()
    return int(out[0]), out[1]


def run(quick=False, repeat=None):
    repeat = repeat or (QUICK_REPEAT if quick else REPEAT)
    for args in [*CASES.values(), ["-c", SKLEARN]]:  # warm the bytecode caches
        _process(args)()
    rows = []
    for case, args in CASES.items():
        rows += compare(
            case,
            {
                "sktorchsafe": _process(args),
                "sklearn.preprocessing": _process(["-c", SKLEARN]),
                "python -c pass": _process(["-c", BARE]),
            },
            repeat,
            memory=False,
        )
    print_table(
        rows,
        f"Import time, whole processes, {repeat} interleaved runs "
        f"(ours/this: ours over this contender, target vs scikit-learn <= {TARGET})",
        columns=[column for column in COLUMNS if column[0] != "peak_MiB"],
    )
    n_modules, heavy = _heavy_modules()
    print(f"\nimport sktorchsafe loads {n_modules} modules; torch/skorch: {heavy}")
    ratio = next(
        row["ours/this"]
        for row in rows
        if row["case"] == "import sktorchsafe"
        and row["contender"] == "sklearn.preprocessing"
    )
    verdict = "within" if ratio <= TARGET else "OVER"
    print(
        "import sktorchsafe / import sklearn.preprocessing = "
        f"{ratio:.2f} ({verdict} {TARGET})"
    )
    return rows
