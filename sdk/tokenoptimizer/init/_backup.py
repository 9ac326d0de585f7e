"""Backups before every write, and `--undo` that puts them back byte for byte.

Backups live in `<app>/.tokenoptimizer/backup/` at the file's relative path (hidden, so init's own
scan skips them), with a manifest holding a hash of what init wrote: undo refuses to overwrite a
file edited since, unless told to.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import tempfile
from pathlib import Path

BACKUP_DIR = Path(".tokenoptimizer") / "backup"
MANIFEST = "manifest.json"


class BackupError(Exception):
    """Undo cannot proceed (no backup, or the file changed since init wrote it)."""


def app_root(path: Path) -> Path:
    """The folder backups are kept under: the app directory, or a lone file's folder."""
    return path if path.is_dir() else path.parent


def _digest(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _manifest(root: Path) -> dict:
    file = root / BACKUP_DIR / MANIFEST
    return json.loads(file.read_text()) if file.exists() else {}


def _save_manifest(root: Path, manifest: dict) -> None:
    file = root / BACKUP_DIR / MANIFEST
    if manifest:
        file.write_text(json.dumps(manifest, indent=2, sort_keys=True) + "\n")
        return
    file.unlink(missing_ok=True)
    for folder in (root / BACKUP_DIR, root / BACKUP_DIR.parent):  # leave no empty folders behind
        try:
            folder.rmdir()
        except OSError:
            break


def _replace(path: Path, data: bytes) -> None:
    """Write through a temporary file and a rename: a crash leaves the old file or the new one."""
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as out:
            out.write(data)
        shutil.copymode(path, tmp)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def write_with_backup(root: Path, path: Path, data: bytes) -> Path:
    """Copy path into the backup folder, then write data to it; returns the backup's path."""
    name = path.resolve().relative_to(root.resolve()).as_posix()
    backup = root / BACKUP_DIR / name
    backup.parent.mkdir(parents=True, exist_ok=True)
    shutil.copy2(path, backup)  # bytes, mode and times, before anything is written
    manifest = _manifest(root)
    manifest[name] = {"written_sha256": _digest(data)}
    _save_manifest(root, manifest)
    _replace(path, data)
    return backup


def undo(root: Path, force: bool = False) -> list[Path]:
    """Restore every backed-up file (all checked before any is touched); returns their paths."""
    manifest = _manifest(root)
    if not manifest:
        raise BackupError(f"no tokenoptimizer init backup under {root / BACKUP_DIR}; nothing to undo")
    edited = [name for name, entry in manifest.items()
              if (root / name).exists() and _digest((root / name).read_bytes()) != entry["written_sha256"]]
    if edited and not force:
        raise BackupError(f"{', '.join(edited)} changed since tokenoptimizer init wrote it; undo would lose "
                          "those edits (pass --yes to restore the backup anyway); nothing was restored")
    restored = []
    for name in sorted(manifest):
        backup, target = root / BACKUP_DIR / name, root / name
        shutil.copy2(backup, target)
        backup.unlink()
        restored.append(target)
    for folder, _, _ in os.walk(root / BACKUP_DIR, topdown=False):  # emptied subfolders, deepest first
        if Path(folder) != root / BACKUP_DIR and not any(Path(folder).iterdir()):
            os.rmdir(folder)
    _save_manifest(root, {})
    return restored
