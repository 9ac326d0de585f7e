"""`--check`: run one instrumented call in a child process and say what the SDK recorded."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from dataclasses import dataclass
from typing import Optional

from .. import integrations

TOKEN_FIELDS = ("prompt_tokens", "completion_tokens", "total_tokens", "cached_tokens", "cache_write_tokens",
                "reasoning_tokens")
PROBE_TIMEOUT = 120.0


class CheckError(Exception):
    """The check could not run at all (unknown provider, child process failed)."""


@dataclass(frozen=True)
class CheckResult:
    events: list
    error: Optional[str]

    @property
    def ok(self) -> bool:
        """One event, a success, with token counts: instrument() saw the call and read its usage."""
        return (len(self.events) == 1 and self.error is None and self.events[0].get("status") == "ok"
                and self.events[0].get("total_tokens") is not None)


def run_check(provider: str, base_url: str, model: Optional[str] = None) -> tuple[str, CheckResult]:
    """(model asked for, result) of one call through the instrumented provider SDK at base_url."""
    integration = integrations.get(provider)
    if integration is None or not integration.client_classes:
        known = ", ".join(i.name for i in integrations.all_integrations() if i.client_classes)
        raise CheckError(f"--provider {provider!r} is not one of {known}")
    model = model or integration.example_model
    # The child must not inherit settings that would send its event anywhere but its own capture.
    env = {k: v for k, v in os.environ.items() if not k.startswith("TOKENOPTIMIZER_")}
    proc = subprocess.run([sys.executable, "-m", "tokenoptimizer.init._probe", integration.name, base_url, model],
                          capture_output=True, text=True, timeout=PROBE_TIMEOUT, env=env)
    if proc.returncode != 0:
        raise CheckError(f"the check process failed (exit {proc.returncode}):\n{proc.stderr.strip()}")
    answer = json.loads(proc.stdout.strip().splitlines()[-1])
    return model, CheckResult(answer["events"], answer["error"])


def describe(provider: str, base_url: str, model: str, result: CheckResult) -> str:
    """The report: what was called, what the SDK recorded, and whether that is what we expect."""
    lines = [f"Check: one {provider} call ({model}) to {base_url} through tokenoptimizer.instrument()"]
    if result.error:
        lines.append(f"  the provider call raised {result.error}")
    if not result.events:
        lines.append("  recorded: nothing (instrument() did not see the call)")
    for event in result.events:
        lines.append(f"  recorded: provider {event.get('provider')}, model {event.get('model')}, "
                     f"status {event.get('status')}"
                     + (f" ({event['error_type']})" if event.get("error_type") else ""))
        counts = [f"{name.removesuffix('_tokens')} {event[name]}" for name in TOKEN_FIELDS if name in event]
        if counts:
            lines.append("  tokens: " + ", ".join(counts))
    lines.append("  sent to: a capture server inside the check process (127.0.0.1); "
                 "no event left this machine")
    lines.append("Check passed." if result.ok else "Check FAILED: expected one successful call with token counts.")
    return "\n".join(lines)
