"""Inline SVG charts for the insights report: stacked bars and a heat grid, each with a text alternative.

Every chart is `<svg role="img" aria-labelledby=...>` with a `<title>` and a `<desc>` that says what
the chart shows in words (the largest rows and how many are suppressed); the full figures are in the
data table the report puts under it. Colours are GOV.UK's; suppressed cells are drawn as outlines
labelled "< 5", never as bars of a size.
"""

from __future__ import annotations

from html import escape

from bot.insights.aggregate import Table

PALETTE = ("#1d70b8", "#00703c", "#f47738", "#4c2c92", "#d4351c", "#28a197", "#912b88", "#505a5f", "#85994b",
           "#003078")
TEXT, MUTED, GRID = "#0b0c0c", "#505a5f", "#b1b4b6"
LABEL_W, BAR_W, ROW_H, TOP = 340, 510, 30, 8
FONT = 'font-family="Arial, Helvetica, sans-serif" font-size="14"'


def _clip(text: str, limit: int = 40) -> str:
    return text if len(text) <= limit else text[:limit - 1].rstrip() + "…"


def describe(table: Table) -> str:
    """The chart's text alternative: what it counts, the largest rows, and what is suppressed."""
    if not table.rows:
        return f"{table.title}: no data in this period."
    shown = [(label, table.totals[r]) for r, label in table.rows if r in table.totals]
    visible = [(label, v) for label, v in shown if not v.suppressed]
    hidden = len(shown) - len(visible)
    kind = "Heat map" if table.kind == "heat" else "Bar chart"
    groups = ", ".join(label for _, label in table.groups) if len(table.groups) > 1 else ""
    parts = [f"{kind} of {table.unit} per {table.row_header.lower()}"
             + (f", split by {groups}." if groups else ".")]
    if visible:
        top = "; ".join(f"{label}: {v.count}" for label, v in visible[:3])
        parts.append(f"Largest: {top}.")
    if hidden:
        parts.append(f"{hidden} row(s) come from fewer than {table.threshold} conversations and are shown as "
                     f"\"< {table.threshold}\".")
    parts.append("The table below the chart gives every figure.")
    return " ".join(parts)


def _frame(table: Table, width: int, height: int, body: list[str]) -> str:
    key = escape(table.key)
    return (f'<svg xmlns="http://www.w3.org/2000/svg" role="img" aria-labelledby="{key}-title {key}-desc" '
            f'viewBox="0 0 {width} {height}" width="100%" style="max-width:{width}px" {FONT}>'
            f'<title id="{key}-title">{escape(table.title)}</title>'
            f'<desc id="{key}-desc">{escape(describe(table))}</desc>' + "".join(body) + "</svg>")


def _legend(table: Table, y: int) -> tuple[list[str], int]:
    if len(table.groups) < 2:
        return [], y
    out, x = [], LABEL_W
    for n, (_, label) in enumerate(table.groups):
        w = 28 + 8 * len(label)
        if x + w > LABEL_W + BAR_W + 120:
            x, y = LABEL_W, y + 22
        out.append(f'<rect x="{x}" y="{y}" width="14" height="14" fill="{PALETTE[n % len(PALETTE)]}"/>'
                   f'<text x="{x + 20}" y="{y + 12}" fill="{TEXT}">{escape(label)}</text>')
        x += w
    return out, y + 30


def bar_chart(table: Table) -> str:
    body, y = _legend(table, TOP)
    largest = max((v.count for v in table.totals.values() if not v.suppressed), default=0) or 1
    for r, label in table.rows:
        total = table.totals.get(r)
        body.append(f'<text x="{LABEL_W - 10}" y="{y + 19}" text-anchor="end" fill="{TEXT}">'
                    f'{escape(_clip(label))}</text>')
        x = float(LABEL_W)
        for n, (g, _) in enumerate(table.groups):
            value = table.value(r, g)
            if value.count and not value.suppressed:
                w = BAR_W * value.count / largest
                body.append(f'<rect x="{x:.1f}" y="{y + 4}" width="{w:.1f}" height="{ROW_H - 8}" '
                            f'fill="{PALETTE[n % len(PALETTE)]}"/>')
                x += w
        if total is not None and total.suppressed:
            body.append(f'<rect x="{LABEL_W}" y="{y + 4}" width="36" height="{ROW_H - 8}" fill="none" '
                        f'stroke="{MUTED}" stroke-dasharray="3 2"/>')
            x = LABEL_W + 36.0
        body.append(f'<text x="{x + 6:.1f}" y="{y + 19}" fill="{TEXT}">{escape(total.shown if total else "0")}</text>')
        y += ROW_H
    body.append(f'<line x1="{LABEL_W}" y1="{TOP}" x2="{LABEL_W}" y2="{y}" stroke="{GRID}"/>')
    return _frame(table, LABEL_W + BAR_W + 130, y + TOP, body)


def heat_chart(table: Table) -> str:
    cell_w = max(44, min(90, 700 // max(1, len(table.groups))))
    y = TOP + 22
    body = [f'<text x="{LABEL_W + i * cell_w + cell_w / 2:.0f}" y="{TOP + 14}" text-anchor="middle" '
            f'fill="{MUTED}" font-size="11">{escape(label.replace("w/c ", "")[5:])}</text>'
            for i, (_, label) in enumerate(table.groups)]
    largest = max((v.count for v in table.cells.values() if not v.suppressed), default=0) or 1
    for r, label in table.rows:
        body.append(f'<text x="{LABEL_W - 10}" y="{y + 19}" text-anchor="end" fill="{TEXT}">'
                    f'{escape(_clip(label))}</text>')
        for i, (g, _) in enumerate(table.groups):
            value, x = table.value(r, g), LABEL_W + i * cell_w
            if value.suppressed:
                body.append(f'<rect x="{x + 1}" y="{y + 1}" width="{cell_w - 2}" height="{ROW_H - 2}" fill="#f3f2f1" '
                            f'stroke="{MUTED}" stroke-dasharray="3 2"/>')
            else:
                share = value.count / largest
                body.append(f'<rect x="{x + 1}" y="{y + 1}" width="{cell_w - 2}" height="{ROW_H - 2}" '
                            f'fill="#1d70b8" fill-opacity="{0.08 + 0.92 * share:.2f}"/>')
            colour = "#ffffff" if not value.suppressed and value.count / largest > 0.55 else TEXT
            body.append(f'<text x="{x + cell_w / 2:.0f}" y="{y + 19}" text-anchor="middle" fill="{colour}">'
                        f'{escape(value.shown)}</text>')
        y += ROW_H
    return _frame(table, LABEL_W + cell_w * max(1, len(table.groups)) + 10, y + TOP, body)


def chart(table: Table) -> str:
    return heat_chart(table) if table.kind == "heat" else bar_chart(table)
