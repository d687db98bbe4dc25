"""
===========================================
Diagnosing a table before training a net
===========================================

A plain skorch net does not say what is wrong with its data: it logs ``nan``
losses, or a loss that never moves. :func:`~sktorchsafe.diagnose` reads the
table once and lists every problem with its severity, the columns and rows
concerned, and the step of :func:`~sktorchsafe.make_safe_pipeline` (and the
parameter) that handles it.
"""

# %%
# A messy regression table
# ------------------------
# :func:`~sktorchsafe.datasets.make_messy_regression` is scikit-learn's
# ``make_regression`` with damage added on purpose: 5% NaN, a few ±inf cells,
# 1% outliers, features whose scales span six orders of magnitude, and a
# target in the ten thousands.
from sktorchsafe import diagnose
from sktorchsafe.datasets import make_messy_regression

X, y = make_messy_regression(n_samples=500, n_features=6, random_state=0, as_frame=True)
report = diagnose(X, y)
print(report.summary())

# %%
# Every finding, most severe first
# --------------------------------
# ``print(report)`` gives the same table with each finding's message and
# fix; ``to_frame()`` gives it as a DataFrame to filter or log.
# ``report.ok`` is False: a plain net would fail or diverge on this table.
print(report.ok)
print(report.to_frame()[["severity", "kind", "columns", "n_cells", "step"]])

# %%
# The fix of one finding names the step and the parameter:
for finding in report.errors:
    print(f"{finding.kind}: {finding.fix}")

# %%
# The measurements behind the findings
# ------------------------------------
# ``report.features`` holds one row per column: NaN and ±inf counts, the
# robust scale, the outlier fences and the share of values beyond them.
print(report.features[["n_nan", "n_inf", "scale", "outlier_share"]])

# %%
# The figure
# ----------
# ``report.plot()`` draws the missing values, the scales on a log axis and
# the outlier shares, feature by feature, and below them every finding that
# has a count.
fig = report.plot()
