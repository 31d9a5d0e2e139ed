"""Load knowledge/*.yml into typed items and validate them against the source report.

Every problem is reported as `file:line: reason`, all of them at once, so a reviewer who edits a
quote sees exactly which line to fix. `bot validate` prints them; the build and tests run it.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from bot.errors import CoachError, KnowledgeError
from bot.knowledge.model import Item, Kind, Knowledge
from bot.knowledge.source import LineRange, SourceText, fold_space

# file name -> (top-level key, kind, required fields besides id/title/section/quotes/questions)
FILES: dict[str, tuple[str, Kind, tuple[str, ...]]] = {
    "themes.yml": ("themes", Kind.THEME, ("summary",)),
    "challenges.yml": ("challenges", Kind.CHALLENGE, ("theme", "enablers")),
    "enablers.yml": ("enablers", Kind.ENABLER, ("theme", "try_this", "reflective_question")),
    "examples.yml": ("examples", Kind.EXAMPLE, ("theme", "case_study", "illustrates")),
    "case_studies.yml": ("case_studies", Kind.CASE_STUDY, ("participants",)),
    "facts.yml": ("facts", Kind.FACT, ()),
    "out_of_scope.yml": ("topics", Kind.OUT_OF_SCOPE, ()),
}
COMMON = ("id", "title", "section", "quotes", "questions")
# Out-of-scope topics are never shown, so they carry no quotes and no citation.
COMMON_BY_KIND = {Kind.OUT_OF_SCOPE: ("id", "title", "questions")}
THEMES = ("motivations", "structures", "relationships")


class KnowledgeInvalid(CoachError):
    """One or more knowledge problems; str() is one `file:line: reason` per line."""

    def __init__(self, errors: list[KnowledgeError]) -> None:
        self.errors = errors
        super().__init__("\n".join(str(e) for e in errors))


def _to_python(node: yaml.Node) -> Any:
    return yaml.safe_load(yaml.serialize(node))


def _line(node: yaml.Node) -> int:
    return node.start_mark.line + 1


def _mapping_get(node: yaml.MappingNode, key: str) -> yaml.Node | None:
    for k, v in node.value:
        if k.value == key:
            return v
    return None


class _Loader:
    def __init__(self, directory: Path) -> None:
        self.directory = directory
        self.errors: list[KnowledgeError] = []
        self.items: dict[str, Item] = {}
        self.link_checks: list[tuple[str, int, str, str]] = []  # (file, line, target id, what)

    def error(self, path: Path | str, line: int, reason: str) -> None:
        self.errors.append(KnowledgeError(str(path), line, reason))

    def load_source(self) -> tuple[dict[str, Any], SourceText | None]:
        path = self.directory / "source.yml"
        try:
            meta = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        except (OSError, yaml.YAMLError) as exc:
            self.error(path, 1, f"cannot read: {exc}")
            return {}, None
        for key in ("document", "publisher", "year", "file"):
            if key not in meta:
                self.error(path, 1, f"missing field '{key}'")
        try:
            artefacts = tuple(LineRange.parse(a["lines"]) for a in meta.get("artefacts", []))
            source = SourceText.from_file(self.directory / meta["file"], artefacts)
        except (OSError, KeyError, ValueError, TypeError) as exc:
            self.error(path, 1, f"cannot read the source report: {exc}")
            return meta, None
        return meta, source

    def load_file(self, name: str, source: SourceText | None) -> None:
        path = self.directory / name
        key, kind, required = FILES[name]
        try:
            root = yaml.compose(path.read_text(encoding="utf-8"))
        except OSError as exc:
            self.error(path, 1, f"cannot read: {exc}")
            return
        except yaml.MarkedYAMLError as exc:
            line = exc.problem_mark.line + 1 if exc.problem_mark else 1
            self.error(path, line, f"not valid YAML: {exc.problem}")
            return
        top = _mapping_get(root, key) if isinstance(root, yaml.MappingNode) else None
        if not isinstance(top, yaml.SequenceNode):
            self.error(path, 1, f"expected a list under '{key}:'")
            return
        for node in top.value:
            self.load_item(path, node, kind, required, source)

    def load_item(self, path: Path, node: yaml.Node, kind: Kind, required: tuple[str, ...],
                  source: SourceText | None) -> None:
        if not isinstance(node, yaml.MappingNode):
            self.error(path, _line(node), "expected an item (a mapping with id, title, ...)")
            return
        data = _to_python(node)
        line = _line(node)
        missing = [f for f in COMMON_BY_KIND.get(kind, COMMON) + required if data.get(f) in (None, "", [])]
        for field_name in missing:
            self.error(path, line, f"item '{data.get('id', '?')}' is missing field '{field_name}'")
        if "id" in missing:
            return
        item_id = str(data["id"])
        if item_id in self.items:
            self.error(path, line, f"duplicate id '{item_id}'")
        for field_name in ("quotes", "questions"):
            value = data.get(field_name) or []
            if not isinstance(value, list) or not all(isinstance(q, str) and q.strip() for q in value):
                self.error(path, line, f"'{field_name}' of '{item_id}' must be a list of non-empty strings")
                data[field_name] = []
        quotes_node = _mapping_get(node, "quotes")
        if source is not None and isinstance(quotes_node, yaml.SequenceNode):
            for quote_node in quotes_node.value:
                quote = _to_python(quote_node)
                if isinstance(quote, str) and not source.contains(quote):
                    self.error(path, _line(quote_node), f"quote of '{item_id}' is not verbatim in the report: {quote[:70]!r}")
        theme = data.get("theme")
        if theme is not None and theme not in THEMES:
            self.error(path, line, f"'{item_id}' has unknown theme '{theme}' (expected one of {', '.join(THEMES)})")
        illustrates = data.get("illustrates") or {}
        enablers = data.get("enablers") if kind is Kind.CHALLENGE else illustrates.get("enablers")
        challenges = illustrates.get("challenges") if kind is Kind.EXAMPLE else None
        for target in (enablers or []):
            self.link_checks.append((str(path), line, str(target), "enabler"))
        for target in (challenges or []):
            self.link_checks.append((str(path), line, str(target), "challenge"))
        if data.get("case_study"):
            self.link_checks.append((str(path), line, str(data["case_study"]), "case_study"))
        if kind is Kind.EXAMPLE and not (enablers or challenges):
            self.error(path, line, f"example '{item_id}' illustrates nothing")
        participants = data.get("participants")
        if participants is not None and not isinstance(participants, int):
            self.error(path, line, f"'participants' of '{item_id}' must be a whole number")
        self.items[item_id] = Item(
            id=item_id,
            kind=kind,
            title=str(data.get("title", "")),
            section=str(data.get("section", "")),
            quotes=tuple(data.get("quotes") or ()),
            questions=tuple(data.get("questions") or ()),
            theme=theme,
            enablers=tuple(enablers or ()),
            challenges=tuple(challenges or ()),
            case_study=data.get("case_study"),
            summary=data.get("summary"),
            try_this=data.get("try_this"),
            reflective_question=data.get("reflective_question"),
            participants=participants,
            source_line=line,
            source_file=str(path),
        )

    def check_links(self) -> None:
        for path, line, target, what in self.link_checks:
            item = self.items.get(target)
            if item is None:
                self.error(path, line, f"links to missing {what} id '{target}'")
            elif item.kind.value != what:
                self.error(path, line, f"'{target}' is a {item.kind.value}, not a {what}")

    def check_tables(self, source: SourceText) -> None:
        """Titles users see must be Table 2's (and Table 1's) exactly, and every cell must be covered."""
        table = source.table2()
        for kind, column, name in ((Kind.CHALLENGE, "challenges", "challenges.yml"),
                                   (Kind.ENABLER, "enablers", "enablers.yml")):
            path = self.directory / name
            for item in (i for i in self.items.values() if i.kind is kind):
                cells = table.get(item.theme or "", {}).get(column, [])
                if item.title not in cells:
                    self.error(path, item.source_line,
                               f"title '{item.title}' is not a {kind.value} of theme '{item.theme}' in Table 2")
            for theme, columns in table.items():
                titles = {i.title for i in self.items.values() if i.kind is kind and i.theme == theme}
                for cell in columns[column]:
                    if cell not in titles:
                        self.error(path, 1, f"Table 2 {column} cell '{cell}' ({theme}) has no item")
        folded = fold_space(source.raw)
        path = self.directory / "case_studies.yml"
        for item in (i for i in self.items.values() if i.kind is Kind.CASE_STUDY):
            if f"{item.title} {item.participants}" not in folded:
                self.error(path, item.source_line,
                           f"'{item.title}' with {item.participants} participants is not a row of Table 1")


def validate_knowledge(directory: Path) -> tuple[Knowledge | None, list[KnowledgeError]]:
    """Load and check everything; return the knowledge (if loadable) and every problem found."""
    loader = _Loader(Path(directory))
    meta, source = loader.load_source()
    for name in FILES:
        loader.load_file(name, source)
    loader.check_links()
    if source is not None:
        loader.check_tables(source)
    if not meta or source is None:
        return None, loader.errors
    knowledge = Knowledge(items=loader.items, document=str(meta.get("document")),
                          publisher=str(meta.get("publisher")), year=int(meta.get("year", 0)),
                          names=tuple(str(n) for n in meta.get("names") or ()))
    return knowledge, loader.errors


def load_knowledge(directory: Path) -> Knowledge:
    """Load the knowledge, raising KnowledgeInvalid with every problem if anything is wrong."""
    knowledge, errors = validate_knowledge(directory)
    if errors or knowledge is None:
        raise KnowledgeInvalid(errors)
    return knowledge
