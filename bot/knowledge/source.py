"""The source report as text, and the one test every quote must pass: it is in the report, verbatim.

The text was extracted from a PDF, so line breaks fall mid-sentence and footnotes sit inside
paragraphs. "Verbatim" therefore means: the same characters in the same order once runs of
white space are folded to one space — either in the report as it is, or in the report with the
footnote lines listed in knowledge/source.yml taken out. Nothing else is normalised: a quote
with a straight apostrophe where the report has a curly one is not verbatim.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

_SPACE = re.compile(r"\s+")


def fold_space(text: str) -> str:
    return _SPACE.sub(" ", text).strip()


@dataclass(frozen=True)
class LineRange:
    first: int
    last: int

    @classmethod
    def parse(cls, text: str) -> "LineRange":
        first, _, last = str(text).partition("-")
        return cls(int(first), int(last or first))


class SourceText:
    """The report's raw text plus a copy without the listed artefact lines."""

    def __init__(self, raw: str, artefacts: tuple[LineRange, ...] = ()) -> None:
        self.raw = raw
        lines = raw.splitlines()
        dropped = {n for r in artefacts for n in range(r.first, r.last + 1)}
        self.clean = "\n".join(line for n, line in enumerate(lines, start=1) if n not in dropped)
        self._folded_raw = fold_space(raw)
        self._folded_clean = fold_space(self.clean)

    @classmethod
    def from_file(cls, path: Path, artefacts: tuple[LineRange, ...] = ()) -> "SourceText":
        return cls(path.read_text(encoding="utf-8"), artefacts)

    def contains(self, quote: str) -> bool:
        folded = fold_space(quote)
        return bool(folded) and (folded in self._folded_clean or folded in self._folded_raw)

    def table2(self) -> dict[str, dict[str, list[str]]]:
        """Table 2's cells as {theme: {"challenges": [...], "enablers": [...]}}, wrapped cells joined.

        In the extracted text a cell that wraps continues on a line after a blank line, while a
        new column starts with a bullet after a blank line.
        """
        start = self.raw.index("Table 2:")
        table: dict[str, dict[str, list[str]]] = {}
        theme = None
        column = -1
        previous_blank = False
        for line in self.raw[start:].splitlines()[1:]:
            text = line.strip()
            if not text:
                previous_blank = True
                continue
            if text in ("Motivations", "Structures", "Relationships"):
                theme = text.lower()
                table[theme] = {"challenges": [], "enablers": []}
                column = -1
            elif theme and text.startswith("●"):
                if column == -1 or previous_blank:
                    column += 1
                name = ("challenges", "enablers")[min(column, 1)]
                table[theme][name].append(text.lstrip("● ").strip())
            elif theme and previous_blank and column >= 0:
                name = ("challenges", "enablers")[min(column, 1)]
                table[theme][name][-1] += " " + text
            previous_blank = False
        return table
