"""``python -m sktorchsafe``: the command line (see :mod:`sktorchsafe.face.cli`).

Run ``python -m sktorchsafe demo`` to see plain skorch and the safe pipeline
side by side, and ``python -m sktorchsafe diagnose data.csv --target COL`` to
check a data file.  The ``sktorchsafe`` console script runs :func:`main` too.
"""

import sys

from .face.cli import main

__all__ = ["main"]

if __name__ == "__main__":
    sys.exit(main())
