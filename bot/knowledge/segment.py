"""The report as passages: each paragraph, bullet, boxed case example, Table 1 row and footnote, with
its section path and a stable id.

Built from the cleaned text (bot/knowledge/clean.py), so a bullet that the PDF split around a footnote
is one passage again. Every passage's text is the report's own words; `check_verbatim` proves it
against the source (`bot validate`).

Ids come from the section and the passage's first words ("structures/challenges-for-collaboration/
siloed-funding-streams-and-competition-for"), never from its position, so inserting a passage or
editing the end of one leaves every other id — and a curator's reference to it — unchanged.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

import yaml

from bot.knowledge.clean import Cleaned, clean, is_heading
from bot.knowledge.source import SourceText, fold_space

SEP = " › "
_BULLET = re.compile(r"^[▪●•]\s*")
_CAPTION = re.compile(r"^Table \d+:")
_ROW_END = re.compile(r"\s\d+$")  # Table 1's rows end with their count ("Nightingale Courts 5")
# A sentence ends at . ! or ? followed by a capital or an opening quote ("et al. (2020)" is not an end).
_SENTENCE_END = re.compile(r"(?<=[.!?])\s+(?=[A-Z‘“])")
ID_WORDS = 6


@dataclass(frozen=True)
class Passage:
    id: str
    text: str        # the report's words, whitespace folded
    section: str     # "Structures › Challenges for collaboration", "Methodology › Table 1: …", "Footnote 2"
    kind: str        # "paragraph" | "bullet" | "example" | "table_row" | "footnote"
    first_line: int  # lines in the source file, 1-based
    last_line: int

    @property
    def sentences(self) -> tuple[str, ...]:
        return tuple(_SENTENCE_END.split(self.text))

    @property
    def theme(self) -> str:
        """The section's top level ("Structures")."""
        return self.section.split(SEP)[0]


def _slug(text: str) -> str:
    return "-".join(re.findall(r"[a-z0-9]+", text.lower().replace("’", "").replace("'", "")))


def passage_id(section: str, text: str, taken: set[str]) -> str:
    """Section path plus the first words; a second passage with the same start gets "-2"."""
    base = "/".join(_slug(part.split(":")[0]) for part in section.split(SEP)) + "/" + \
        "-".join(_slug(text).split("-")[:ID_WORDS])
    pid, n = base, 2
    while pid in taken:
        pid, n = f"{base}-{n}", n + 1
    taken.add(pid)
    return pid


def _blocks(cleaned: Cleaned) -> list[list[tuple[int, str]]]:
    blocks: list[list[tuple[int, str]]] = [[]]
    for line in cleaned.lines:
        if line.text:
            blocks[-1].append((line.number, line.text))
        elif blocks[-1]:
            blocks.append([])
    return [b for b in blocks if b]


def _is_prose(block: list[tuple[int, str]]) -> bool:
    return len(block[0][1].split()) >= 12 and block[-1][1].endswith(".")


def _in_tables(blocks: list[list[tuple[int, str]]]) -> set[int]:
    """Indices of the blocks inside a table: from its caption up to the next block of prose."""
    inside: set[int] = set()
    in_table = False
    for n, block in enumerate(blocks):
        if any(_CAPTION.match(text) for _, text in block):
            in_table = True
        elif in_table and _is_prose(block):
            in_table = False
        if in_table:
            inside.add(n)
    return inside


def segment(cleaned: Cleaned) -> list[Passage]:
    """Passages in reading order. Headings that recur ("Challenges for collaboration" under each theme)
    and table captions are second-level; other headings start a top-level section. A plain paragraph
    among the bullets of a second-level section is one of the report's boxed case examples. Table 2's
    cells are not passages: they are the challenge and enabler titles the knowledge items already hold."""
    blocks = _blocks(cleaned)
    tables = _in_tables(blocks)
    heading_counts = Counter(text for n, block in enumerate(blocks) if n not in tables
                             for _, text in block[:2] if is_heading(text, ""))
    passages: list[Passage] = []
    taken: set[str] = set()
    top, sub = "", ""
    in_table = table_header = False
    title_seen = False

    def add(lines: list[tuple[int, str]], kind: str, section: str) -> None:
        text = fold_space(" ".join(t for _, t in lines))
        text = _BULLET.sub("", text) if kind == "bullet" else text
        passages.append(Passage(passage_id(section, text, taken), text, section, kind, lines[0][0], lines[-1][0]))

    for block in blocks:
        # Headings at the top of a block ("Collaboration Executive Summary" / "Introduction" / body...).
        previous = ""
        while block and is_heading(block[0][1], previous) and not (in_table and not _CAPTION.match(block[0][1])):
            heading = block[0][1]
            if not title_seen:
                title_seen = True  # the document's title: page furniture, not a section
            elif heading_counts[heading] > 1:
                sub = heading
            else:
                top, sub = heading, ""
            previous = heading
            block = block[1:]
        if not block:
            continue
        first = block[0][1]
        if _CAPTION.match(first):
            sub, in_table, table_header = first, True, True
            continue
        section = SEP.join(p for p in (top, sub) if p)
        if in_table:
            if not _is_prose(block):
                if table_header:
                    table_header = False  # the column headings
                elif _ROW_END.search(block[-1][1]) and not _BULLET.match(first):
                    add(block, "table_row", section)
                continue
            in_table, sub = False, ""
            section = top
        bullets = [n for n, (_, text) in enumerate(block) if _BULLET.match(text)]
        if bullets and bullets[0] == 0:
            for start, end in zip(bullets, bullets[1:] + [len(block)]):
                add(block[start:end], "bullet", section)
        else:
            add(block, "example" if sub and heading_counts[sub] > 1 else "paragraph", section)
    for note in cleaned.footnotes:
        add([(note.first_line, note.text), (note.last_line, "")], "footnote", f"Footnote {note.number}")
    return passages


def load_passages(source_file: Path) -> list[Passage]:
    return segment(clean(source_file.read_text(encoding="utf-8")))


def report_passages(knowledge_dir: Path) -> list[Passage]:
    """The passages of the report that knowledge/source.yml names."""
    meta = yaml.safe_load((knowledge_dir / "source.yml").read_text(encoding="utf-8")) or {}
    return load_passages(knowledge_dir / meta["file"])


def check_verbatim(passages: list[Passage], source: SourceText) -> list[str]:
    """Passages whose text is not in the report, verbatim up to white space (empty when all are)."""
    return [f"passage {p.id} (lines {p.first_line}-{p.last_line}) is not verbatim in the report: {p.text[:70]!r}"
            for p in passages if not source.contains(p.text)]
