"""Undo the PDF extraction's artefacts in the report's text without changing a word of it.

`knowledge/source/collaboration-executive-summary.txt` was extracted from a PDF, and the extraction
left things in the running text that are not part of it:

- footnotes printed where the page ended, in the middle of a paragraph ("planning or" / "1 This
  framework was developed…" / " decision-making."), some followed by their URL, wrapped or repeated;
- footnote markers glued to the word before them ("manipulation.2", "Figure 1.1");
- table cells wrapped onto a second line after a blank line ("● Buy-in from all organisational levels",
  "", "and collaborators");
- page furniture: the leading space that starts every text frame, and a heading glued to the last
  line of the frame before it ("…to establish a new court." / " Relationships").

`clean` returns the body as lines (blank lines separate blocks) plus the footnotes and URLs it took
out. It only ever removes markers, footnote and URL lines, blank lines and surrounding spaces, or
splits a line: every word of the report is kept, in order, in the body, a footnote or a URL
(`removed_words` lists what else went, for the tests).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

# A footnote starts with its number and a capitalised word ("1 This framework…", "2 King et al.").
_FOOTNOTE_START = re.compile(r"^(\d{1,2}) ([A-Z].*)$")
_URL = re.compile(r"^https?://\S+$")
# A marker glued to the end of a sentence: "manipulation.2", "in Figure 1.1" (Figure 1, footnote 1).
_GLUED_MARKER = re.compile(r"(?<=[.,;:!?’”)])(\d{1,2})$")
_BULLET = re.compile(r"^[▪●•]\s")
_TERMINAL = (".", "?", "!", ":", ";", ",")
HEADING_MAX_WORDS = 6  # "Collaboration in public services", "Challenges for collaboration"


@dataclass(frozen=True)
class Line:
    number: int  # 1-based line in the source file
    text: str    # stripped; "" for a blank line


@dataclass(frozen=True)
class Footnote:
    number: int
    text: str               # the footnote's words, lines joined by one space
    urls: tuple[str, ...]   # its URLs, each joined back together where the PDF wrapped it
    first_line: int
    last_line: int


@dataclass(frozen=True)
class Cleaned:
    lines: tuple[Line, ...]         # the body: text lines and blank lines between blocks
    footnotes: tuple[Footnote, ...]
    markers: tuple[tuple[int, str], ...]  # (line, marker) taken off the end of a line
    stray_urls: tuple[str, ...]     # URL lines that repeat a footnote's URL (link furniture)


def is_heading(text: str, previous: str) -> bool:
    """A short line with no closing punctuation, after a line that ended a sentence (or nothing)."""
    words = text.split()
    return (0 < len(words) <= HEADING_MAX_WORDS and text[0].isupper() and not text.endswith(_TERMINAL)
            and not _BULLET.match(text) and not text[-1].isdigit()
            and (not previous or previous.endswith((".", "?", "!")) or is_heading(previous, "")))


def _footnote_blocks(raw: list[str], numbers: set[int]) -> list[tuple[int, int, int]]:
    """(first, last, number) 0-based line spans of each footnote: its first line and the lines that carry
    on from it (up to a blank line, or a line starting with a space: the next page's text frame)."""
    blocks: list[tuple[int, int, int]] = []
    n = 0
    while n < len(raw):
        match = _FOOTNOTE_START.match(raw[n].strip())
        if match and int(match.group(1)) in numbers:
            last = n
            while (last + 1 < len(raw) and raw[last + 1].strip() and not raw[last + 1].startswith(" ")
                   and not _FOOTNOTE_START.match(raw[last + 1].strip())):
                last += 1
            blocks.append((n, last, int(match.group(1))))
            n = last + 1
        else:
            n += 1
    return blocks


def clean(raw_text: str) -> Cleaned:
    """The report's body, footnotes and URLs apart (see the module docstring)."""
    raw = raw_text.splitlines()
    # A footnote counts only if its number is also glued to a word somewhere, and a number at the end
    # of a line counts as a marker only if a footnote has that number: "Courts 5" in Table 1 is neither.
    candidates = {int(m.group(1)) for line in raw if (m := _FOOTNOTE_START.match(line.strip()))}
    markers: list[tuple[int, str]] = []
    body_text: dict[int, str] = {}
    for n, line in enumerate(raw):
        text = line.strip()
        found = _GLUED_MARKER.search(text)
        if found and int(found.group(1)) in candidates and not _FOOTNOTE_START.match(text):
            markers.append((n + 1, found.group(1)))
            text = text[: found.start()]
        body_text[n] = text
    numbers = {int(m) for _, m in markers}
    footnotes: list[Footnote] = []
    dropped: set[int] = set()
    for first, last, number in _footnote_blocks(raw, numbers):
        words: list[str] = []
        urls: list[str] = []
        for n in range(first, last + 1):
            text = raw[n].strip()
            if _URL.match(text):
                urls.append(text)
            elif urls and " " not in text:
                urls[-1] += text  # the URL's tail, wrapped onto a line of its own
            else:
                words.append(_FOOTNOTE_START.sub(r"\2", text) if n == first else text)
        footnotes.append(Footnote(number, " ".join(words), tuple(urls), first + 1, last + 1))
        dropped.update(range(first, last + 1))
    # URL lines standing on their own: the PDF's link annotations, repeating a footnote's URL.
    stray = [n for n, line in enumerate(raw) if _URL.match(line.strip()) and n not in dropped]
    dropped.update(stray)
    lines = _rejoin(raw, body_text, dropped)
    return Cleaned(tuple(lines), tuple(footnotes), tuple(markers), tuple(raw[n].strip() for n in stray))


def _rejoin(raw: list[str], body_text: dict[int, str], dropped: set[int]) -> list[Line]:
    """The body lines, with the blank lines around a removed footnote block closed up when the
    paragraph it interrupted carries on after it, glued headings split off, and table cells unwrapped."""
    out: list[Line] = []
    after_gap = False  # the previous kept line came before a run of dropped lines
    for n, line in enumerate(raw):
        if n in dropped:
            after_gap = True
            continue
        text = body_text[n]
        if not text:
            if not after_gap:
                out.append(Line(n + 1, ""))
            continue
        if after_gap:
            # Text after a footnote block is the top of the next page: the interrupted paragraph goes on,
            # unless a bullet or heading starts there. Drop the blank lines that came before the block.
            previous = next((x.text for x in reversed(out) if x.text), "")
            if not _BULLET.match(text) and not is_heading(text, previous):
                while out and not out[-1].text:
                    out.pop()
            after_gap = False
        previous_line = out[-1].text if out else ""
        # A frame's heading glued under the last line of the frame before ("…a new court." / " Relationships").
        if line.startswith(" ") and previous_line and is_heading(text, previous_line):
            out.append(Line(n + 1, ""))
            out.append(Line(n + 1, text))
            out.append(Line(n + 1, ""))
            continue
        # A table cell wrapped after a blank line: "● Buy-in from all organisational levels" / "" /
        # "and collaborators".
        if text[0].islower() and len(out) >= 2 and not out[-1].text and _BULLET.match(out[-2].text):
            out.pop()
            out[-1] = Line(out[-1].number, out[-1].text + " " + text)
            continue
        out.append(Line(n + 1, text))
    return out


def removed_words(raw_text: str, cleaned: Cleaned) -> list[str]:
    """Words of the raw text found in neither the cleaned body, the footnotes nor the URLs, in order.

    Markers glued to words are split off first ("manipulation.2" is "manipulation." and the marker "2"),
    and listed separately in `cleaned.markers`; anything else returned here is a word the cleaning lost.
    """
    kept = [w for line in cleaned.lines for w in line.text.split()]
    kept += [w for f in cleaned.footnotes for w in (str(f.number), *f.text.split())]
    kept_urls = {u for f in cleaned.footnotes for u in f.urls} | set(cleaned.stray_urls)
    marker_lines = {n: m for n, m in cleaned.markers}
    raw_words: list[str] = []
    for n, line in enumerate(raw_text.splitlines(), start=1):
        text = line.strip()
        if n in marker_lines:
            text = text[: -len(marker_lines[n])]
        raw_words += text.split()
    pool: dict[str, int] = {}
    for w in kept:
        pool[w] = pool.get(w, 0) + 1
    lost = []
    for w in raw_words:
        if pool.get(w, 0) > 0:
            pool[w] -= 1
        elif not any(w in u for u in kept_urls):
            lost.append(w)
    return lost
