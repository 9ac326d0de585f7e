"""Shadow mode through the real openai and anthropic SDKs against the fake provider: sampling, the
daily budget, the comparators' verdicts, and that the app's call is never raised into, blocked or
changed. The fake answers per model (`answers`), and a candidate can be held on a threading.Event."""

from __future__ import annotations

import asyncio
import datetime as dt
import json
import math
import threading

import pytest

import tokenoptimizer
from tokenoptimizer import _shadow

MESSAGES = [{"role": "user", "content": "Is this review positive? 'Great phone.'"}]


@pytest.fixture
def answers(fake_provider):
    """model -> reply text (or an (status, body) failure); `hold[model]` is an Event the fake waits on."""
    replies: dict = {}
    hold: dict[str, threading.Event] = {}
    entered: dict[str, threading.Event] = {}
    original = fake_provider.answer

    def answer(path, body):
        model = str(body.get("model", ""))
        if model in hold:
            entered.setdefault(model, threading.Event()).set()
            hold[model].wait(10)
        reply = replies.get(model)
        if isinstance(reply, tuple):
            return reply[0], reply[1], None
        status, payload, chunks = original(path, body)
        if isinstance(reply, str) and isinstance(payload, dict):
            payload = json.loads(json.dumps(payload).replace('"hi"', json.dumps(reply)))
        return status, payload, chunks

    fake_provider.answer = answer
    replies["hold"], replies["entered"] = hold, entered  # type: ignore[assignment]
    yield replies
    for event in hold.values():
        event.set()
    _shadow.worker.idle(5)
    del fake_provider.answer
    _shadow.plans.clear()


def verdicts(backend) -> list[dict]:
    assert _shadow.worker.idle(10)
    tokenoptimizer.flush(5)
    return [e for e in backend.events if "shadow" in e]


def usage_events(backend) -> list[dict]:
    return [e for e in backend.events if "shadow" not in e]


def test_sampling_rate_within_its_statistical_bound(clients, tracked, answers):
    """400 calls at 25% (seeded): the sampled count lies within 4 standard deviations of 100, and
    every sampled call (and only those) reached the candidate."""
    plan = tokenoptimizer.shadow("classify", ["gpt-4.1-mini"], sample=0.25, max_calls_per_day=1000, seed=7)
    for _ in range(400):
        tokenoptimizer.tracked_completion("gpt-4o", MESSAGES, "classify", client=clients["openai"])
        _shadow.worker.idle(5)  # keep the bounded queue from dropping: this test counts every one
    tokenoptimizer.tracked_completion("gpt-4o", MESSAGES, "other", client=clients["openai"])
    found = verdicts(tracked)
    stats = plan.stats()
    assert stats["seen"] == 400 and stats["dropped_queue_full"] == 0
    assert abs(stats["sampled"] - 100) <= 4 * math.sqrt(400 * 0.25 * 0.75)
    assert len(found) == stats["sampled"] == stats["shadow_calls"]
    assert len(usage_events(tracked)) == 401  # the app's own calls, tracked as before
    assert {e["model"] for e in found} == {"gpt-4.1-mini"}


def test_budget_in_dollars_stops_shadow_calls_for_the_day(clients, tracked, answers):
    """$1 per 1M tokens both ways: each call (10 + 2 tokens) is $0.000012; a $0.00005 cap admits 4.
    The next day starts afresh."""
    day = [dt.date(2026, 12, 4)]
    plan = tokenoptimizer.shadow("classify", ["gpt-4.1-mini"], sample=1.0, max_usd_per_day="0.00005",
                                 prices={"gpt-4.1-mini": ("1", "1")}, today=lambda: day[0])
    for _ in range(7):
        tokenoptimizer.tracked_completion("gpt-4o", MESSAGES, "classify", client=clients["openai"])
        _shadow.worker.idle(5)
    assert (plan.stats()["shadow_calls"], plan.stats()["skipped_budget"]) == (4, 3)
    assert plan.stats()["spent_today_usd"] == "0.000048"
    day[0] = dt.date(2026, 12, 5)
    tokenoptimizer.tracked_completion("gpt-4o", MESSAGES, "classify", client=clients["openai"])
    assert len(verdicts(tracked)) == 5


def test_budget_in_calls_and_the_refusals_that_name_the_field():
    with pytest.raises(ValueError, match="prices for gpt-4.1-mini"):
        tokenoptimizer.shadow("classify", ["gpt-4.1-mini"], max_usd_per_day=2)
    with pytest.raises(ValueError, match="daily cap"):
        tokenoptimizer.shadow("classify", ["gpt-4.1-mini"])
    with pytest.raises(ValueError, match="not 0.4"):
        tokenoptimizer.shadow("classify", ["gpt-4.1-mini"], max_usd_per_day=2, prices={"gpt-4.1-mini": (0.4, "1.6")})
    with pytest.raises(ValueError, match="sample"):
        tokenoptimizer.shadow("classify", ["gpt-4.1-mini"], sample=0, max_calls_per_day=1)
    with pytest.raises(ValueError, match="provider of candidate"):
        tokenoptimizer.shadow("classify", ["my-own-model"], max_calls_per_day=1)


def test_call_cap_stops(clients, tracked, answers):
    plan = tokenoptimizer.shadow("classify", ["gpt-4.1-mini"], sample=1.0, max_calls_per_day=2)
    for _ in range(5):
        tokenoptimizer.tracked_completion("gpt-4o", MESSAGES, "classify", client=clients["openai"])
    assert len(verdicts(tracked)) == 2
    assert plan.stats()["skipped_budget"] == 3


@pytest.mark.parametrize("current, candidate, comparator, expected", [
    ("Positive", "positive.", "exact_label", (1.0, True)),
    ("Positive", "Negative", "exact_label", (0.0, False)),
    ('{"label": "positive", "score": [1, 2]}', '```json\n{"score": [1, 2], "label": "positive"}\n```', "json_equal", (1.0, True)),
    ('{"label": "positive"}', '{"label": "negative"}', "json_equal", (0.0, False)),
    ("The phone is great and the battery lasts two days. " * 3,
     "The phone is great, and the battery lasts two days. " * 3, "text_similarity", None),
    ("A long answer about the weather in Paris, sunny all week long with mild winds.",
     "Completely different: the stock market fell sharply on Tuesday after news.", "text_similarity", None),
])
def test_each_comparator_through_openai_and_anthropic(clients, tracked, answers, current, candidate, comparator,
                                                      expected):
    """The app calls gpt-4o (openai); the candidates are gpt-4.1-mini (openai) and a Claude model
    (anthropic, its own SDK): both answers are compared in-process, chosen by the current answer."""
    answers["gpt-4o"] = current
    answers["gpt-4.1-mini"] = candidate
    answers["claude-3-5-haiku-20241022"] = candidate
    tokenoptimizer.shadow("classify", ["gpt-4.1-mini", "claude-3-5-haiku-20241022"], sample=1.0, max_calls_per_day=10,
                          clients={"anthropic": clients["anthropic"]})
    tokenoptimizer.tracked_completion("gpt-4o", MESSAGES, "classify", client=clients["openai"])
    found = verdicts(tracked)
    assert [(e["model"], e["provider"]) for e in found] == [("gpt-4.1-mini", "openai"),
                                                           ("claude-3-5-haiku-20241022", "anthropic")]
    for event in found:
        shadow = event["shadow"]
        assert shadow["comparator"] == comparator
        if expected is not None:
            assert (shadow["score"], shadow["agreed"]) == expected
        assert shadow["current_model"] == "gpt-4o" and shadow["current_prompt_tokens"] == 10
    if comparator == "text_similarity":
        agreed = found[0]["shadow"]["agreed"]
        assert agreed is (found[0]["shadow"]["score"] >= 0.8)
        assert agreed is ("great" in candidate)
    assert found[0]["shadow"]["sampled_call_id"] == found[1]["shadow"]["sampled_call_id"]
    assert found[1]["prompt_tokens"] == 18  # Anthropic's 10 + 5 written + 3 read, by the one usage rule


def test_a_callable_comparator(clients, tracked, answers):
    answers["gpt-4o"], answers["gpt-4.1-mini"] = "Positive", "POSITIVE!!!"

    def same_first_letter(a: str, b: str) -> float:
        return 1.0 if a[:1].lower() == b[:1].lower() else 0.0

    tokenoptimizer.shadow("classify", ["gpt-4.1-mini"], sample=1.0, max_calls_per_day=5, comparator=same_first_letter)
    tokenoptimizer.tracked_completion("gpt-4o", MESSAGES, "classify", client=clients["openai"])
    [event] = verdicts(tracked)
    assert (event["shadow"]["comparator"], event["shadow"]["score"], event["shadow"]["agreed"]) == (
        "same_first_letter", 1.0, True)


def test_a_failing_candidate_or_comparator_never_reaches_the_app(clients, tracked, answers):
    answers["gpt-4.1-mini"] = (500, {"error": {"message": "boom", "type": "server_error"}})

    def broken(a: str, b: str) -> bool:
        raise RuntimeError("comparator bug")

    tokenoptimizer.shadow("classify", ["gpt-4.1-mini", "claude-3-5-haiku-20241022"], sample=1.0, max_calls_per_day=5,
                          comparator=broken, clients={"anthropic": clients["anthropic"]})
    response = tokenoptimizer.tracked_completion("gpt-4o", MESSAGES, "classify", client=clients["openai"])
    assert response.choices[0].message.content == "hi"
    failed, unjudged = verdicts(tracked)
    assert (failed["status"], failed["error_type"], failed["shadow"]["agreed"]) == ("error", "InternalServerError", None)
    assert (unjudged["status"], unjudged["shadow"]["score"], unjudged["shadow"]["comparator"]) == ("ok", None, "broken")


def test_a_candidate_that_times_out_is_recorded_not_raised(clients, tracked, answers, fake_provider):
    answers["hold"]["gpt-4.1-mini"] = threading.Event()  # never answers before the client's timeout
    slow_client = fake_provider.client("openai", timeout=0.2)
    tokenoptimizer.shadow("classify", ["gpt-4.1-mini"], sample=1.0, max_calls_per_day=5, clients={"openai": slow_client})
    response = tokenoptimizer.tracked_completion("gpt-4o", MESSAGES, "classify", client=clients["openai"])
    assert response.choices[0].message.content == "hi"
    [event] = verdicts(tracked)
    assert (event["status"], event["error_type"]) == ("error", "APITimeoutError")
    answers["hold"]["gpt-4.1-mini"].set()
    slow_client.close()


def test_the_app_call_returns_while_the_candidate_is_still_waiting(clients, tracked, answers):
    """The candidate is held on an Event: the app has its answer before the shadow call can finish."""
    gate = answers["hold"]["gpt-4.1-mini"] = threading.Event()
    tokenoptimizer.shadow("classify", ["gpt-4.1-mini"], sample=1.0, max_calls_per_day=5,
                          clients={"openai": clients["openai"]})
    response = tokenoptimizer.tracked_completion("gpt-4o", MESSAGES, "classify", client=clients["openai"])
    assert response.choices[0].message.content == "hi"
    assert answers["entered"].setdefault("gpt-4.1-mini", threading.Event()).wait(5)  # the candidate is in flight
    assert not _shadow.worker.idle(0) and [e for e in tracked.events if "shadow" in e] == []
    gate.set()
    assert [e["model"] for e in verdicts(tracked)] == ["gpt-4.1-mini"]


def test_a_full_queue_drops_instead_of_blocking(clients, tracked, answers, monkeypatch):
    gate = answers["hold"]["gpt-4.1-mini"] = threading.Event()
    monkeypatch.setattr(_shadow, "worker", _shadow.Worker())
    monkeypatch.setattr(_shadow.worker, "jobs", __import__("queue").Queue(maxsize=1))
    plan = tokenoptimizer.shadow("classify", ["gpt-4.1-mini"], sample=1.0, max_calls_per_day=50,
                                 clients={"openai": clients["openai"]})
    for _ in range(4):  # one in flight (held), one queued, two dropped
        tokenoptimizer.tracked_completion("gpt-4o", MESSAGES, "classify", client=clients["openai"])
        answers["entered"].setdefault("gpt-4.1-mini", threading.Event()).wait(5)
    assert plan.stats()["dropped_queue_full"] == 2
    gate.set()
    assert len(verdicts(tracked)) == 2


def test_async_calls_are_shadowed_with_a_sync_client(tracked, answers, fake_provider):
    answers["gpt-4o"], answers["claude-3-5-haiku-20241022"] = "Positive", "Negative"
    anthropic_client = fake_provider.client("anthropic")
    tokenoptimizer.shadow("classify", ["claude-3-5-haiku-20241022"], sample=1.0, max_calls_per_day=5,
                          clients={"anthropic": anthropic_client})

    async def app_call():
        async with fake_provider.async_client("openai") as client:
            return await tokenoptimizer.atracked_completion("gpt-4o", MESSAGES, "classify", client=client)

    response = asyncio.run(app_call())
    assert response.choices[0].message.content == "Positive"
    [event] = verdicts(tracked)
    assert (event["model"], event["shadow"]["agreed"], event["shadow"]["comparator"]) == (
        "claude-3-5-haiku-20241022", False, "exact_label")
    anthropic_client.close()


def test_streams_are_not_sampled(clients, tracked, answers):
    plan = tokenoptimizer.shadow("classify", ["gpt-4.1-mini"], sample=1.0, max_calls_per_day=5)
    for _chunk in tokenoptimizer.tracked_completion("gpt-4o", MESSAGES, "classify", client=clients["openai"],
                                                    stream=True):
        pass
    assert verdicts(tracked) == [] and plan.stats()["sampled"] == 0
