"""The `tokenoptimizer init` session: scan, show, confirm, back up, write, check; or undo.

Shared by `python -m tokenoptimizer.init` (argparse, SDK only) and the server's click command, so
both behave the same. Everything is printed to `out`; errors go to `err` with a nonzero result.
"""

from __future__ import annotations

import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Optional, TextIO

from . import _backup, _check, _rewrite, _scan

EXIT_OK, EXIT_REFUSED, EXIT_USAGE = 0, 1, 2


@dataclass(frozen=True)
class Options:
    """What the user asked for (the command-line flags)."""

    path: Path
    entry: Optional[Path] = None
    yes: bool = False
    dry_run: bool = False
    undo: bool = False
    check: bool = False
    provider_url: Optional[str] = None
    provider: Optional[str] = None
    model: Optional[str] = None


def _ask(question: str) -> bool:
    try:
        return input(question).strip().lower() in ("y", "yes")
    except EOFError:  # no terminal: never write without a yes
        return False


@dataclass
class Session:
    options: Options
    out: TextIO
    err: TextIO
    confirm: Callable[[str], bool]

    @property
    def root(self) -> Path:
        return _backup.app_root(self.options.path)

    def say(self, text: str = "") -> None:
        print(text, file=self.out)

    def refuse(self, text: str, code: int = EXIT_REFUSED) -> int:
        print(f"tokenoptimizer init: {text}", file=self.err)
        return code

    def name(self, path: Path) -> str:
        """A path as the user knows it: relative to the app folder."""
        try:
            return path.resolve().relative_to(self.root.resolve()).as_posix()
        except ValueError:
            return str(path)

    def run(self) -> int:
        opts = self.options
        if not opts.path.exists():
            return self.refuse(f"{opts.path} does not exist", EXIT_USAGE)
        if opts.undo:
            return self.undo()
        if opts.check and not opts.provider_url:
            return self.refuse("--check needs --provider-url URL (the provider API to call, e.g. a local "
                               "mock); it never calls a real provider with your key", EXIT_USAGE)
        try:
            found = _scan.scan(opts.path)
            self.report_clients(found)
            status = self.instrument(found)
        except _scan.ScanError as exc:
            return self.refuse(str(exc))
        if status != EXIT_OK or not opts.check:
            return status
        provider = opts.provider or (found.clients[0].provider if found.clients else None)
        if provider is None:
            return self.refuse("no provider client found to check; pass --provider NAME")
        return self.check(provider)

    def report_clients(self, found: _scan.Scan) -> None:
        if not found.clients:
            self.say(f"No OpenAI, Anthropic, Mistral or Gemini client construction found under {self.options.path}.")
            return
        self.say(f"Found {len(found.clients)} provider client{'s' if len(found.clients) != 1 else ''}:")
        for site in found.clients:
            self.say(f"  {self.name(site.path)}:{site.line}  {site.class_name}  ({site.provider})")

    def instrument(self, found: _scan.Scan) -> int:
        """Add the lines to the entry point (after a diff, a yes and a backup), or say why not."""
        if found.instrumented_at:
            path, line = found.instrumented_at[0]
            self.say(f"Already instrumented: {self.name(path)}:{line} calls tokenoptimizer.instrument(); "
                     "nothing to change.")
            return EXIT_OK
        if not found.clients and self.options.entry is None:
            raise _scan.ScanError("nothing to instrument (no provider client found); pass --entry FILE to "
                                  "add tokenoptimizer.instrument() anyway; nothing was changed")
        entry = self.entry_point(found)
        module = _scan.parse(entry)
        new = _rewrite.add_instrumentation(module, _scan.module_facts(entry, module))
        diff = _rewrite.unified_diff(module, new, self.name(entry))
        self.say("")
        self.say(diff.rstrip("\n"))
        self.say("")
        if self.options.dry_run:
            self.say("Dry run: nothing written.")
            return EXIT_OK
        backup = self.root / _backup.BACKUP_DIR / self.name(entry)
        if not (self.options.yes or self.confirm(f"Write this change to {self.name(entry)} "
                                                 f"(backup in {self.name(backup)})? [y/N] ")):
            return self.refuse("not written (answer y, or pass --yes)")
        backup = _backup.write_with_backup(self.root, entry, new.bytes)
        self.say(f"Backup: {self.name(backup)}")
        self.say(f"Wrote {self.name(entry)}. Set TOKENOPTIMIZER_API_KEY (and TOKENOPTIMIZER_BASE_URL) "
                 "where the app runs; `tokenoptimizer init --undo` restores the backup.")
        return EXIT_OK

    def entry_point(self, found: _scan.Scan) -> Path:
        given = self.options.entry
        if given is None:
            entry = _scan.choose_entry(found)
            reason = next(e.reason for e in found.entries if e.path == entry)
        else:
            entry = given if given.is_absolute() or given.exists() else self.root / given
            if not entry.is_file():
                raise _scan.ScanError(f"--entry {given}: no such file; nothing was changed")
            reason = "--entry"
        self.say(f"Entry point: {self.name(entry)} ({reason})")
        return entry

    def check(self, provider: str) -> int:
        url = self.options.provider_url or ""
        try:
            model, result = _check.run_check(provider, url, self.options.model)
        except _check.CheckError as exc:
            return self.refuse(str(exc))
        self.say(_check.describe(provider, url, model, result))
        return EXIT_OK if result.ok else EXIT_REFUSED

    def undo(self) -> int:
        try:
            restored = _backup.undo(self.root, force=self.options.yes)
        except _backup.BackupError as exc:
            return self.refuse(str(exc))
        for path in restored:
            self.say(f"Restored {self.name(path)} from its backup.")
        return EXIT_OK


def run(options: Options, out: Optional[TextIO] = None, err: Optional[TextIO] = None,
        confirm: Callable[[str], bool] = _ask) -> int:
    """Run one `tokenoptimizer init` session; returns the exit status."""
    # sys.stdout is read now, not at import: click's test runner and redirections swap it.
    return Session(options, out or sys.stdout, err or sys.stderr, confirm).run()
