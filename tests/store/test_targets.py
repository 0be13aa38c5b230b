"""Contract: linked channels and their admins, forum topic rows, lost rights, migration."""

from __future__ import annotations

import asyncio
from datetime import UTC, date, datetime, time, timedelta

from bot.store import SqlStore
from bot.store.deliveries import Cutoffs
from bot.store.targets import SYNTHETIC_TOP, is_topic_row

CHANNEL = -1001234567890
FORUM = -1009876543210
ADMIN = 4242
OTHER = 4343
NOW = datetime(2026, 12, 5, 1, 0, tzinfo=UTC)
VALUES = {"language": "zh", "timezone": "UTC", "digest_time": "08:00"}
CUTOFFS = Cutoffs(
    lease_before=NOW - timedelta(minutes=15),
    recheck_before=NOW,
    retry_before=NOW,
    max_attempts=5,
)


async def _private(store: SqlStore, user_id: int) -> None:
    await store.ensure_chat(
        user_id, type="private", language="zh", timezone="UTC", digest_time=time(8, 0)
    )


async def _due(store: SqlStore) -> dict[int, tuple[int, int | None]]:
    due = await store.deliveries.due_chats(
        timezone="UTC", local_date=date(2026, 12, 5), hhmm="09:00", cutoffs=CUTOFFS
    )
    return {chat.chat_id: (chat.send_to, chat.thread_id) for chat in due}


async def test_link_manage_and_unlink_a_channel(store: SqlStore) -> None:
    targets = store.targets
    await _private(store, ADMIN)
    await _private(store, OTHER)
    linked = await targets.link(
        CHANNEL, ADMIN, type="channel", title="早报频道", values=VALUES, now=NOW
    )
    assert (linked.id, linked.type, linked.title, linked.send_to) == (
        CHANNEL,
        "channel",
        "早报频道",
        CHANNEL,
    )
    assert [c.id for c in await targets.linked(ADMIN)] == [CHANNEL]
    assert await targets.linked(OTHER) == []
    managed = await targets.managing(ADMIN)
    assert managed is not None and managed.id == CHANNEL
    # Another user cannot choose a chat they did not link.
    assert not await targets.set_managing(OTHER, CHANNEL)
    assert await targets.managing(OTHER) is None
    assert await targets.set_managing(ADMIN, None)
    assert await targets.managing(ADMIN) is None
    assert await targets.set_managing(ADMIN, CHANNEL)
    # The channel is a chat like any other for subscriptions and the schedule.
    assert await store.add_subscription(CHANNEL, "topic", "economy") == "added"
    assert CHANNEL in await _due(store)
    assert await targets.unlink(CHANNEL, ADMIN)
    assert not await targets.unlink(CHANNEL, ADMIN)
    assert await targets.managing(ADMIN) is None
    # Nobody manages it any more: paused, subscriptions kept for a later link.
    assert CHANNEL not in await _due(store)
    relinked = await targets.link(
        CHANNEL, OTHER, type="channel", title="早报", values=VALUES, now=NOW
    )
    assert relinked.active and relinked.title == "早报"
    assert [s.value for s in await store.list_subscriptions(CHANNEL)] == ["economy"]


async def test_rights_lost_stop_the_push_and_tell_admins_once(store: SqlStore) -> None:
    targets = store.targets
    for user in (ADMIN, OTHER):
        await _private(store, user)
        await targets.link(CHANNEL, user, type="channel", title="早报", values=VALUES, now=NOW)
    assert CHANNEL in await _due(store)
    tells = await asyncio.gather(
        targets.mark_rights_lost(CHANNEL, at=NOW), targets.mark_rights_lost(CHANNEL, at=NOW)
    )
    assert sorted(tells, key=len) == [[], [ADMIN, OTHER]]
    assert await targets.mark_rights_lost(CHANNEL, at=NOW) == []
    record = await store.get_chat(CHANNEL)
    assert record is not None and record.rights_lost_at is not None and not record.active
    assert (await store.stats(today=NOW.date())).active_chats == 2  # the two admins' chats
    assert CHANNEL not in await _due(store)
    assert await targets.restore_rights(CHANNEL)
    assert not await targets.restore_rights(CHANNEL)
    assert CHANNEL in await _due(store)
    # A private chat is never "rights lost": it blocks the bot instead.
    assert await targets.mark_rights_lost(ADMIN, at=NOW) == []


async def test_forum_topics_get_rows_of_their_own(store: SqlStore) -> None:
    targets = store.targets
    values = {**VALUES, "type": "supergroup"}
    economy, tech = await asyncio.gather(
        targets.ensure_topic(FORUM, 11, values=values, now=NOW),
        targets.ensure_topic(FORUM, 12, values=values, now=NOW),
    )
    again = await targets.ensure_topic(FORUM, 11, values=values, now=NOW)
    assert again.id == economy.id != tech.id
    for row in (economy, tech):
        assert is_topic_row(row.id) and row.id < SYNTHETIC_TOP and row.send_to == FORUM
    assert not is_topic_row(FORUM) and not is_topic_row(-(2**52))
    assert (economy.thread_id, tech.thread_id) == (11, 12)
    await store.add_subscription(economy.id, "topic", "economy")
    await store.add_subscription(tech.id, "keyword", "芯片")
    assert [s.value for s in await store.list_subscriptions(economy.id)] == ["economy"]
    due = await _due(store)
    assert due[economy.id] == (FORUM, 11) and due[tech.id] == (FORUM, 12)
    # A topic that went away is blocked; someone writing in it again unblocks it.
    await store.mark_blocked(tech.id, at=NOW)
    assert tech.id not in await _due(store)
    await targets.ensure_topic(FORUM, 12, values=values, now=NOW)
    assert tech.id in await _due(store)
    assert [t.thread_id for t in await targets.topics_of(FORUM)] == [11, 12]
    # The bot removed from the group (a push refused: topics blocked), then added back: the
    # group and every topic of it are pushed again, without anyone writing in them.
    await store.mark_blocked(economy.id, at=NOW)
    await store.mark_blocked(tech.id, at=NOW)
    assert not {economy.id, tech.id} & set(await _due(store))
    assert await targets.restore_rights(FORUM)
    assert {economy.id, tech.id} <= set(await _due(store))
    assert not await targets.restore_rights(FORUM)


async def test_migration_moves_links_topics_and_choices(store: SqlStore) -> None:
    targets = store.targets
    group, supergroup = -4001, -1004001
    await _private(store, ADMIN)
    await targets.link(group, ADMIN, type="group", title="读书会", values=VALUES, now=NOW)
    topic = await targets.ensure_topic(group, 5, values={**VALUES, "type": "supergroup"}, now=NOW)
    await store.migrate_chat(group, supergroup)
    assert [c.id for c in await targets.linked(ADMIN)] == [supergroup]
    managed = await targets.managing(ADMIN)
    assert managed is not None and managed.id == supergroup
    moved = await store.get_chat(topic.id)
    assert moved is not None and moved.send_to == supergroup
    # Into a supergroup that already wrote to the bot: the links merge into it.
    other_group = -4002
    await _private(store, OTHER)
    await targets.link(other_group, OTHER, type="group", title="b", values=VALUES, now=NOW)
    await store.migrate_chat(other_group, supergroup)
    assert await targets.admins(supergroup) == [ADMIN, OTHER]
    assert await store.get_chat(other_group) is None
