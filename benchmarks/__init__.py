"""Side-by-side benchmarks: each of our steps against the tool a user would pick.

Run ``python -m benchmarks --list`` for the suites, ``python -m benchmarks NAME``
for one of them.  Sizes live in :mod:`benchmarks._common`.
"""
