"""The change itself: `import tokenoptimizer`, configure() and instrument() right after the imports.

Built on the LibCST tree, so everything else in the file (comments, quotes, blank lines, line
endings) comes back byte for byte. Idempotent: what is already there is not added again.
"""

from __future__ import annotations

import difflib

import libcst as cst

from ._scan import CONFIGURE, INSTRUMENT, ModuleFacts

MARKER = "# Added by `tokenoptimizer init` (undo: tokenoptimizer init --undo): track every LLM call's cost."
CONFIGURE_CALL = 'tokenoptimizer.configure(api_key=os.environ.get("TOKENOPTIMIZER_API_KEY"))'
INSTRUMENT_CALL = "tokenoptimizer.instrument()"


def _is_import_line(stmt: cst.BaseStatement) -> bool:
    return isinstance(stmt, cst.SimpleStatementLine) and all(
        isinstance(s, (cst.Import, cst.ImportFrom)) for s in stmt.body)


def _is_docstring(stmt: cst.BaseStatement) -> bool:
    return (isinstance(stmt, cst.SimpleStatementLine) and len(stmt.body) == 1
            and isinstance(stmt.body[0], cst.Expr) and isinstance(stmt.body[0].value, cst.SimpleString))


def _imports_plainly(module: cst.Module, name: str) -> bool:
    """Whether a top-level `import name` (without `as`) binds the name we are about to use."""
    for stmt in module.body:
        if _is_import_line(stmt):
            for small in stmt.body:
                if isinstance(small, cst.Import) and any(
                        a.asname is None and a.evaluated_name == name for a in small.names):
                    return True
    return False


def insertion_index(module: cst.Module) -> int:
    """After the leading docstring and import block (so after `from __future__` too)."""
    index = 0
    for position, stmt in enumerate(module.body):
        if _is_import_line(stmt) or (position == 0 and _is_docstring(stmt)):
            index = position + 1
        else:
            break
    return index


def add_instrumentation(module: cst.Module, facts: ModuleFacts) -> cst.Module:
    """The module with what is missing of import, configure() and instrument() inserted."""
    wants_configure = CONFIGURE not in facts.calls
    wants_instrument = INSTRUMENT not in facts.calls
    if not (wants_configure or wants_instrument):
        return module
    imports: list[cst.BaseStatement] = []
    if wants_configure and not _imports_plainly(module, "os"):
        imports.append(cst.parse_statement("import os\n"))
    if not _imports_plainly(module, "tokenoptimizer"):
        imports.append(cst.parse_statement("import tokenoptimizer\n"))
    calls = [cst.parse_statement(code + "\n") for code, wanted in
             ((CONFIGURE_CALL, wants_configure), (INSTRUMENT_CALL, wants_instrument)) if wanted]
    # One blank line and the marker comment above the calls, so a reader sees where they came from.
    calls[0] = calls[0].with_changes(leading_lines=[cst.EmptyLine(), cst.EmptyLine(comment=cst.Comment(MARKER))])
    index = insertion_index(module)
    if imports and index > 0 and _is_docstring(module.body[index - 1]):
        imports[0] = imports[0].with_changes(leading_lines=[cst.EmptyLine()])
    # Comments and blank lines at the top of the file live in module.header and stay above ours.
    body = list(module.body)
    body[index:index] = [*imports, *calls]
    return module.with_changes(body=body)


def unified_diff(old: cst.Module, new: cst.Module, name: str) -> str:
    """A `git diff`-style view of the change, empty when there is none."""
    lines = difflib.unified_diff(old.code.splitlines(keepends=True), new.code.splitlines(keepends=True),
                                 fromfile=f"a/{name}", tofile=f"b/{name}")
    return "".join(lines)
