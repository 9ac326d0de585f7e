"""The wheel a user installs carries the dashboard, the migrations and the seed.

Builds the sdist and, from it, the wheel (`python -m build`, as a release would), installs the
wheel into a fresh venv outside the checkout, runs `tokenoptimizer serve` from there on a fresh
database, and loads the dashboard in Chromium. The venv reuses the project venv's dependencies
(a .pth line) so nothing is downloaded; the wheel itself comes first on its path.
"""

from __future__ import annotations

import fcntl
import json
import os
import shutil
import subprocess
import sys
import sysconfig
import tarfile
import uuid
import zipfile
from pathlib import Path

import psycopg
import pytest
import requests

from ..conftest import LOCAL_ADMIN_URL, free_port, stop_server, wait_healthy

ROOT = Path(__file__).resolve().parents[2]
DIST = ROOT / "frontend" / "dist"
CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
BUNDLE = "tokenoptimizer_server/bundle"


def _checkout_files(folder: Path) -> set[str]:
    return {str(p.relative_to(folder)) for p in folder.rglob("*") if p.is_file()}


@pytest.fixture(scope="module")
def wheel(tmp_path_factory) -> Path:
    """sdist → wheel, built from this checkout with the project venv's setuptools (no download)."""
    if not (DIST / "index.html").is_file():
        if os.environ.get("CI"):
            pytest.fail("frontend/dist is not built: `make test` builds it before the Python tests")
        pytest.skip("frontend/dist is not built: run `make build` (or `cd frontend && npm run build`)")
    out = tmp_path_factory.mktemp("wheelhouse")
    # Whoever rebuilds frontend/dist holds this lock (npm run build under flock): never copy half a build.
    with open("/tmp/to-frontend.lock", "a") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        build = subprocess.run([sys.executable, "-m", "build", "--no-isolation", "--outdir", str(out), str(ROOT)],
                               capture_output=True, text=True, timeout=300)
        (out / "dist-files.txt").write_text("\n".join(sorted(_checkout_files(DIST))))
    assert build.returncode == 0, build.stdout[-3000:] + build.stderr[-3000:]
    (whl,) = out.glob("tokenoptimizer-*.whl")
    (sdist,) = out.glob("tokenoptimizer-*.tar.gz")
    with tarfile.open(sdist) as tar:  # a wheel built later from the sdist alone needs these too
        names = {name.split("/", 1)[1] for name in tar.getnames() if "/" in name}
    assert {"frontend/dist/index.html", "supabase/seed.sql", "setup.py"} <= names
    return whl


def test_wheel_carries_dashboard_migrations_and_seed(wheel):
    names = set(zipfile.ZipFile(wheel).namelist())
    dashboard = {n.removeprefix(f"{BUNDLE}/dashboard/") for n in names if n.startswith(f"{BUNDLE}/dashboard/")}
    supabase = {n.removeprefix(f"{BUNDLE}/supabase/") for n in names if n.startswith(f"{BUNDLE}/supabase/")}
    assert dashboard == set((wheel.parent / "dist-files.txt").read_text().splitlines())
    migrations = {f for f in _checkout_files(ROOT / "supabase") if f.startswith("migrations/")}
    assert migrations and migrations <= supabase
    assert "seed.sql" in supabase
    assert not any(f.startswith("tests/") for f in supabase)  # SQL tests stay in the checkout
    assert "tokenoptimizer_server/sql/supabase_shim.sql" in names


@pytest.fixture(scope="module")
def installed(wheel, tmp_path_factory) -> Path:
    """A fresh venv outside the checkout with the wheel installed: its bin/ folder."""
    venv = tmp_path_factory.mktemp("wheel-venv") / "venv"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True, timeout=120)
    python = venv / "bin" / "python"
    purelib = subprocess.run([str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
                             check=True, capture_output=True, text=True).stdout.strip()
    # The project venv's packages (flask, psycopg, gunicorn, pip...) after the venv's own ones.
    Path(purelib, "project-deps.pth").write_text(sysconfig.get_paths()["purelib"] + "\n")
    subprocess.run([str(python), "-m", "pip", "install", "-q", "--no-deps", "--ignore-installed", "--no-index",
                    str(wheel)], check=True, timeout=300, cwd=venv)
    where = subprocess.run([str(python), "-c", "import tokenoptimizer_server, tokenoptimizer_server.settings as s; "
                            "print(tokenoptimizer_server.__file__); print(s.supabase_dir()); print(s.frontend_dir())"],
                           check=True, capture_output=True, text=True, cwd=venv, env=_clean_env()).stdout.split()
    assert all(path.startswith(str(venv)) for path in where), where  # the wheel's copy, not the checkout's
    return venv / "bin"


def _clean_env() -> dict[str, str]:
    """This environment without anything that would point the installed package back at the checkout."""
    drop = {"PYTHONPATH", "TOKENOPTIMIZER_FRONTEND_DIR", "TOKENOPTIMIZER_MIGRATIONS_DIR", "DATABASE_URL"}
    return {k: v for k, v in os.environ.items() if k not in drop}


@pytest.fixture
def fresh_database():
    name = f"tokenoptimizer_wheel_{os.getpid()}_{uuid.uuid4().hex[:6]}"
    with psycopg.connect(LOCAL_ADMIN_URL, autocommit=True) as admin:
        admin.execute(f'create database "{name}"')
    yield psycopg.conninfo.make_conninfo(LOCAL_ADMIN_URL, dbname=name)
    with psycopg.connect(LOCAL_ADMIN_URL, autocommit=True) as admin:
        admin.execute(f'drop database if exists "{name}" with (force)')


def test_installed_wheel_serves_the_dashboard(installed, fresh_database, tmp_path):
    if not os.access(CHROMIUM, os.X_OK):
        pytest.skip(f"{CHROMIUM} is missing (the Makefile's `chromium` target installs it)")
    port = free_port()
    log_path = tmp_path / "serve.log"
    with open(log_path, "w") as log:
        proc = subprocess.Popen([str(installed / "tokenoptimizer"), "serve", "--database-url", fresh_database,
                                 "--data-dir", str(tmp_path / "data"), "--port", str(port), "--workers", "1"],
                                cwd=tmp_path, env=_clean_env(), stdout=log, stderr=subprocess.STDOUT)
    try:
        wait_healthy(f"http://127.0.0.1:{port}")
        _assert_migrated_and_seeded(fresh_database)
        index = requests.get(f"http://127.0.0.1:{port}/", timeout=30)
        assert index.status_code == 200 and "<title>TokenOptimizer</title>" in index.text, index.text[:300]
        screenshot = Path(os.environ.get("TOKENOPTIMIZER_SCREENSHOTS", tmp_path)) / "wheel-dashboard.png"
        seen = _render(f"http://localhost:{port}/", screenshot)
        assert seen["status"] == 200 and seen["title"] == "TokenOptimizer", seen
        assert {"Overview", "Logs"} <= set(seen["nav"]), seen
        assert seen["errors"] == [], seen
        assert screenshot.stat().st_size > 10_000  # a rendered page, not a blank one
    except BaseException:
        print(log_path.read_text())
        raise
    finally:
        stop_server(proc)


def _assert_migrated_and_seeded(url: str) -> None:
    """serve applied every migration from the wheel and loaded its seed prices."""
    with psycopg.connect(url) as conn:
        applied = {r[0] for r in conn.execute("select name from public.tokenoptimizer_migrations")}
        prices = conn.execute("select count(*) from public.model_pricing").fetchone()[0]
    assert applied == {p.name for p in (ROOT / "supabase" / "migrations").glob("*.sql")}
    assert prices > 0


def _render(url: str, screenshot: Path) -> dict:
    node = shutil.which("node")
    if node is None:
        pytest.skip("node is missing: the dashboard's browser tests need it too")
    run = subprocess.run([node, str(Path(__file__).with_name("render_dashboard.mjs")), str(ROOT / "frontend"), url,
                          str(screenshot)], capture_output=True, text=True, timeout=120)
    assert run.returncode == 0, run.stdout + run.stderr
    return json.loads(run.stdout.strip().splitlines()[-1])
