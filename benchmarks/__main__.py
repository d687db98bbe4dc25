"""``python -m benchmarks NAME [--quick] [--repeat N]``: run one suite."""

import argparse
import importlib
import pkgutil
import sys

import benchmarks


def _suites():
    return sorted(
        info.name.removeprefix("bench_")
        for info in pkgutil.iter_modules(benchmarks.__path__)
        if info.name.startswith("bench_")
    )


def main(argv=None):
    parser = argparse.ArgumentParser(prog="python -m benchmarks", description=__doc__)
    parser.add_argument("suite", nargs="?", help="suite to run (see --list)")
    parser.add_argument("--list", action="store_true", help="list the suites")
    parser.add_argument(
        "--quick", action="store_true", help="small data, few repeats (smoke run)"
    )
    parser.add_argument(
        "--repeat", type=int, default=None, help="interleaved runs per row"
    )
    args = parser.parse_args(argv)
    if args.list or not args.suite:
        print("\n".join(_suites()))
        return 0
    if args.suite not in _suites():
        parser.error(f"unknown suite {args.suite!r}; choose from {_suites()}")
    module = importlib.import_module(f"benchmarks.bench_{args.suite}")
    module.run(quick=args.quick, repeat=args.repeat)
    return 0


if __name__ == "__main__":
    sys.exit(main())
