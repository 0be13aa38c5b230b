"""What the bot says about linked channels and groups, in Chinese and English.

Kept apart from bot.i18n (which merges them into its tables); the same rules hold: trusted HTML
templates, every value escaped by ``text``.
"""

from __future__ import annotations

from typing import Final

TARGET_ZH: Final[dict[str, str]] = {
    "cmd_channel": "关联频道或群组，切换管理对象",
    "cmd_unlink": "取消关联频道或群组",
    "channel_usage": (
        "用法：/channel @频道用户名，或 /channel -100…（频道或群组的数字 id），"
        "也可以把频道里的一条消息转发给我。你须是那里的管理员，我须能在那里发消息。"
    ),
    "channel_private_only": "请在与我的私聊中用 /channel 关联频道或群组。",
    "channel_bad_ref": "「{value}」不是频道或群组：请写 @用户名，或以 - 开头的数字 id。",
    "channel_unknown": "找不到「{value}」：请确认用户名或 id 正确，并且已把我加入那个频道或群组。",
    "channel_not_admin": "你不是「{name}」的管理员，不能为它设置摘要。",
    "channel_bot_not_member": (
        "我还不在「{name}」里：请先把我加进去（频道里要设我为管理员并允许发布消息）。"
    ),
    "channel_bot_cannot_post": "我在「{name}」没有发消息的权限：请在管理员设置里允许我发布消息。",
    "channel_linked": (
        "已关联「{name}」。在这里用 /subscribe、/mysubs、/settime、/timezone、/pause "
        "设置的都是它的摘要；用 /channel 切换回私聊或其他频道，/unlink 取消关联。"
    ),
    "channel_list": "已关联的频道和群组。现在管理的是：<b>{current}</b>",
    "channel_list_empty": "你还没有关联频道或群组。",
    "channel_private_name": "私聊",
    "channel_now_managing": "现在管理：{name}",
    "managing_header": "〔{name}〕",
    "unlink_pick": "选择要取消关联的频道或群组：",
    "unlink_done": "已取消关联「{name}」，不再由你管理。",
    "unlink_missing": "你没有关联「{value}」。",
    "target_rights_lost": (
        "⚠️ 我已不能在「{name}」发消息（被移出或失去发布权限），已停止推送它的摘要。"
        "恢复权限后用 /channel 重新关联即可。"
    ),
}

TARGET_EN: Final[dict[str, str]] = {
    "cmd_channel": "Link a channel or group, switch which one you manage",
    "cmd_unlink": "Unlink a channel or group",
    "channel_usage": (
        "Usage: /channel @channelname, or /channel -100… (the numeric id of a channel or "
        "group), or forward me a post from the channel. You must be an admin there and I must "
        "be allowed to post."
    ),
    "channel_private_only": "Use /channel in your private chat with me to link a channel or group.",
    "channel_bad_ref": "“{value}” is not a channel or group: write @username or a numeric id "
    "starting with -.",
    "channel_unknown": "Cannot find “{value}”: check the username or id, and add me to that "
    "channel or group first.",
    "channel_not_admin": "You are not an admin of “{name}”, so you cannot set its digest.",
    "channel_bot_not_member": "I am not in “{name}” yet: add me first (in a channel, as an "
    "admin allowed to post messages).",
    "channel_bot_cannot_post": "I may not post in “{name}”: allow me to post messages in the "
    "admin settings.",
    "channel_linked": (
        "Linked “{name}”. /subscribe, /mysubs, /settime, /timezone and /pause here now set its "
        "digest; /channel switches back to this chat or another channel, /unlink removes it."
    ),
    "channel_list": "Your linked channels and groups. Managing now: <b>{current}</b>",
    "channel_list_empty": "You have not linked a channel or group yet.",
    "channel_private_name": "this chat",
    "channel_now_managing": "Managing now: {name}",
    "managing_header": "[{name}]",
    "unlink_pick": "Choose the channel or group to unlink:",
    "unlink_done": "Unlinked “{name}”; you no longer manage it.",
    "unlink_missing": "You have not linked “{value}”.",
    "target_rights_lost": (
        "⚠️ I can no longer post in “{name}” (removed, or my right to post was taken), so its "
        "digest has stopped. Give the right back and link it again with /channel."
    ),
}
