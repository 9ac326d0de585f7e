"""Find what `tokenoptimizer init` needs in an app: provider clients, entry points, earlier runs.

Everything is read from LibCST trees with qualified-name resolution, so `from openai import
OpenAI as OA; OA()` and `import google.genai as genai; genai.Client()` are found, while a
string or a comment that merely mentions `OpenAI(` is not.
"""

from __future__ import annotations

import os
import warnings
from dataclasses import dataclass, field
from pathlib import Path
from typing import Optional

import libcst as cst
import libcst.matchers as m
from libcst.metadata import MetadataWrapper, PositionProvider, QualifiedNameProvider

from .. import integrations

# Directories that hold other people's code or generated files, never the app's own.
SKIPPED_DIRS = frozenset({"__pycache__", "node_modules", "site-packages", "venv", "env", "build", "dist"})
WEB_APP_CLASSES = {"flask.Flask": "Flask", "fastapi.FastAPI": "FastAPI"}
INSTRUMENT = "tokenoptimizer.instrument"
CONFIGURE = "tokenoptimizer.configure"


class ScanError(Exception):
    """A file cannot be read as Python: init refuses rather than guess."""


@dataclass(frozen=True)
class ClientSite:
    """One provider client construction: where, which class, which registered provider."""

    path: Path
    line: int
    class_name: str
    provider: str


@dataclass(frozen=True)
class EntryCandidate:
    """A module the app starts from, and why we think so."""

    path: Path
    reason: str  # 'if __name__ == "__main__"', 'Flask app `app`', 'FastAPI app `api`'
    web_app: bool


@dataclass
class ModuleFacts:
    """What one module contains that init cares about."""

    clients: list[ClientSite] = field(default_factory=list)
    entry_reasons: list[tuple[str, bool]] = field(default_factory=list)  # (reason, web_app)
    calls: dict[str, list[int]] = field(default_factory=dict)  # tokenoptimizer.* qualified name -> lines


@dataclass
class Scan:
    """The whole app: every client, every entry candidate, and existing tokenoptimizer calls."""

    root: Path
    clients: list[ClientSite] = field(default_factory=list)
    entries: list[EntryCandidate] = field(default_factory=list)
    instrumented_at: list[tuple[Path, int]] = field(default_factory=list)


def client_classes() -> dict[str, str]:
    """Qualified client class name -> provider, read from the provider registry."""
    return {cls: i.name for i in integrations.all_integrations() for cls in i.client_classes}


def parse(path: Path) -> cst.Module:
    """The module's tree from its bytes (LibCST keeps encoding and line endings for .bytes)."""
    try:
        source = path.read_bytes()
        return cst.parse_module(source)
    except cst.ParserSyntaxError as exc:
        where, why = f"{exc.editor_line}:{exc.editor_column}", exc.message
        try:  # Python's own compiler points at the line people expect; LibCST's can be a line late
            with warnings.catch_warnings():  # e.g. invalid escapes: not what we are reporting
                warnings.simplefilter("ignore")
                compile(source, str(path), "exec", dont_inherit=True)
        except SyntaxError as py_exc:
            where, why = f"{py_exc.lineno}:{py_exc.offset}", py_exc.msg
        raise ScanError(f"{path}:{where}: not valid Python ({why}); fix it first, nothing was changed") from None
    except (UnicodeDecodeError, LookupError, OSError) as exc:
        raise ScanError(f"{path}: cannot read ({exc}); nothing was changed") from None


class _FactsVisitor(cst.CSTVisitor):
    METADATA_DEPENDENCIES = (QualifiedNameProvider, PositionProvider)

    def __init__(self, path: Path, classes: dict[str, str]) -> None:
        super().__init__()
        self.path, self.classes, self.facts = path, classes, ModuleFacts()
        self.depth = 0  # compound statements we are inside: entry markers count only at depth 0

    def _names(self, node: cst.CSTNode) -> set[str]:
        return {q.name for q in self.get_metadata(QualifiedNameProvider, node, set())}

    def _line(self, node: cst.CSTNode) -> int:
        return self.get_metadata(PositionProvider, node).start.line

    def visit_Call(self, node: cst.Call) -> None:
        for name in self._names(node.func):
            if name in self.classes:
                self.facts.clients.append(ClientSite(self.path, self._line(node), name, self.classes[name]))
            elif name in (INSTRUMENT, CONFIGURE):
                self.facts.calls.setdefault(name, []).append(self._line(node))

    def visit_If(self, node: cst.If) -> Optional[bool]:
        if self.depth == 0 and _is_main_guard(node.test):
            self.facts.entry_reasons.append(('if __name__ == "__main__"', False))
        return self._enter()

    # A web app counts at any depth: with a `create_app()` factory, gunicorn still imports the
    # module that defines the factory, so its top is where instrument() belongs.
    def visit_Assign(self, node: cst.Assign) -> None:
        if isinstance(node.value, cst.Call):
            for target in node.targets:
                self._web_app(target.target, node.value)

    def visit_AnnAssign(self, node: cst.AnnAssign) -> None:
        if isinstance(node.value, cst.Call):
            self._web_app(node.target, node.value)

    def _web_app(self, target: cst.BaseExpression, value: cst.Call) -> None:
        for name in self._names(value.func):
            if name in WEB_APP_CLASSES and isinstance(target, cst.Name):
                self.facts.entry_reasons.append((f"{WEB_APP_CLASSES[name]} app `{target.value}`", True))

    # A main guard inside a function or class is not an entry point.
    def _enter(self) -> bool:
        self.depth += 1
        return True

    def visit_FunctionDef(self, node: cst.FunctionDef) -> bool:
        return self._enter()

    def visit_ClassDef(self, node: cst.ClassDef) -> bool:
        return self._enter()

    def leave_If(self, original_node: cst.If) -> None:
        self.depth -= 1

    def leave_FunctionDef(self, original_node: cst.FunctionDef) -> None:
        self.depth -= 1

    def leave_ClassDef(self, original_node: cst.ClassDef) -> None:
        self.depth -= 1


_MAIN = m.SimpleString(value=m.MatchIfTrue(lambda v: v.strip("'\"") == "__main__"))
_NAME = m.Name("__name__")


def _is_main_guard(test: cst.BaseExpression) -> bool:
    """`__name__ == "__main__"`, either way round."""
    pattern = m.Comparison(left=_NAME, comparisons=[m.ComparisonTarget(operator=m.Equal(), comparator=_MAIN)])
    flipped = m.Comparison(left=_MAIN, comparisons=[m.ComparisonTarget(operator=m.Equal(), comparator=_NAME)])
    return m.matches(test, pattern | flipped)


def module_facts(path: Path, module: cst.Module, classes: Optional[dict[str, str]] = None) -> ModuleFacts:
    """Clients, entry markers and tokenoptimizer calls of one parsed module."""
    visitor = _FactsVisitor(path, client_classes() if classes is None else classes)
    MetadataWrapper(module).visit(visitor)
    return visitor.facts


def python_files(root: Path) -> list[Path]:
    """The app's .py files under root (a file is its own list), skipping hidden and vendored dirs."""
    if root.is_file():
        return [root]
    found = []
    for folder, dirs, files in os.walk(root):
        dirs[:] = sorted(d for d in dirs if not d.startswith(".") and d not in SKIPPED_DIRS)
        found.extend(Path(folder) / f for f in sorted(files) if f.endswith(".py"))
    return found


def scan(root: Path) -> Scan:
    """Parse every file under root; raises ScanError on the first one that is not valid Python."""
    classes = client_classes()
    result = Scan(root=root)
    for path in python_files(root):
        facts = module_facts(path, parse(path), classes)
        result.clients.extend(facts.clients)
        result.entries.extend(EntryCandidate(path, reason, web) for reason, web in facts.entry_reasons)
        result.instrumented_at.extend((path, line) for line in facts.calls.get(INSTRUMENT, []))
    return result


def choose_entry(found: Scan) -> Path:
    """The one entry point: a module defining a web app wins over scripts; several -> ScanError."""
    web = sorted({e.path for e in found.entries if e.web_app})
    scripts = sorted({e.path for e in found.entries})
    candidates = web or scripts
    if not candidates:
        raise ScanError(f"no entry point found under {found.root} (no `if __name__ == \"__main__\"`, "
                        "no `app = Flask(...)` or `app = FastAPI(...)`); pass --entry FILE")
    if len(candidates) > 1:
        names = ", ".join(str(p) for p in candidates)
        raise ScanError(f"several entry points found ({names}); pass --entry FILE to choose one")
    return candidates[0]
