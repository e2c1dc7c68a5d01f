"""Reading a built PDF back as the panel sees it: words with their boxes, pages as pixels.

Poppler's own tools (``pdftotext -bbox``, ``pdftoppm``, ``pdfinfo``) do the reading, so the
checks judge the rendered paper, not the LaTeX that was meant to produce it.
"""

from __future__ import annotations

import re
import subprocess
from dataclasses import dataclass
from html import unescape
from pathlib import Path

CM = 72 / 2.54  # PDF points per centimetre

# The page geometry of book/latex/preamble.tex's \usepackage[...]{geometry} (_config.yml):
# 2 cm side margins; the text block from 2.6 cm below the top to 2.4 cm above the bottom; the
# running header sits in the top margin and the footer in the bottom one, both inside the
# side margins.
SIDE, TOP, BOTTOM = 2.0 * CM, 2.6 * CM, 2.4 * CM
HEADER_ROOM, FOOTER_ROOM = 24.0, 1.0 * CM + 10.0  # headheight + headsep; footskip + a line


@dataclass(frozen=True)
class Word:
    text: str
    x0: float
    y0: float
    x1: float
    y1: float


@dataclass(frozen=True)
class Page:
    number: int
    width: float
    height: float
    words: tuple[Word, ...]

    @property
    def text(self) -> str:
        return " ".join(w.text for w in self.words)

    @property
    def landscape(self) -> bool:
        return self.width > self.height

    def area(self) -> tuple[float, float, float, float]:
        """The box every word must lie in: text block, header and footer (x0, y0, x1, y1).

        A landscape page (pdflscape turns it for reading) keeps the portrait header and
        footer: read across, the footer is at the left edge and the header at the right.
        """
        if self.landscape:
            return (BOTTOM - FOOTER_ROOM, SIDE, self.width - TOP + HEADER_ROOM,
                    self.height - SIDE)
        return (SIDE, TOP - HEADER_ROOM, self.width - SIDE, self.height - BOTTOM + FOOTER_ROOM)

    def body_words(self) -> list[Word]:
        """Words of the text block proper (not the running header or footer)."""
        if self.landscape:
            return [w for w in self.words if BOTTOM <= w.x0 and w.x1 <= self.width - TOP]
        return [w for w in self.words if TOP <= w.y0 and w.y1 <= self.height - BOTTOM]


_PAGE = re.compile(r'<page width="([\d.]+)" height="([\d.]+)">(.*?)</page>', re.S)
_WORD = re.compile(r'<word xMin="([\d.]+)" yMin="([\d.]+)" xMax="([\d.]+)" yMax="([\d.]+)">'
                   r"(.*?)</word>")


def read_pages(pdf: Path) -> list[Page]:
    """Every page with every word's box, from ``pdftotext -bbox``.

    The boxes are in the page's reading orientation, but the page size is given unturned;
    a page turned by 90 degrees (``pdfinfo``'s "rot") gets its width and height swapped.
    """
    done = subprocess.run(["pdftotext", "-bbox", str(pdf), "-"], capture_output=True,
                          text=True, check=True)
    turned = _turned_pages(pdf)
    pages = []
    for number, match in enumerate(_PAGE.finditer(done.stdout), start=1):
        words = tuple(Word(unescape(w[4]), *map(float, w[:4]))
                      for w in _WORD.findall(match.group(3)))
        width, height = float(match.group(1)), float(match.group(2))
        if number in turned:
            width, height = height, width
        pages.append(Page(number, width, height, words))
    return pages


def _turned_pages(pdf: Path) -> set[int]:
    done = subprocess.run(["pdfinfo", "-f", "1", "-l", str(page_count(pdf)), str(pdf)],
                          capture_output=True, text=True, check=True)
    return {int(n) for n, rot in re.findall(r"^Page\s+(\d+) rot:\s+(\d+)", done.stdout, re.M)
            if int(rot) % 180 == 90}


def page_count(pdf: Path) -> int:
    done = subprocess.run(["pdfinfo", str(pdf)], capture_output=True, text=True, check=True)
    return int(re.search(r"^Pages:\s+(\d+)", done.stdout, re.M).group(1))


def render_page(pdf: Path, number: int, out: Path, dpi: int = 60) -> Path:
    """One page as a PNG (``pdftoppm``)."""
    stem = out / f"page-{number}"
    subprocess.run(["pdftoppm", "-png", "-r", str(dpi), "-f", str(number), "-l", str(number),
                    "-singlefile", str(pdf), str(stem)], check=True)
    return stem.with_suffix(".png")


def colour_share(png: Path, rgb: tuple[int, int, int], tolerance: int = 12) -> float:
    """Fraction of the page's pixels within ``tolerance`` of the colour ``rgb``."""
    from PIL import Image

    with Image.open(png) as image:
        data = image.convert("RGB").tobytes()
    pixels = list(zip(data[0::3], data[1::3], data[2::3], strict=True))
    near = sum(1 for p in pixels
               if all(abs(a - b) <= tolerance for a, b in zip(p, rgb, strict=True)))
    return near / len(pixels)
