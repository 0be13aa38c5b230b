"""Flood control's token buckets, on a fake clock."""

from __future__ import annotations

from bot.handlers.flood import FloodGate


class Clock:
    """A clock the test moves by hand."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_a_burst_passes_then_one_warning_then_silence() -> None:
    clock = Clock()
    gate = FloodGate(burst=5, rate=1.0, clock=clock)
    verdicts = [gate.check(("user", 1)) for _ in range(200)]
    assert verdicts[:5] == ["pass"] * 5
    assert verdicts[5] == "warn"
    assert set(verdicts[6:]) == {"drop"}
    # Another sender is not touched by the first one's flood.
    assert gate.check(("user", 2)) == "pass"


def test_tokens_come_back_at_the_rate_and_the_warning_once_per_flood() -> None:
    clock = Clock()
    gate = FloodGate(burst=3, rate=0.5, clock=clock)
    assert [gate.check("a") for _ in range(4)] == ["pass", "pass", "pass", "warn"]
    clock.now += 1.9  # not yet a whole token
    assert gate.check("a") == "drop"
    clock.now += 0.1
    assert gate.check("a") == "pass"
    # Still the same flood (the bucket never filled up): no second warning.
    assert gate.check("a") == "drop"
    clock.now += 6.0  # full again: the flood is over
    assert [gate.check("a") for _ in range(4)] == ["pass", "pass", "pass", "warn"]


def test_a_group_bucket_is_shared_by_its_members() -> None:
    clock = Clock()
    gate = FloodGate(burst=4, rate=1.0, clock=clock)
    group = ("chat", -100)
    assert [gate.check(("user", 1), group) for _ in range(2)] == ["pass", "pass"]
    assert [gate.check(("user", 2), group) for _ in range(2)] == ["pass", "pass"]
    assert gate.check(("user", 3), group) == "warn"
    assert gate.check(("user", 4), group) == "drop"
    # The members keep their own tokens: a user with some left passes in private.
    assert gate.check(("user", 3)) == "pass"
    # A refused message spends nothing: user 3 still has a full burst but one.
    assert [gate.check(("user", 3)) for _ in range(4)] == ["pass", "pass", "pass", "warn"]


def test_memory_stays_bounded() -> None:
    clock = Clock()
    gate = FloodGate(burst=2, rate=1.0, max_senders=100, clock=clock)
    for sender in range(10_000):
        gate.check(sender)
    assert len(gate) == 100
    # Idle senders (whose buckets have filled again) are forgotten.
    clock.now += 2.0
    gate.check("new")
    assert len(gate) == 1
