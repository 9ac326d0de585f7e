"""A shadow run through the real SDKs, for the browser test: the app calls gpt-4o (openai SDK) on
`classify` through the local fake provider; shadow mode replays each call on gpt-4o-mini (openai)
and claude-3-5-haiku (anthropic SDK), within max_calls_per_day. argv: api_key base_url calls cap.
Replies: gpt-4o "Positive", gpt-4o-mini "positive." (agrees), Claude alternates "Positive" and
"Negative" (its 1st, 3rd, ... answer agrees). Prints the plan's stats as JSON."""

import json
import sys
import threading

import tokenoptimizer
from tokenoptimizer import _shadow
from tests.fake_provider import FakeProvider

MESSAGES = [{"role": "user", "content": "Is this review positive? 'Great phone.'"}]


def main() -> None:
    api_key, base_url, calls, cap = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
    fake = FakeProvider().start()
    original, lock, claude = fake.answer, threading.Lock(), [0]

    def answer(path, body):
        status, payload, chunks = original(path, body)
        model = body.get("model")
        if model == "gpt-4o":
            reply = "Positive"
        elif model == "gpt-4o-mini":
            reply = "positive."
        else:
            with lock:
                claude[0] += 1
                reply = "Positive" if claude[0] % 2 else "Negative"
        return status, json.loads(json.dumps(payload).replace('"hi"', json.dumps(reply))), chunks

    fake.answer = answer
    openai_client, anthropic_client = fake.client("openai"), fake.client("anthropic")
    tokenoptimizer.configure(api_key=api_key, base_url=base_url)
    plan = tokenoptimizer.shadow("classify", ["gpt-4o-mini", "claude-3-5-haiku-20241022"], sample=1.0,
                                 max_calls_per_day=cap, clients={"anthropic": anthropic_client})
    for _ in range(calls):
        tokenoptimizer.tracked_completion("gpt-4o", MESSAGES, "classify", client=openai_client)
        _shadow.worker.idle(10)  # one sampled call at a time, so the cap falls on whole calls
    assert tokenoptimizer.flush(10)
    print(json.dumps(plan.stats()))


if __name__ == "__main__":
    main()
