"""`tokenoptimizer init` on three small apps written here: a script, a Flask app, a FastAPI app.

The apps are only parsed (Flask and FastAPI need not be installed); --check makes one real call
through the instrumented provider SDK to the fake provider on 127.0.0.1.
"""

from __future__ import annotations

import ast
import io
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from tokenoptimizer.init._run import Options, run
from tokenoptimizer_server.cli import main as server_cli

SCRIPT = '''\
#!/usr/bin/env python
"""Summarise a file with two providers."""
from __future__ import annotations

import sys

import anthropic
from openai import OpenAI as OA

NOT_A_CLIENT = "openai.OpenAI() in a string is not a client"  # nor OpenAI() in a comment


def main() -> None:
    writer = OA()
    reviewer = anthropic.Anthropic(max_retries=1)
    print(writer, reviewer, sys.argv)


if __name__ == "__main__":
    main()
'''

SCRIPT_DIFF = '''\
--- a/summarise.py
+++ b/summarise.py
@@ -6,6 +6,12 @@
 
 import anthropic
 from openai import OpenAI as OA
+import os
+import tokenoptimizer
+
+# Added by `tokenoptimizer init` (undo: tokenoptimizer init --undo): track every LLM call's cost.
+tokenoptimizer.configure(api_key=os.environ.get("TOKENOPTIMIZER_API_KEY"))
+tokenoptimizer.instrument()
 
 NOT_A_CLIENT = "openai.OpenAI() in a string is not a client"  # nor OpenAI() in a comment
 
'''

FLASK_APP = '''\
import os

from flask import Flask, jsonify

from llm import ask

app = Flask(__name__)


@app.get("/")
def index():
    return jsonify(answer=ask(os.environ.get("QUESTION", "hi")))
'''

FLASK_LLM = '''\
import os

from google import genai
from mistralai import Mistral

mistral = Mistral(api_key=os.environ["MISTRAL_API_KEY"])
gemini = genai.Client()


def ask(question):
    return mistral.chat.complete(model="mistral-small-latest", messages=[{"role": "user", "content": question}])
'''

FASTAPI_MAIN = '''\
"""The API."""
import openai
from fastapi import FastAPI

app = FastAPI(title="demo")
client = openai.AsyncOpenAI()
azure = openai.AzureOpenAI(api_version="2024-10-21")


@app.get("/")
async def root():
    return await client.chat.completions.create(model="gpt-4o-mini", messages=[])
'''

FASTAPI_SEED = '''\
if __name__ == "__main__":
    print("seeding")
'''


def write(root: Path, files: dict[str, str]) -> Path:
    for name, text in files.items():
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_text(text)
    return root


@pytest.fixture
def script_app(tmp_path):
    return write(tmp_path / "script", {"summarise.py": SCRIPT})


@pytest.fixture
def flask_app(tmp_path):
    return write(tmp_path / "flaskapp", {"app.py": FLASK_APP, "llm.py": FLASK_LLM})


@pytest.fixture
def fastapi_app(tmp_path):
    return write(tmp_path / "fastapiapp", {"main.py": FASTAPI_MAIN, "scripts/seed.py": FASTAPI_SEED})


def init(path: Path, *, confirm=lambda question: False, **options) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    status = run(Options(path=path, **options), out=out, err=err, confirm=confirm)
    return status, out.getvalue(), err.getvalue()


def snapshot(root: Path) -> dict[str, bytes]:
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


def tokenoptimizer_calls(source: str) -> list[str]:
    """`tokenoptimizer.X(...)` calls and `import tokenoptimizer` statements, from the parsed file."""
    found = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            found += [f"import {a.name}" for a in node.names if a.name == "tokenoptimizer"]
        if (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)
                and isinstance(node.func.value, ast.Name) and node.func.value.id == "tokenoptimizer"):
            found.append(node.func.attr)
    return found


def test_script_found_diffed_written_idempotent_and_undone(script_app):
    original = (script_app / "summarise.py").read_bytes()
    status, out, err = init(script_app, yes=True)
    assert (status, err) == (0, "")
    assert "Found 2 provider clients:\n  summarise.py:14  openai.OpenAI  (openai)\n" \
           "  summarise.py:15  anthropic.Anthropic  (anthropic)\n" in out
    assert 'Entry point: summarise.py (if __name__ == "__main__")' in out
    assert SCRIPT_DIFF in out

    written = (script_app / "summarise.py").read_text()
    assert tokenoptimizer_calls(written) == ["import tokenoptimizer", "configure", "instrument"]
    assert written.startswith("#!/usr/bin/env python\n")  # the shebang stays first
    lines = written.splitlines(keepends=True)
    assert "".join(lines[:8] + lines[14:]) == SCRIPT  # six lines added after the imports, nothing else
    backup = script_app / ".tokenoptimizer/backup/summarise.py"
    assert backup.read_bytes() == original and "Backup: .tokenoptimizer/backup/summarise.py" in out

    before = snapshot(script_app)
    status, out, _ = init(script_app, yes=True)
    assert status == 0 and "Already instrumented: summarise.py:14 calls tokenoptimizer.instrument()" in out
    assert snapshot(script_app) == before  # file and backup untouched by the second run

    status, out, _ = init(script_app, undo=True)
    assert status == 0 and "Restored summarise.py from its backup." in out
    assert (script_app / "summarise.py").read_bytes() == original
    assert not (script_app / ".tokenoptimizer").exists()


def test_flask_app_entry_is_the_module_that_defines_app(flask_app):
    status, out, err = init(flask_app, yes=True)
    assert (status, err) == (0, "")
    assert "  llm.py:6  mistralai.Mistral  (mistral)\n  llm.py:7  google.genai.Client  (gemini)\n" in out
    assert "Entry point: app.py (Flask app `app`)" in out
    assert "+import tokenoptimizer\n" in out and "+import os\n" not in out  # os is already imported
    written = (flask_app / "app.py").read_text()
    lines = written.splitlines()
    assert lines[4:10] == ["from llm import ask", "import tokenoptimizer", "",
                          "# Added by `tokenoptimizer init` (undo: tokenoptimizer init --undo): track every LLM "
                          "call's cost.",
                          'tokenoptimizer.configure(api_key=os.environ.get("TOKENOPTIMIZER_API_KEY"))',
                          "tokenoptimizer.instrument()"]
    assert tokenoptimizer_calls(written) == ["import tokenoptimizer", "configure", "instrument"]
    assert (flask_app / "llm.py").read_text() == FLASK_LLM  # only the entry point changes


def test_fastapi_app_wins_over_a_script_and_dry_run_writes_nothing(fastapi_app):
    before = snapshot(fastapi_app)
    status, out, err = init(fastapi_app, dry_run=True)
    assert (status, err) == (0, "")
    assert "  main.py:6  openai.AsyncOpenAI  (openai)\n  main.py:7  openai.AzureOpenAI  (openai)\n" in out
    assert "Entry point: main.py (FastAPI app `app`)" in out
    assert '+import os\n+import tokenoptimizer\n+\n' in out and out.rstrip().endswith("Dry run: nothing written.")
    assert snapshot(fastapi_app) == before

    status, out, _ = init(fastapi_app, yes=True)
    written = (fastapi_app / "main.py").read_text()
    assert status == 0 and tokenoptimizer_calls(written) == ["import tokenoptimizer", "configure", "instrument"]
    assert written.startswith('"""The API."""\nimport openai\nfrom fastapi import FastAPI\nimport os\n')


def test_no_answer_means_nothing_written(script_app):
    before = snapshot(script_app)
    asked = []
    status, out, err = init(script_app, confirm=lambda question: asked.append(question) or False)
    assert status == 1 and "not written" in err
    assert asked == ["Write this change to summarise.py (backup in .tokenoptimizer/backup/summarise.py)? [y/N] "]
    assert snapshot(script_app) == before


def test_refuses_a_file_that_is_not_python(script_app):
    (script_app / "broken.py").write_text("import os\n\ndef f(:\n    pass\n")
    before = snapshot(script_app)
    status, out, err = init(script_app, yes=True)
    assert status == 1
    assert "broken.py:3:" in err and "not valid Python" in err and "nothing was changed" in err
    assert snapshot(script_app) == before


def test_refuses_when_no_entry_point_is_found(tmp_path):
    root = write(tmp_path / "lib", {"clients.py": "import openai\n\nCLIENT = openai.OpenAI()\n"})
    status, out, err = init(root, yes=True)
    assert status == 1 and "clients.py:3  openai.OpenAI" in out
    assert "no entry point found" in err and "--entry FILE" in err
    assert snapshot(root) == {"clients.py": b"import openai\n\nCLIENT = openai.OpenAI()\n"}
    # --entry chooses the file explicitly.
    status, out, _ = init(root, yes=True, entry=Path("clients.py"))
    assert status == 0 and tokenoptimizer_calls((root / "clients.py").read_text()) == [
        "import tokenoptimizer", "configure", "instrument"]


def test_refuses_several_entry_points_and_apps_without_clients(tmp_path):
    two = write(tmp_path / "two", {"a.py": SCRIPT, "b.py": FASTAPI_SEED})
    status, _, err = init(two, yes=True)
    assert status == 1 and "several entry points found" in err and not (two / ".tokenoptimizer").exists()
    none = write(tmp_path / "none", {"main.py": FASTAPI_SEED})
    status, _, err = init(none, yes=True)
    assert status == 1 and "nothing to instrument" in err and snapshot(none) == {"main.py": FASTAPI_SEED.encode()}


def test_adds_only_what_is_missing(tmp_path):
    source = 'import tokenoptimizer\nfrom openai import OpenAI\n\nif __name__ == "__main__":\n    OpenAI()\n'
    root = write(tmp_path / "half", {"run.py": source})
    status, out, _ = init(root, yes=True)
    written = (root / "run.py").read_text()
    assert status == 0 and tokenoptimizer_calls(written) == ["import tokenoptimizer", "configure", "instrument"]
    assert "+import tokenoptimizer" not in out
    # `from tokenoptimizer import instrument` counts as instrumented too.
    other = write(tmp_path / "other", {"run.py": source.replace("import tokenoptimizer\n",
                                                                "from tokenoptimizer import instrument\ninstrument()\n")})
    status, out, _ = init(other, yes=True)
    assert status == 0 and "Already instrumented: run.py:2" in out and not (other / ".tokenoptimizer").exists()


def test_undo_keeps_later_edits_unless_told(script_app):
    original = (script_app / "summarise.py").read_bytes()
    assert init(script_app, yes=True)[0] == 0
    edited = (script_app / "summarise.py").read_text() + "# my edit\n"
    (script_app / "summarise.py").write_text(edited)
    status, _, err = init(script_app, undo=True)
    assert status == 1 and "summarise.py changed since tokenoptimizer init wrote it" in err
    assert (script_app / "summarise.py").read_text() == edited
    assert init(script_app, undo=True, yes=True)[0] == 0
    assert (script_app / "summarise.py").read_bytes() == original
    status, _, err = init(script_app, undo=True)
    assert status == 1 and "nothing to undo" in err


# The fake provider's usage, as the SDK's one usage rule normalises it (tests/fake_provider.py).
CHECKS = [
    ("openai", "/v1", "recorded: provider openai, model gpt-4o-mini, status ok\n"
                      "  tokens: prompt 10, completion 2, total 12, cached 4, reasoning 0\n"),
    ("anthropic", "", "recorded: provider anthropic, model claude-sonnet-4-5, status ok\n"
                      "  tokens: prompt 18, completion 2, total 20, cached 3, cache_write 5\n"),
    ("mistral", "", "recorded: provider mistral, model mistral-small-latest, status ok\n"
                    "  tokens: prompt 10, completion 2, total 12\n"),
    ("gemini", "", "recorded: provider google, model gemini-2.5-flash, status ok\n"
                   "  tokens: prompt 12, completion 8, total 20, cached 4, reasoning 5\n"),
]


@pytest.mark.parametrize("provider, suffix, recorded", CHECKS, ids=[c[0] for c in CHECKS])
def test_check_reports_what_the_sdk_recorded(script_app, fake_provider, provider, suffix, recorded):
    status, out, err = init(script_app, yes=True, check=True, provider_url=fake_provider.url + suffix,
                            provider=provider)
    assert (status, err) == (0, ""), out
    assert recorded in out and out.rstrip().endswith("Check passed.")
    assert "no event left this machine" in out
    assert len(fake_provider.requests) == 1  # one provider call, and our events never reached it
    assert "tokenoptimizer.instrument()" in (script_app / "summarise.py").read_text()


def test_check_defaults_to_the_first_client_and_fails_when_the_call_fails(script_app, fake_provider):
    fake_provider.fail = [(500, {"error": {"message": "boom", "type": "server_error"}}, {})]
    status, out, _ = init(script_app, dry_run=True, check=True, provider_url=fake_provider.url + "/v1")
    assert status == 1
    assert "one openai call (gpt-4o-mini)" in out and "status error (InternalServerError)" in out
    assert out.rstrip().endswith("Check FAILED: expected one successful call with token counts.")


def test_check_needs_a_provider_url(script_app):
    status, _, err = init(script_app, yes=True, check=True)
    assert status == 2 and "--check needs --provider-url" in err
    assert not (script_app / ".tokenoptimizer").exists()


def test_python_dash_m_without_click(fastapi_app):
    """The SDK's own entry point: argparse, a real process, exit codes as documented."""
    proc = subprocess.run([sys.executable, "-m", "tokenoptimizer.init", str(fastapi_app), "--dry-run"],
                          capture_output=True, text=True, timeout=60)
    assert proc.returncode == 0 and "Entry point: main.py (FastAPI app `app`)" in proc.stdout
    (fastapi_app / "bad.py").write_text("x = (\n")
    proc = subprocess.run([sys.executable, "-m", "tokenoptimizer.init", str(fastapi_app), "--yes"],
                          capture_output=True, text=True, timeout=60)
    assert proc.returncode == 1 and "bad.py:" in proc.stderr and "import tokenoptimizer" not in (
        fastapi_app / "main.py").read_text()


def test_server_cli_init_command(flask_app):
    runner = CliRunner()
    result = runner.invoke(server_cli, ["init", str(flask_app), "--yes"])
    assert result.exit_code == 0, result.output
    assert "Entry point: app.py (Flask app `app`)" in result.output
    result = runner.invoke(server_cli, ["init", str(flask_app), "--undo"])
    assert result.exit_code == 0 and (flask_app / "app.py").read_text() == FLASK_APP
    result = runner.invoke(server_cli, ["init", str(flask_app)], input="n\n")
    assert result.exit_code == 1 and "import tokenoptimizer" not in (flask_app / "app.py").read_text()


def test_samples_are_what_the_tests_say():
    """Guard the guards: the sample apps are valid Python and the lines asserted above are right."""
    for source in (SCRIPT, FLASK_APP, FLASK_LLM, FASTAPI_MAIN, FASTAPI_SEED):
        ast.parse(source)
    assert SCRIPT.splitlines()[13].strip() == "writer = OA()"
    assert FLASK_LLM.splitlines()[5].startswith("mistral = Mistral(")
