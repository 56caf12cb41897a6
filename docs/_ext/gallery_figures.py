"""A sphinx-gallery image scraper for the figures of `behavert.report.figures`.

Those functions build `matplotlib.figure.Figure` objects on an Agg canvas,
without pyplot (no global figure state), so sphinx-gallery's matplotlib
scraper, which collects pyplot's figures, does not see them. This scraper
shows every such figure that an example's code block leaves in a global
variable (``fig = ethogram(...)``), once. It runs before the matplotlib
scraper, which closes pyplot's figures: a figure with a pyplot manager is
only marked as seen here (that scraper shows it), so it is not taken for a
pyplot-free one once closed. conf.py names it as
``"gallery_figures.report_figure_scraper"`` (a string, so Sphinx can pickle
its configuration).
"""

from __future__ import annotations

import weakref
from pathlib import PurePosixPath
from typing import Any

#: figures already shown (by any example of this build)
_SHOWN: weakref.WeakSet = weakref.WeakSet()


def report_figure_scraper(block: Any, block_vars: dict, gallery_conf: dict, **kwargs):
    """Save the block's new pyplot-free figures; return their reST."""
    from matplotlib.figure import Figure
    from sphinx_gallery.scrapers import figure_rst

    figures = []
    for value in block_vars["example_globals"].values():
        if not isinstance(value, Figure) or value in _SHOWN:
            continue
        _SHOWN.add(value)
        if value.canvas.manager is None:  # pyplot's figures have a manager
            figures.append(value)
    paths = []
    for figure, path in zip(figures, block_vars["image_path_iterator"]):
        path = PurePosixPath(path)
        figure.savefig(path)
        paths.append(path)
    if not paths:
        return ""
    return figure_rst(paths, gallery_conf["src_dir"])
