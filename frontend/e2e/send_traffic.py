"""Send usage events through the real SDK, as an app would: `track_usage` with plain dict
responses in each provider's shape. Reads [{"model", "endpoint", "prompt", "completion",
"latency_ms", "count"}] as JSON on stdin; argv: api_key base_url. Prints the SDK's stats."""

import json
import sys

import tokenoptimizer


def response(model: str, prompt: int, completion: int) -> dict:
    if model.startswith("claude"):
        return {"id": "msg_e2e", "type": "message", "role": "assistant", "model": model,
                "usage": {"input_tokens": prompt, "output_tokens": completion}}
    return {"id": "chatcmpl-e2e", "object": "chat.completion", "model": model,
            "usage": {"prompt_tokens": prompt, "completion_tokens": completion,
                      "total_tokens": prompt + completion}}


def main() -> None:
    api_key, base_url = sys.argv[1], sys.argv[2]
    tokenoptimizer.configure(api_key=api_key, base_url=base_url)
    for item in json.load(sys.stdin):
        for _ in range(item.get("count", 1)):
            tokenoptimizer.track_usage(response(item["model"], item["prompt"], item["completion"]),
                                       endpoint_name=item["endpoint"], latency_ms=item["latency_ms"])
    delivered = tokenoptimizer.flush(timeout=20)
    stats = tokenoptimizer.stats()
    print(json.dumps({"delivered": delivered, **stats}))
    if not delivered or stats.get("rejected") or stats.get("failed"):
        sys.exit(1)


if __name__ == "__main__":
    main()
