"""Show the figures that sktorchsafe's reports return in the gallery.

``DiagnosisReport.plot()`` and ``PipelineReport.plot()`` return a
:class:`matplotlib.figure.Figure` that is not attached to pyplot (so that a
library call never opens a window or leaks a figure). sphinx-gallery's
matplotlib scraper only sees pyplot's figures, so this scraper first hands
pyplot every such figure that a code block left in the example's namespace,
then lets the matplotlib scraper save them all, in order.
"""

from sphinx_gallery.scrapers import matplotlib_scraper


def report_figures(block, block_vars, gallery_conf, **kwargs):
    """sphinx-gallery image scraper: pyplot's figures and the reports' figures."""
    import matplotlib.pyplot as plt
    from matplotlib.figure import Figure

    namespace = block_vars.get("example_globals") or {}
    # The figures already shown, kept alive so that no id is reused.
    shown = block_vars.setdefault("_sktorchsafe_shown", {})
    for value in list(namespace.values()):
        if not isinstance(value, Figure) or id(value) in shown:
            continue
        shown[id(value)] = value
        if value.canvas.manager is None:  # not pyplot's: attach it
            plt.figure(value)
    return matplotlib_scraper(block, block_vars, gallery_conf, **kwargs)
