"""The insights report: one self-contained HTML page (no scripts, fonts or images fetched) and CSV.

`build(engine, since)` reads the usage events and aggregates them; `html(report)` and `csv_text(report)`
render the same tables. Titles come from knowledge/ (ids are shown when an item no longer exists).
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import os
import re
from html import escape
from pathlib import Path
from typing import Mapping, Optional

import yaml

from bot.config import DEFAULT_CONFIG
from bot.errors import ConfigError
from bot.insights import charts, store
from bot.insights.aggregate import MIN_CONVERSATIONS, Report, Table, aggregate

CSS = """
*{box-sizing:border-box}body{margin:0;font-family:"GDS Transport",Arial,Helvetica,sans-serif;color:#0b0c0c;
background:#fff;line-height:1.4;font-size:19px}
header{background:#0b0c0c;color:#fff;padding:14px 30px;border-bottom:10px solid #1d70b8}
header p{margin:0;font-weight:700;font-size:24px}main{max-width:1020px;margin:0 auto;padding:30px}
h1{font-size:40px;margin:0 0 10px}h2{font-size:27px;margin:50px 0 10px}.lede{color:#505a5f;margin:0 0 25px}
.cards{display:flex;flex-wrap:wrap;gap:15px;margin:0 0 20px;padding:0;list-style:none}
.cards li{border-top:5px solid #1d70b8;background:#f3f2f1;padding:12px 18px;flex:1 1 0;min-width:160px;font-size:16px}
.cards b{display:block;font-size:36px}figure{margin:0 0 10px}figcaption{color:#505a5f;font-size:16px;margin:6px 0}
table{border-collapse:collapse;width:100%;font-size:16px;margin:10px 0 20px}
caption{text-align:left;font-weight:700;padding:0 0 8px}
th,td{border-bottom:1px solid #b1b4b6;padding:8px 10px 8px 0;text-align:left;vertical-align:top}
td.n,th.n{text-align:right}details{margin:0 0 10px}summary{color:#1d70b8;cursor:pointer;text-decoration:underline}
.note{border-left:5px solid #b1b4b6;padding:5px 15px;color:#505a5f;font-size:16px}
footer{border-top:1px solid #b1b4b6;margin-top:50px;padding:20px 30px;color:#505a5f;font-size:16px}
a{color:#1d70b8}a:focus{outline:3px solid #fd0;background:#fd0;color:#0b0c0c}
"""


def min_conversations(config: Optional[str] = None) -> int:
    """`insights.min_conversations` from coach.yml (or the given settings file); 5 when absent."""
    path = Path(config) if config else DEFAULT_CONFIG
    if not config and os.environ.get("COACH_CONFIG"):
        path = Path(os.environ["COACH_CONFIG"])
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except (OSError, yaml.YAMLError):
        return MIN_CONVERSATIONS  # load_settings reports a broken file; this only reads one number
    value = (raw.get("insights") or {}).get("min_conversations", MIN_CONVERSATIONS)
    if not isinstance(value, int) or isinstance(value, bool) or value < 1:
        raise ConfigError(str(path), "insights.min_conversations", f"expected a whole number >= 1, got {value!r}")
    return value


def titles_from(knowledge_dir: Path) -> dict[str, str]:
    """Item id -> title, read straight from the YAML (no validation, no model)."""
    titles: dict[str, str] = {}
    for path in sorted(Path(knowledge_dir).glob("*.yml")):
        try:
            data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        except (OSError, yaml.YAMLError):
            continue
        for items in (v for v in data.values() if isinstance(v, list)) if isinstance(data, dict) else ():
            for item in items:
                if isinstance(item, dict) and item.get("id") and item.get("title"):
                    titles[str(item["id"])] = str(item["title"])
    return titles


def build(engine, since: Optional[float], titles: Mapping[str, str], threshold: int = MIN_CONVERSATIONS,
          until: Optional[float] = None) -> Report:
    return aggregate(store.event_rows(engine, since), titles, since, until or store.now(), threshold)


def parse_since(value: str) -> float:
    """"30d", "12w", "48h" -> seconds."""
    match = re.fullmatch(r"\s*(\d+(?:\.\d+)?)\s*([hdw])\s*", value or "")
    if not match or float(match.group(1)) <= 0:
        raise ValueError(f"--since {value!r}: expected a number of hours, days or weeks, e.g. 30d, 12w, 48h")
    return float(match.group(1)) * {"h": 3600, "d": 86400, "w": 7 * 86400}[match.group(2)]


def _date(seconds: float) -> str:
    return dt.datetime.fromtimestamp(seconds, dt.timezone.utc).strftime("%-d %B %Y")


def period(report: Report) -> str:
    start = _date(report.since) if report.since is not None else "the first recorded turn"
    return f"{start} to {_date(report.until)}"


def _data_table(table: Table) -> str:
    groups = table.groups if len(table.groups) > 1 else []
    head = "".join(f'<th scope="col" class="n">{escape(label)}</th>' for _, label in groups)
    extra = f'<th scope="col" class="n">{escape(table.extra[0])}</th>' if table.extra else ""
    total_head = "Total" if groups else escape(table.groups[0][1] if table.groups else "Count")
    lines = [f'<table><caption>{escape(table.title)}: the figures</caption><thead><tr>'
             f'<th scope="col">{escape(table.row_header)}</th>{head}<th scope="col" class="n">{total_head}</th>'
             f'{extra}</tr></thead><tbody>']
    for r, label in table.rows:
        cells = "".join(f'<td class="n">{escape(table.value(r, g).shown)}</td>' for g, _ in groups)
        total = table.totals.get(r)
        more = f'<td class="n">{escape(table.extra[1].get(r, ""))}</td>' if table.extra else ""
        lines.append(f'<tr><th scope="row">{escape(label)}</th>{cells}'
                     f'<td class="n">{escape(total.shown if total else "0")}</td>{more}</tr>')
    lines.append("</tbody></table>")
    return "".join(lines)


def _section(table: Table) -> str:
    note = f'<p class="note">{escape(table.note)}</p>' if table.note else ""
    if not table.rows:
        return (f'<section id="{table.key}"><h2>{escape(table.title)}</h2>{note}'
                f'<p>No data in this period.</p></section>')
    return (f'<section id="{table.key}"><h2>{escape(table.title)}</h2>{note}<figure>{charts.chart(table)}'
            f'<figcaption>{escape(charts.describe(table))}</figcaption></figure>{_data_table(table)}</section>')


def html(report: Report) -> str:
    cards = "".join(f"<li>{escape(name)}<b>{escape(value)}</b></li>" for name, value in report.headline)
    contents = "".join(f'<li><a href="#{t.key}">{escape(t.title)}</a></li>' for t in report.tables)
    sections = "".join(_section(t) for t in report.tables)
    return f"""<!DOCTYPE html>
<html lang="en-GB"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>Collaboration Coach: usage insights</title><style>{CSS}</style></head>
<body><header><p>Collaboration Coach</p></header><main>
<h1>Usage insights</h1>
<p class="lede">What leaders asked and how the answers landed, {escape(period(report))}. Counts only: no message
text and no one's identity are recorded. Any figure drawn from fewer than {report.threshold} conversations is shown
as "&lt; {report.threshold}".</p>
<ul class="cards">{cards}</ul>
<details><summary>Contents</summary><ol>{contents}</ol></details>
{sections}
</main><footer>Produced by <code>bot insights</code> on {escape(_date(report.until))}. Conversations are counted
per day: the same conversation on two days counts twice. Source: the <code>insight_events</code> table
(docs/adr/0010-usage-insights-and-curator-loop.md).</footer></body></html>
"""


def csv_text(report: Report) -> str:
    """Long format: section, row id, row label, group, value ("< 5" when suppressed)."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(["section", "row", "label", "group", "value"])
    for name, value in report.headline:
        writer.writerow(["summary", name, name, "", value])
    for table in report.tables:
        for r, label in table.rows:
            for g, _ in table.groups:
                value = table.value(r, g)
                if value.count:
                    writer.writerow([table.key, r, label, g, value.shown])
            total = table.totals.get(r)
            writer.writerow([table.key, r, label, "total", total.shown if total else "0"])
            if table.extra and r in table.extra[1]:
                writer.writerow([table.key, r, label, table.extra[0].replace(" ", "_"), table.extra[1][r]])
    return out.getvalue()
