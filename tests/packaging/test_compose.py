"""docker-compose.yml is valid (`docker-compose config`, no engine needed), refuses to start without
its required secrets, and every setting the server reads is in .env.example and docs/deploy.md."""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]
ENV_EXAMPLE = ROOT / ".env.example"
_NAME = re.compile(r"^#?\s*([A-Z][A-Z0-9_]+)=", re.M)


def _compose_config(env_file: Path) -> subprocess.CompletedProcess:
    binary = shutil.which("docker-compose")
    if binary is None:
        pytest.skip("docker-compose is not installed and could not be (the Makefile's `docker-compose` target installs it)")
    return subprocess.run([binary, "--project-directory", str(ROOT), "--env-file", str(env_file),
                           "-f", str(ROOT / "docker-compose.yml"), "config"],
                          capture_output=True, text=True, timeout=120, cwd=ROOT)


def _filled_env(tmp_path: Path) -> Path:
    """.env.example with its two required values set, as a user's .env would be."""
    text = ENV_EXAMPLE.read_text()
    text = text.replace("\nPOSTGRES_PASSWORD=\n", "\nPOSTGRES_PASSWORD=s3cretpw\n")
    text = text.replace("\nTOKENOPTIMIZER_ADMIN_TOKEN=\n", "\nTOKENOPTIMIZER_ADMIN_TOKEN=admintoken123\n")
    text = text.replace("\nTOKENOPTIMIZER_WORKERS=2\n", "\nTOKENOPTIMIZER_WORKERS=3\n")
    env = tmp_path / ".env"
    env.write_text(text)
    return env


def test_compose_file_resolves_with_the_example_settings(tmp_path):
    result = _compose_config(_filled_env(tmp_path))
    assert result.returncode == 0, result.stderr
    config = yaml.safe_load(result.stdout)
    assert set(config["services"]) == {"db", "api"}
    api, db = config["services"]["api"], config["services"]["db"]
    env = api["environment"]
    assert env["DATABASE_URL"] == "postgresql://tokenoptimizer:s3cretpw@db:5432/tokenoptimizer"
    assert db["environment"]["POSTGRES_PASSWORD"] == "s3cretpw"
    assert (env["TOKENOPTIMIZER_MODE"], env["TOKENOPTIMIZER_ADMIN_TOKEN"]) == ("selfhosted", "admintoken123")
    assert env["TOKENOPTIMIZER_WORKERS"] == "3"
    assert api["depends_on"]["db"]["condition"] == "service_healthy"
    assert api["build"]["context"] == str(ROOT)
    assert any(str(p.get("target", p)).endswith("8000") for p in api["ports"])
    # Every setting in .env.example reaches the api container (the Postgres ones via DATABASE_URL).
    example = {n for n in _NAME.findall(ENV_EXAMPLE.read_text()) if not n.startswith("POSTGRES_")}
    passed_on = set(env) | {"TOKENOPTIMIZER_PORT"}  # the port is published, not passed
    outside_compose = {"DATABASE_URL", "TOKENOPTIMIZER_DATABASE_URL", "TOKENOPTIMIZER_DATA_DIR",
                       "TOKENOPTIMIZER_FRONTEND_DIR", "TOKENOPTIMIZER_MIGRATIONS_DIR"}
    assert example - outside_compose <= passed_on, example - outside_compose - passed_on


@pytest.mark.parametrize("missing", ["POSTGRES_PASSWORD", "TOKENOPTIMIZER_ADMIN_TOKEN"])
def test_compose_refuses_to_run_without_a_required_secret(tmp_path, missing):
    env = _filled_env(tmp_path)
    env.write_text(re.sub(rf"^{missing}=.*$", f"{missing}=", env.read_text(), flags=re.M))
    result = _compose_config(env)
    assert result.returncode != 0
    assert missing in result.stderr


def _server_settings() -> set[str]:
    """Every TOKENOPTIMIZER_* variable the server's code reads, and DATABASE_URL."""
    names = {"DATABASE_URL"}
    for path in (ROOT / "backend").rglob("*.py"):
        names |= set(re.findall(r"\b(TOKENOPTIMIZER_[A-Z0-9_]+)\b", path.read_text()))
    return names


def test_every_server_setting_is_in_env_example_and_the_deploy_guide():
    settings = _server_settings()
    assert {"TOKENOPTIMIZER_MODE", "TOKENOPTIMIZER_DB_POOLER", "TOKENOPTIMIZER_POOL_MAX"} <= settings
    assert settings - set(_NAME.findall(ENV_EXAMPLE.read_text())) == set()
    guide = (ROOT / "docs" / "deploy.md").read_text()
    assert {name for name in settings if f"`{name}`" not in guide} == set()
