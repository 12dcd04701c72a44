"""The verification QR code, drawn as vector rectangles rather than an image.

Vector modules stay sharp at any zoom or print resolution, and scanners read them from paper
or from a screen.
"""

from __future__ import annotations

import re

import segno
from reportlab.lib.colors import HexColor
from reportlab.pdfgen.canvas import Canvas

_QR_MASK = 6
_DARK_RUN = re.compile(rb"[^\x00]+")


def draw_qr(c: Canvas, url: str, *, x: float, y: float, size: float) -> None:
    """Encode once with segno; draw the dark modules as one path of per-row rectangles.

    The path is written in module units (integer coordinates) under a scaling transform,
    which keeps it small and quick to format; the quiet zone is the page's white margin.
    """
    # A fixed mask skips segno's automatic choice, which scores all eight masks (about half of
    # a render). The mask only makes a symbol slightly easier or harder for a scanner to lock
    # on; any mask decodes, and with error correction M or higher (segno may boost it) a
    # printed certificate scanned from a screen or paper reads reliably.
    matrix = segno.make(url, error="m", mask=_QR_MASK, micro=False).matrix
    n = len(matrix)
    ops = [
        f"{run.start()} {n - row - 1} {run.end() - run.start()} 1 re"
        for row, cells in enumerate(matrix)
        for run in _DARK_RUN.finditer(cells)
    ]
    module = size / n
    c.saveState()
    c.setFillColor(HexColor("#000000"))
    c.addLiteral(f"{module:.4f} 0 0 {module:.4f} {x:.2f} {y:.2f} cm\n" + "\n".join(ops) + "\nf")
    c.restoreState()
