"""Read the corpus files into validated records; every problem names the file, record, field and value."""

from __future__ import annotations

import csv
import json
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

import yaml
from pydantic import BaseModel, ValidationError

from caremap.corpus.schemas import (
    CatalogEntry,
    Condition,
    Judgment,
    NearMiss,
    Place,
    Presentation,
    ProcedureArticle,
    Provider,
    RedFlag,
    ScopeExamples,
    Specialty,
    SymptomPattern,
)

M = TypeVar("M", bound=BaseModel)


@dataclass(frozen=True)
class Problem:
    file: str
    record: str
    field: str
    value: str
    expected: str

    def __str__(self) -> str:
        where = f"{self.file} {self.record}".strip()
        return f"{where}: field '{self.field}' = {self.value}: {self.expected}"


class CorpusError(ValueError):
    """The corpus is invalid; nothing built from it may be published."""

    def __init__(self, problems: list[Problem]) -> None:
        self.problems = problems
        shown = "\n".join(f"  - {p}" for p in problems[:50])
        more = f"\n  ... and {len(problems) - 50} more" if len(problems) > 50 else ""
        super().__init__(f"{len(problems)} problem(s) in the corpus:\n{shown}{more}")


def _short(value: Any) -> str:
    text = json.dumps(value, ensure_ascii=False, default=str)
    return text if len(text) <= 80 else text[:77] + "..."


def problems_from(error: ValidationError, *, file: Path | str, record: str) -> list[Problem]:
    return [
        Problem(
            file=str(file), record=record,
            field=".".join(str(p) for p in e["loc"]) or "(record)",
            value=_short(e.get("input")), expected=e["msg"],
        )
        for e in error.errors()
    ]


def validate_record(model: type[M], data: Any, *, file: Path | str, record: str) -> M:
    """Validate one record or raise CorpusError naming where it came from."""
    try:
        return model.model_validate(data)
    except ValidationError as e:
        raise CorpusError(problems_from(e, file=file, record=record)) from e


def _read_yaml_list(path: Path) -> list[Any]:
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as e:
        mark = getattr(e, "problem_mark", None)
        line = f"line {mark.line + 1}" if mark else ""
        raise CorpusError([Problem(str(path), line, "(file)", "", f"valid YAML ({e})")]) from e
    if not isinstance(data, list):
        raise CorpusError([Problem(str(path), "", "(file)", _short(type(data).__name__), "a YAML list of records")])
    return data


def _load_yaml_records(paths: list[Path], model: type[M], key: str) -> list[M]:
    records: list[M] = []
    problems: list[Problem] = []
    for path in paths:
        try:
            items = _read_yaml_list(path)
        except CorpusError as e:
            problems.extend(e.problems)
            continue
        for i, item in enumerate(items, start=1):
            label = f"record {i}"
            if isinstance(item, dict) and key in item:
                label += f" ({key}={item[key]})"
            try:
                records.append(validate_record(model, item, file=path, record=label))
            except CorpusError as e:
                problems.extend(e.problems)
    if problems:
        raise CorpusError(problems)
    return records


def load_catalog(path: Path) -> list[CatalogEntry]:
    entries: list[CatalogEntry] = []
    problems: list[Problem] = []
    with path.open(encoding="utf-8", newline="") as f:
        for line_no, row in enumerate(csv.DictReader(f, delimiter="\t"), start=2):
            data = {**row, "specialties": [s for s in (row.get("specialties") or "").split(";") if s]}
            try:
                entries.append(validate_record(CatalogEntry, data, file=path, record=f"line {line_no}"))
            except CorpusError as e:
                problems.extend(e.problems)
    if problems:
        raise CorpusError(problems)
    return entries


_FRONT_MATTER = re.compile(r"\A---\s*\n(.*?)\n---\s*\n(.*)\Z", re.DOTALL)
_HEADING = re.compile(r"^##\s+(.+?)\s*$", re.MULTILINE)


def parse_article(path: Path) -> ProcedureArticle:
    text = path.read_text(encoding="utf-8")
    match = _FRONT_MATTER.match(text)
    if not match:
        expected = "a file starting with '---' YAML front matter '---'"
        raise CorpusError([Problem(str(path), "", "(front matter)", "", expected)])
    try:
        meta = yaml.safe_load(match.group(1)) or {}
    except yaml.YAMLError as e:
        raise CorpusError([Problem(str(path), "front matter", "(yaml)", "", f"valid YAML ({e})")]) from e
    if not isinstance(meta, dict):
        raise CorpusError([Problem(str(path), "front matter", "(yaml)", _short(meta), "a mapping of keys")])
    article = validate_record(
        ProcedureArticle, {**meta, "sections": split_sections(match.group(2))}, file=path, record="front matter",
    )
    if article.slug != path.stem:
        expected = f"the file name '{path.stem}'"
        raise CorpusError([Problem(str(path), "front matter", "slug", _short(article.slug), expected)])
    return article


def split_sections(body: str) -> dict[str, str]:
    parts = _HEADING.split(body)
    # parts = [preamble, heading1, text1, heading2, text2, ...]
    return {parts[i].strip(): parts[i + 1].strip() for i in range(1, len(parts) - 1, 2)}


def load_articles(folder: Path) -> list[ProcedureArticle]:
    articles: list[ProcedureArticle] = []
    problems: list[Problem] = []
    for path in sorted(folder.glob("*.md")):
        try:
            articles.append(parse_article(path))
        except CorpusError as e:
            problems.extend(e.problems)
    if problems:
        raise CorpusError(problems)
    return articles


def iter_providers(path: Path) -> Iterator[Provider]:
    """Stream providers from JSON Lines; a bad line raises CorpusError naming its line number."""
    if not path.is_file():
        raise CorpusError([Problem(str(path), "", "(file)", "missing", "a JSON Lines file of providers")])
    with path.open(encoding="utf-8") as f:
        for line_no, line in enumerate(f, start=1):
            if not line.strip():
                continue
            try:  # the fast path (pydantic parses the JSON itself); a bad line is re-read below for the message
                yield Provider.model_validate_json(line)
                continue
            except ValidationError:
                pass
            try:
                data = json.loads(line)
            except json.JSONDecodeError as e:
                problem = Problem(str(path), f"line {line_no}", "(json)", _short(line[:60]), f"valid JSON ({e.msg})")
                raise CorpusError([problem]) from e
            label = f"line {line_no}" + (f" (id={data['id']})" if isinstance(data, dict) and "id" in data else "")
            yield validate_record(Provider, data, file=path, record=label)


@dataclass
class Corpus:
    """Everything under corpus/, validated record by record (cross-checks live in caremap.corpus.checks)."""

    catalog: list[CatalogEntry]
    articles: list[ProcedureArticle]
    conditions: list[Condition]
    specialties: list[Specialty]
    red_flags: list[RedFlag]
    places: list[Place]
    symptom_patterns: list[SymptomPattern] = field(default_factory=list)
    presentations: list[Presentation] = field(default_factory=list)
    near_misses: list[NearMiss] = field(default_factory=list)
    scope: ScopeExamples | None = None
    ambiguous_aliases: frozenset[str] = field(default_factory=frozenset)

    @classmethod
    def load(cls, root: Path) -> Corpus:
        problems: list[Problem] = []
        loaded: dict[str, Any] = {}
        loaders: dict[str, Any] = {
            "catalog": lambda: load_catalog(root / "catalog.tsv"),
            "articles": lambda: load_articles(root / "procedures"),
            "conditions": lambda: _load_yaml_records(sorted((root / "conditions").glob("*.yaml")), Condition, "slug"),
            "specialties": lambda: _load_yaml_records(_existing(root / "specialties.yaml"), Specialty, "name"),
            "red_flags": lambda: _load_yaml_records(_existing(root / "red_flags.yaml"), RedFlag, "id"),
            "places": lambda: _load_yaml_records(_existing(root / "places.yaml"), Place, "slug"),
            "symptom_patterns": lambda: _load_yaml_records(
                _existing(root / "symptom_patterns.yaml"), SymptomPattern, "id"),
            "presentations": lambda: _load_yaml_records(
                _existing(root / "triage" / "presentations.yaml"), Presentation, "id"),
            "near_misses": lambda: _load_yaml_records(
                _existing(root / "triage" / "near_misses.yaml"), NearMiss, "text"),
            "scope": lambda: _load_scope(root / "triage" / "scope.yaml"),
        }
        for name, loader in loaders.items():
            try:
                loaded[name] = loader()
            except CorpusError as e:
                problems.extend(e.problems)
        if problems:
            raise CorpusError(problems)
        ambiguous = root / "ambiguous_aliases.yaml"
        aliases = frozenset(str(a).lower() for a in _read_yaml_list(ambiguous)) if ambiguous.exists() else frozenset()
        return cls(**loaded, ambiguous_aliases=aliases)

    def article(self, slug: str) -> ProcedureArticle:
        return next(a for a in self.articles if a.slug == slug)

    def conditions_for(self, slug: str) -> list[Condition]:
        return [c for c in self.conditions if slug in c.procedures]


def _load_scope(path: Path) -> ScopeExamples | None:
    if not path.exists():
        return None
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as e:
        raise CorpusError([Problem(str(path), "", "(yaml)", "", f"valid YAML ({e})")]) from e
    return validate_record(ScopeExamples, data, file=path, record="")


def _existing(path: Path) -> list[Path]:
    return [path] if path.exists() else []


def load_judgments(path: Path) -> list[Judgment]:
    return _load_yaml_records([path], Judgment, "query")
