"""The send pacer: overall rate, per-chat and per-group spacing, global pause on 429."""

from __future__ import annotations

import asyncio

from bot.delivery.pacer import PER_CHAT_INTERVAL, PER_GROUP_INTERVAL, SendPacer


class Ticker:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now

    async def sleep(self, seconds: float) -> None:
        self.now += max(0.0, seconds)
        await asyncio.sleep(0)


async def times_of(pacer: SendPacer, clock: Ticker, chats: list[int]) -> list[float]:
    out = []
    for chat in chats:
        await pacer.wait_turn(chat)
        out.append(clock.now)
    return out


def max_in_window(times: list[float], span: float) -> int:
    best = 0
    for i, start in enumerate(times):
        best = max(best, sum(1 for t in times[i:] if t < start + span))
    return best


async def test_overall_rate_is_never_exceeded() -> None:
    clock = Ticker()
    pacer = SendPacer(rate_per_second=30, clock=clock, sleep=clock.sleep)
    times = await times_of(pacer, clock, list(range(1, 301)))
    assert max_in_window(times, 1.0) <= 30
    # ... and it is not much slower than the rate: 300 sends take about 10 s.
    assert 9.5 <= times[-1] - times[0] <= 10.5


async def test_one_chat_gets_one_per_second_and_a_group_one_per_three() -> None:
    clock = Ticker()
    pacer = SendPacer(rate_per_second=1000, clock=clock, sleep=clock.sleep)
    private = await times_of(pacer, clock, [7, 7, 7])
    assert [round(b - a, 3) for a, b in zip(private, private[1:], strict=False)] == [
        PER_CHAT_INTERVAL
    ] * 2
    group = await times_of(pacer, clock, [-100, -100, -100])
    gaps = [round(b - a, 3) for a, b in zip(group, group[1:], strict=False)]
    assert gaps == [PER_GROUP_INTERVAL] * 2
    # 20 per minute to one group is respected.
    many = await times_of(pacer, clock, [-5] * 25)
    assert max_in_window(many, 60.0) <= 20


async def test_pause_holds_every_sender() -> None:
    clock = Ticker()
    pacer = SendPacer(rate_per_second=30, clock=clock, sleep=clock.sleep)
    await pacer.wait_turn(1)
    pacer.pause(5)
    start = clock.now
    await pacer.wait_turn(2)
    assert clock.now >= start + 5
    assert pacer.pauses == 1


async def test_state_stays_small_over_many_chats() -> None:
    clock = Ticker()
    pacer = SendPacer(rate_per_second=1000, clock=clock, sleep=clock.sleep)
    for chat in range(20_000):
        await pacer.wait_turn(chat)
    assert len(pacer._next_chat) < 5000


async def test_a_429_slows_the_pace_which_then_recovers() -> None:
    clock = Ticker()
    pacer = SendPacer(rate_per_second=100, clock=clock, sleep=clock.sleep)
    before = await times_of(pacer, clock, list(range(1, 51)))
    pacer.pause(1)
    after = await times_of(pacer, clock, list(range(51, 101)))
    assert after[-1] - after[0] > (before[-1] - before[0]) * 1.04
    for chat in range(101, 20_101):
        await pacer.wait_turn(chat)
    assert pacer.slowdown == 1.0
