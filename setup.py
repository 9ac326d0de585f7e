"""Build hook: the wheel carries the built dashboard and the supabase/ folder (migrations, seed,
price snapshots), so `pip install "tokenoptimizer[server]"` and `tokenoptimizer serve` work with
no checkout. Everything else about the package is in pyproject.toml.

They land in tokenoptimizer_server/bundle/{dashboard,supabase}; settings.supabase_dir() and
settings.frontend_dir() read a checkout's own folders first and the bundle otherwise.
"""

import shutil
import warnings
from pathlib import Path

from setuptools import setup
from setuptools.command.build_py import build_py

ROOT = Path(__file__).resolve().parent
BUNDLE = {"dashboard": ROOT / "frontend" / "dist", "supabase": ROOT / "supabase"}
# The Supabase CLI's local state and the SQL tests are not needed to run the server.
SKIP = shutil.ignore_patterns(".temp", ".branches", "tests", ".gitignore")


class BuildPyWithBundle(build_py):
    """build_py, plus copies of frontend/dist and supabase/ inside the package."""

    def run(self) -> None:
        super().run()
        if getattr(self, "editable_mode", False):
            return  # an editable install reads the checkout's folders in place
        target = Path(self.build_lib) / "tokenoptimizer_server" / "bundle"
        for name, source in BUNDLE.items():
            shutil.rmtree(target / name, ignore_errors=True)  # no stale files from an earlier build
            if not (source / ("index.html" if name == "dashboard" else "migrations")).exists():
                warnings.warn(f"{source} is missing: the wheel will not carry it (build the dashboard first: make build)")
                continue
            shutil.copytree(source, target / name, ignore=SKIP)


setup(cmdclass={"build_py": BuildPyWithBundle})
