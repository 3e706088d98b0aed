"""Small HTML builders shared by the report's sections; every text goes through escape()."""

from __future__ import annotations

import base64
import io
from html import escape

from fertui.presentation import Cell, is_best, text_of


def table(header: list[str], rows: list[list[Cell | str]], css_class: str = "") -> str:
    """An HTML table; a winning cell (``Cell.best``) gets the ``best`` class and a star."""
    head = "".join(f"<th>{escape(h)}</th>" for h in header)
    body = []
    for row in rows:
        cells = []
        for i, cell in enumerate(row):
            tag, text = "th" if i == 0 else "td", text_of(cell)
            if is_best(cell) and text:
                cells.append(f'<{tag} class="best"><strong>{escape(text)} ★</strong></{tag}>')
            else:
                cells.append(f"<{tag}>{escape(text)}</{tag}>")
        body.append("<tr>" + "".join(cells) + "</tr>")
    cls = f' class="{css_class}"' if css_class else ""
    return f"<table{cls}><thead><tr>{head}</tr></thead><tbody>{''.join(body)}</tbody></table>"


def figure_img(fig, alt: str) -> str:
    """FIG as an inline PNG (a data: URI, so the file needs nothing beside it), then freed."""
    import matplotlib.pyplot as plt

    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=100)
    plt.close(fig)
    data = base64.b64encode(buf.getvalue()).decode("ascii")
    return f'<figure><img class="plot" alt="{escape(alt)}" src="data:image/png;base64,{data}"><figcaption>{escape(alt)}</figcaption></figure>'
