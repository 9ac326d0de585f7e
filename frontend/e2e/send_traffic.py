"""Send usage events through the real SDK, as an app would: `track_usage` with plain dict
responses in each provider's shape. Reads [{"model", "endpoint", "prompt", "completion",
"latency_ms", "count", "session"?, "cached"?, "fail"?}] as JSON on stdin; argv: api_key base_url.
Prints the SDK's stats. `session` tags the calls with a `session_id`; `cached` is the part of the
prompt read from OpenAI's cache; `fail` makes them failed calls: `tracked_completion` with a
client that raises, as a provider error would."""

import json
import sys
from types import SimpleNamespace

import tokenoptimizer


class RateLimitError(Exception):
    """Stands in for the provider's error; the SDK records its class name as `error_type`."""


def _raise(**_kwargs):
    raise RateLimitError("429 Too Many Requests")


FAILING_CLIENT = SimpleNamespace(chat=SimpleNamespace(completions=SimpleNamespace(create=_raise)))


def response(model: str, prompt: int, completion: int, cached: int = 0) -> dict:
    if model.startswith("claude"):
        return {"id": "msg_e2e", "type": "message", "role": "assistant", "model": model,
                "usage": {"input_tokens": prompt, "output_tokens": completion}}
    return {"id": "chatcmpl-e2e", "object": "chat.completion", "model": model,
            "usage": {"prompt_tokens": prompt, "completion_tokens": completion,
                      "total_tokens": prompt + completion, "prompt_tokens_details": {"cached_tokens": cached}}}


def main() -> None:
    api_key, base_url = sys.argv[1], sys.argv[2]
    tokenoptimizer.configure(api_key=api_key, base_url=base_url)
    for item in json.load(sys.stdin):
        for _ in range(item.get("count", 1)):
            if item.get("fail"):
                try:
                    tokenoptimizer.tracked_completion(item["model"], [{"role": "user", "content": "e2e"}],
                                                      endpoint_name=item["endpoint"], session_id=item.get("session"),
                                                      client=FAILING_CLIENT)
                except RateLimitError:
                    pass
                continue
            tokenoptimizer.track_usage(response(item["model"], item["prompt"], item["completion"], item.get("cached", 0)),
                                       endpoint_name=item["endpoint"], latency_ms=item["latency_ms"],
                                       session_id=item.get("session"))
    delivered = tokenoptimizer.flush(timeout=20)
    stats = tokenoptimizer.stats()
    print(json.dumps({"delivered": delivered, **stats}))
    if not delivered or stats.get("rejected") or stats.get("failed"):
        sys.exit(1)


if __name__ == "__main__":
    main()
