"""Plain text for the reports: aligned tables and wrapped paragraphs."""

import textwrap

__all__ = ["shorten", "text_table", "wrap"]


def text_table(rows):
    """Rows of strings as aligned plain text, a rule under the first row.

    Examples
    --------
    >>> print(text_table([("a", "bb"), ("ccc", "d")]))
    a    bb
    ---  --
    ccc  d
    """
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    rule = tuple("-" * w for w in widths)
    return "\n".join(
        "  ".join(cell.ljust(w) for cell, w in zip(row, widths, strict=True)).rstrip()
        for row in [rows[0], rule, *rows[1:]]
    )


def shorten(text, width):
    """``text`` cut to ``width`` characters, ending in ``...`` when cut."""
    return text if len(text) <= width else text[: width - 3] + "..."


def wrap(text, indent, first=""):
    """``text`` wrapped at 88 characters, later lines indented by ``indent``."""
    return textwrap.fill(text, width=88, initial_indent=first, subsequent_indent=indent)
