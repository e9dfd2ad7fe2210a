"""The Bot API emulator against the real python-telegram-bot: no mocks anywhere.

Every other end-to-end test trusts the emulator to behave like Telegram as PTB sees it, so
these tests pin that down: request decoding, response shapes PTB parses into real objects,
Telegram's error texts mapped onto PTB's exception classes, and the polling loop.
"""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import aiohttp
import pytest
from telegram import (
    Bot,
    BotCommand,
    BotCommandScopeAllPrivateChats,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    KeyboardButton,
    ReplyKeyboardMarkup,
    Update,
)
from telegram.error import (
    BadRequest,
    Forbidden,
    InvalidToken,
    NetworkError,
    RetryAfter,
    TimedOut,
)
from telegram.ext import (
    Application,
    ApplicationBuilder,
    BaseHandler,
    CallbackQueryHandler,
    CommandHandler,
    ContextTypes,
    MessageHandler,
    filters,
)
from telegram.request import HTTPXRequest

from bot.devtools.emulator import BotApiEmulator, Fault, FaultKind, TranscriptEvent

TOKEN = "123456:TEST-TOKEN"


@pytest.fixture
async def emu() -> AsyncIterator[BotApiEmulator]:
    async with BotApiEmulator(token=TOKEN, bot_username="musaada_test_bot") as emulator:
        yield emulator


@pytest.fixture
async def bot(emu: BotApiEmulator) -> AsyncIterator[Bot]:
    async with Bot(TOKEN, base_url=emu.base_url, base_file_url=emu.base_file_url) as b:
        yield b


@asynccontextmanager
async def running_app(
    emu: BotApiEmulator, handlers: list[BaseHandler[Any, Any, Any]]
) -> AsyncIterator[Application[Any, Any, Any, Any, Any, Any]]:
    """A real Application polling the emulator, stopped in reverse order afterwards."""
    app = (
        ApplicationBuilder()
        .token(TOKEN)
        .base_url(emu.base_url)
        .base_file_url(emu.base_file_url)
        .build()
    )
    for handler in handlers:
        app.add_handler(handler)
    await app.initialize()
    await app.start()
    assert app.updater is not None
    await app.updater.start_polling(poll_interval=0.0, timeout=1)
    try:
        yield app
    finally:
        await app.updater.stop()
        await app.stop()
        await app.shutdown()


# ----------------------------------------------------------------------------- plain Bot


async def test_get_me_and_urls(emu: BotApiEmulator, bot: Bot) -> None:
    assert emu.base_url == f"http://127.0.0.1:{emu.port}/bot"
    assert emu.base_file_url == f"http://127.0.0.1:{emu.port}/file/bot"
    me = await bot.get_me()
    assert me.is_bot and me.username == "musaada_test_bot" and me.id == 123456


async def test_send_edit_location_and_commands(emu: BotApiEmulator, bot: Bot) -> None:
    user = emu.user(1001, first_name="Fatima", language_code="ar")
    keyboard = InlineKeyboardMarkup(
        [
            [InlineKeyboardButton("Accept", callback_data="acc:1")],
            [InlineKeyboardButton("Map", url="https://example.org")],
        ]
    )
    sent = await bot.send_message(user.id, "Help needed", reply_markup=keyboard)
    assert sent.message_id == 1
    assert sent.chat.type == "private" and sent.chat.first_name == "Fatima"
    assert sent.from_user is not None and sent.from_user.is_bot
    assert sent.reply_markup == keyboard
    assert isinstance(sent.date.year, int)

    call = emu.calls_for("sendMessage")[-1]
    assert call.ok and call.params["chat_id"] == 1001
    assert call.params["reply_markup"]["inline_keyboard"][0][0]["callback_data"] == "acc:1"

    msg = user.last
    assert msg is not None and msg.text == "Help needed"
    assert msg.buttons == ["Accept", "Map"] and msg.button_data == ["acc:1"]

    edited = await bot.edit_message_text("Taken", chat_id=user.id, message_id=sent.message_id)
    assert not isinstance(edited, bool) and edited.text == "Taken" and edited.edit_date
    assert msg.text == "Taken" and msg.edits == 1 and msg.history == ["Help needed", "Taken"]
    assert msg.buttons == []  # an edit without reply_markup drops the inline keyboard

    loc = await bot.send_location(user.id, latitude=24.71, longitude=46.67)
    assert loc.message_id == 2 and loc.location is not None
    assert loc.location.latitude == pytest.approx(24.71)
    assert user.last is not None and user.last.location == {"latitude": 24.71, "longitude": 46.67}

    contact = await bot.send_contact(user.id, phone_number="+966500000000", first_name="Ali")
    assert contact.contact is not None and contact.contact.phone_number == "+966500000000"

    reply_kb = ReplyKeyboardMarkup([[KeyboardButton("Share location", request_location=True)]])
    plain = await bot.send_message(user.id, "Where are you?", reply_markup=reply_kb)
    assert plain.reply_markup is None  # Telegram only echoes inline keyboards
    assert user.last is not None and user.last.reply_buttons == ["Share location"]

    assert await bot.delete_message(user.id, plain.message_id)
    assert user.messages[-1].deleted
    with pytest.raises(BadRequest, match=r"(?i)message to delete not found"):
        await bot.delete_message(user.id, plain.message_id)

    cmds_en = [BotCommand("start", "Start"), BotCommand("help", "Help")]
    cmds_ar = [BotCommand("start", "ابدأ")]
    assert await bot.set_my_commands(cmds_en)
    assert await bot.set_my_commands(
        cmds_ar, scope=BotCommandScopeAllPrivateChats(), language_code="ar"
    )
    assert emu.commands_for() == [
        {"command": "start", "description": "Start"},
        {"command": "help", "description": "Help"},
    ]
    assert emu.commands_for({"type": "all_private_chats"}, "ar") == [
        {"command": "start", "description": "ابدأ"}
    ]
    assert len(emu.commands) == 2
    got = await bot.get_my_commands(scope=BotCommandScopeAllPrivateChats(), language_code="ar")
    assert got == tuple(cmds_ar)
    assert await bot.delete_my_commands()
    assert await bot.get_my_commands() == ()
    assert await bot.send_chat_action(user.id, "typing")
    assert emu.chat_actions == [(1001, "typing")]


async def test_telegram_errors_map_to_ptb_exceptions(emu: BotApiEmulator, bot: Bot) -> None:
    user = emu.user(7)
    with pytest.raises(BadRequest, match=r"(?i)chat not found"):
        await bot.send_message(999, "hi")
    sent = await bot.send_message(user.id, "same")
    with pytest.raises(BadRequest, match=r"(?i)message is not modified"):
        await bot.edit_message_text("same", chat_id=user.id, message_id=sent.message_id)
    with pytest.raises(BadRequest, match=r"(?i)message to edit not found"):
        await bot.edit_message_text("x", chat_id=user.id, message_id=99)
    with pytest.raises(BadRequest, match=r"(?i)message text is empty"):
        await bot.send_message(user.id, "")
    too_long = InlineKeyboardMarkup([[InlineKeyboardButton("x", callback_data="y" * 65)]])
    with pytest.raises(BadRequest, match=r"(?i)BUTTON_DATA_INVALID"):
        await bot.send_message(user.id, "x", reply_markup=too_long)
    assert [c.ok for c in emu.calls_for("sendMessage")] == [False, True, False, False]


async def test_parse_modes_strip_markup_and_reject_bad_markup(
    emu: BotApiEmulator, bot: Bot
) -> None:
    user = emu.user(8, first_name="Omar")
    sent = await bot.send_message(
        user.id, "<b>Ali</b> is 2&lt;3 km 🚑 <i>away</i>", parse_mode="HTML"
    )
    assert sent.text == "Ali is 2<3 km 🚑 away"
    assert [(e.type, e.offset, e.length) for e in sent.entities] == [
        ("bold", 0, 3),
        ("italic", 17, 4),  # the emoji counts as two UTF-16 units
    ]
    with pytest.raises(BadRequest, match=r"(?i)can't parse entities"):
        await bot.send_message(user.id, "<Omar> needs help", parse_mode="HTML")
    v2 = await bot.send_message(user.id, r"*Done*\. 1\.5 km", parse_mode="MarkdownV2")
    assert v2.text == "Done. 1.5 km" and v2.entities[0].type == "bold"
    with pytest.raises(BadRequest, match=r"(?i)reserved"):
        await bot.send_message(user.id, "1.5 km", parse_mode="MarkdownV2")


@pytest.mark.filterwarnings("ignore::telegram.warnings.PTBDeprecationWarning")
async def test_faults_block_and_retry_after(emu: BotApiEmulator, bot: Bot) -> None:
    a, b = emu.user(11), emu.user(12)
    emu.fail_next("sendMessage", retry_after=3)
    with pytest.raises(RetryAfter, match="Retry in 3 seconds"):
        await bot.send_message(a.id, "x")
    await bot.send_message(a.id, "ok now")

    emu.fail_next("sendMessage", times=2, error_code=500, chat_id=b.id)
    await bot.send_message(a.id, "unaffected")
    for _ in range(2):
        with pytest.raises(Exception, match="Internal Server Error"):
            await bot.send_message(b.id, "x")
    await bot.send_message(b.id, "recovered")

    emu.block(a.id)
    with pytest.raises(Forbidden, match="bot was blocked by the user"):
        await bot.send_message(a.id, "x")
    with pytest.raises(Forbidden):
        await bot.edit_message_text("y", chat_id=a.id, message_id=1)
    emu.unblock(a.id)
    await bot.send_message(a.id, "back")
    assert [m.text for m in a.messages] == ["ok now", "unaffected", "back"]


async def test_raw_http_encodings_unknown_method_and_bad_token(emu: BotApiEmulator) -> None:
    emu.user(21)
    url = f"{emu.base_url}{TOKEN}"
    markup = {"inline_keyboard": [[{"text": "A", "callback_data": "a"}]]}
    async with aiohttp.ClientSession() as http:
        async with http.post(
            f"{url}/sendMessage", json={"chat_id": 21, "text": "123", "reply_markup": markup}
        ) as r:
            body = await r.json()
            assert r.status == 200 and body["ok"] and body["result"]["text"] == "123"
        form = aiohttp.FormData()
        form.add_field("chat_id", "21")
        form.add_field("text", "007")
        form.add_field("reply_markup", json.dumps(markup))
        form.add_field("document", b"xyz", filename="f.txt")  # forces multipart
        async with http.post(f"{url}/sendMessage", data=form) as r:
            assert (await r.json())["result"]["reply_markup"] == markup
        assert emu.calls[-1].params["text"] == "007"
        assert emu.calls[-1].params["document"]["size"] == 3
        async with http.post(f"{url}/sendSticker", data={"chat_id": "21"}) as r:
            assert r.status == 404
            assert await r.json() == {
                "ok": False,
                "error_code": 404,
                "description": "Not Found: method not found",
            }
        assert emu.unknown_methods == ["sendSticker"]
    wrong = Bot("654321:WRONG", base_url=emu.base_url)
    with pytest.raises(InvalidToken):
        await wrong.get_me()


async def test_get_updates_long_poll_and_offset(emu: BotApiEmulator, bot: Bot) -> None:
    user = emu.user(31, first_name="Sara", language_code="en")
    await user.send("/start now")
    assert emu.pending_updates() == 1
    started = time.monotonic()
    updates = await bot.get_updates(timeout=5)
    assert time.monotonic() - started < 1
    assert len(updates) == 1 and updates[0].message is not None
    message = updates[0].message
    assert message.text == "/start now" and message.from_user is not None
    assert message.from_user.language_code == "en"
    assert message.entities[0].type == "bot_command" and message.entities[0].length == 6

    poll = asyncio.create_task(bot.get_updates(offset=updates[0].update_id + 1, timeout=5))
    await asyncio.sleep(0.1)
    assert emu.pending_updates() == 0  # confirmed by the offset
    loc_id = await user.send_location(24.7, 46.6, live_period=900)
    started = time.monotonic()
    (update,) = await poll
    assert time.monotonic() - started < 1
    assert update.message is not None and update.message.location is not None
    assert update.message.location.to_dict()["live_period"] == 900
    await user.edit_live_location(loc_id, 24.8, 46.7)
    await user.share_contact("+966500000000")
    got = await bot.get_updates(offset=update.update_id + 1, timeout=0)
    assert got[0].edited_message is not None and got[0].edited_message.location is not None
    assert got[0].edited_message.location.latitude == pytest.approx(24.8)
    assert got[1].message is not None and got[1].message.contact is not None
    assert got[1].message.contact.user_id == 31


# ----------------------------------------------------------------------------- Application


async def test_application_polling_echo_and_button(emu: BotApiEmulator) -> None:
    async def start(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        assert update.effective_message is not None
        await update.effective_message.reply_text(
            "Request #7",
            reply_markup=InlineKeyboardMarkup(
                [[InlineKeyboardButton("Accept", callback_data="acc:7")]]
            ),
        )

    async def echo(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        assert update.effective_message is not None and update.effective_message.text
        await update.effective_message.reply_text(f"echo: {update.effective_message.text}")

    async def pressed(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        query = update.callback_query
        assert query is not None
        await query.answer("Thanks!")
        await query.edit_message_text(f"Accepted by {query.from_user.first_name} ({query.data})")

    events: list[TranscriptEvent] = []
    emu.on_event = events.append
    user = emu.user(1001, first_name="Fatima", language_code="ar")
    handlers: list[BaseHandler[Any, Any, Any]] = [
        CommandHandler("start", start),
        MessageHandler(filters.TEXT & ~filters.COMMAND, echo),
        CallbackQueryHandler(pressed),
    ]
    async with running_app(emu, handlers):
        await user.send("hello")
        reply = await user.wait_for("echo: hello")
        assert reply.text == "echo: hello"

        await user.send("/start")
        await user.wait_for_count(2)
        cq_id = await user.press("Accept")
        edited = await user.wait_for(lambda m: m.edits == 1)
        await emu.idle()

        assert edited.text == "Accepted by Fatima (acc:7)"
        assert emu.callback_answers[cq_id]["text"] == "Thanks!"
        assert [m.text for m in user.messages] == ["echo: hello", "Accepted by Fatima (acc:7)"]
        assert user.messages[1].history == ["Request #7", "Accepted by Fatima (acc:7)"]
        assert emu.pending_updates() == 0
        edit_call = emu.calls_for("editMessageText")[-1]
        assert edit_call.params["message_id"] == user.messages[1].message_id

        with pytest.raises(AssertionError, match=r"'Decline'.*\n  \(none\)"):
            await user.press("Decline")  # the edit removed the keyboard: nothing visible
        with pytest.raises(AssertionError, match="echo: hello"):
            await user.wait_for("never", timeout=0.05)

    kinds = [(e.kind, e.text) for e in events]
    assert ("user", "hello") in kinds and ("bot", "echo: hello") in kinds
    assert ("user", "[Accept]") in kinds and ("answer", "Thanks!") in kinds
    assert ("edit", "Accepted by Fatima (acc:7)") in kinds


async def test_application_group_posts_and_forged_callback(emu: BotApiEmulator) -> None:
    ops = emu.group(-100500, title="Ops")
    user = emu.user(2002, first_name="Khalid")

    async def start(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        await context.bot.send_message(
            ops.id,
            "New request",
            reply_markup=InlineKeyboardMarkup(
                [[InlineKeyboardButton("Claim", callback_data="c:1")]]
            ),
        )

    async def pressed(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        query = update.callback_query
        assert query is not None
        if query.data != "c:1":
            await query.answer("Invalid", show_alert=True)
            return
        await query.answer()

    async with running_app(emu, [CommandHandler("start", start), CallbackQueryHandler(pressed)]):
        await user.send("/start")
        posted = await ops.wait_for("New request")
        assert posted.chat_id == -100500
        forged = await ops.press_data(posted.message_id, "c:999", by=user)
        ok = await ops.press("Claim", by=user)
        await emu.idle()
    assert emu.callback_answers[forged] == {
        "callback_query_id": forged,
        "text": "Invalid",
        "show_alert": True,
    }
    assert emu.callback_answers[ok] == {"callback_query_id": ok}
    assert user.messages == []


async def test_idle_reports_updates_nobody_fetched(emu: BotApiEmulator) -> None:
    await emu.idle(timeout=1.0)  # nothing queued: quiet after the quiet period
    await emu.user(41).send("anyone?")
    with pytest.raises(AssertionError, match="1 update"):
        await emu.idle(timeout=0.2)
    assert emu.pending_updates() == 1


# ----------------------------------------------------------------------------- faults


def _kinds(emu: BotApiEmulator) -> list[FaultKind]:
    return [f.kind for f in emu.faults_injected]


@pytest.mark.filterwarnings("ignore::telegram.warnings.PTBDeprecationWarning")
async def test_injected_429_and_502_leave_no_trace(emu: BotApiEmulator, bot: Bot) -> None:
    user = emu.user(51)
    emu.inject(Fault(FaultKind.RETRY_AFTER, retry_after=7), methods=["sendMessage"], times=1)
    emu.inject(FaultKind.BAD_GATEWAY, methods=["sendMessage"], times=1)
    with pytest.raises(RetryAfter, match="Retry in 7 seconds"):
        await bot.send_message(user.id, "first try")
    with pytest.raises(NetworkError, match="Bad Gateway") as bad_gateway:
        await bot.send_message(user.id, "second try")
    assert not isinstance(bad_gateway.value, TimedOut | BadRequest | Forbidden)
    assert user.messages == []  # a failed send stores nothing and takes no message id
    sent = await bot.send_message(user.id, "third try")
    assert sent.message_id == 1 and [m.text for m in user.messages] == ["third try"]
    assert _kinds(emu) == [FaultKind.RETRY_AFTER, FaultKind.BAD_GATEWAY]
    assert [f.params["text"] for f in emu.faults_for("sendmessage", user.id)] == [
        "first try",
        "second try",
    ]
    calls = emu.calls_for("sendMessage")
    assert [(c.ok, c.applied, c.fault) for c in calls] == [
        (False, False, FaultKind.RETRY_AFTER),
        (False, False, FaultKind.BAD_GATEWAY),
        (True, True, None),
    ]
    assert calls[0].response["parameters"] == {"retry_after": 7}
    assert [c.params["text"] for c in emu.applied("sendMessage", user.id)] == ["third try"]


@pytest.mark.parametrize("delivered", [False, True], ids=["lost", "delivered"])
async def test_time_outs_and_dropped_connections(emu: BotApiEmulator, delivered: bool) -> None:
    """The client gives up (TimedOut) or the connection drops (NetworkError); the message is
    stored only in the ambiguous "delivered, answer lost" variant."""
    user = emu.user(52)
    impatient = HTTPXRequest(read_timeout=0.2)
    async with Bot(TOKEN, base_url=emu.base_url, request=impatient) as bot:
        emu.inject(Fault(FaultKind.TIMEOUT, delivered=delivered), methods=["sendMessage"], times=1)
        with pytest.raises(TimedOut):
            await bot.send_message(user.id, "held")
        emu.inject(Fault(FaultKind.DISCONNECT, delivered=delivered), times=1)
        with pytest.raises(NetworkError) as dropped:
            await bot.send_message(user.id, "dropped")
        assert not isinstance(dropped.value, TimedOut)
        await emu.idle(timeout=5)  # the held connection was released when the client gave up
        assert (await bot.send_message(user.id, "after")).text == "after"
    expected = ["held", "dropped", "after"] if delivered else ["after"]
    assert [m.text for m in user.messages] == expected
    assert [c.params["text"] for c in emu.applied("sendMessage", user.id)] == expected
    assert _kinds(emu) == [FaultKind.TIMEOUT, FaultKind.DISCONNECT]
    assert [f.delivered for f in emu.faults_injected] == [delivered, delivered]
    assert [c.ok for c in emu.calls_for("sendMessage")] == [False, False, True]


def test_only_a_time_out_can_be_delivered() -> None:
    with pytest.raises(ValueError, match="delivered"):
        Fault(FaultKind.BAD_GATEWAY, delivered=True)


async def test_blocked_and_the_400s_of_edits_and_old_queries(emu: BotApiEmulator, bot: Bot) -> None:
    user, ops = emu.user(53), emu.group(-100053, title="Ops")
    emu.inject(FaultKind.BLOCKED, times=1)  # private chats only: the group is not hit
    assert (await bot.send_message(ops.id, "to the group")).text == "to the group"
    with pytest.raises(Forbidden, match="bot was blocked by the user"):
        await bot.send_message(user.id, "to the user")
    keyboard = InlineKeyboardMarkup([[InlineKeyboardButton("Accept", callback_data="acc:1")]])
    sent = await bot.send_message(user.id, "Alert", reply_markup=keyboard)

    emu.inject(FaultKind.NOT_MODIFIED, methods=["editMessageText"], times=1)
    emu.inject(FaultKind.EDIT_NOT_FOUND, methods=["editMessageText"], times=1)
    with pytest.raises(BadRequest, match=r"(?i)message is not modified"):
        await bot.edit_message_text("Taken", chat_id=user.id, message_id=sent.message_id)
    with pytest.raises(BadRequest, match=r"(?i)message to edit not found"):
        await bot.edit_message_text("Taken", chat_id=user.id, message_id=sent.message_id)
    assert user.last.text == "Alert" and user.last.edits == 0 and user.last.buttons == ["Accept"]

    cq_id = await user.press("Accept")
    emu.inject(FaultKind.QUERY_TOO_OLD, times=1)
    with pytest.raises(BadRequest, match=r"(?i)query is too old and response timeout expired"):
        await bot.answer_callback_query(cq_id, text="Thanks")
    assert emu.callback_answers == {}  # the failed answer left no trace: it can still be given
    assert await bot.answer_callback_query(cq_id, text="Thanks")
    assert _kinds(emu) == [
        FaultKind.BLOCKED,
        FaultKind.NOT_MODIFIED,
        FaultKind.EDIT_NOT_FOUND,
        FaultKind.QUERY_TOO_OLD,
    ]


async def _send_until_delivered(bot: Bot, chat_id: int, text: str) -> int:
    """Retry like a careful sender; returns how many attempts failed."""
    for failed in range(100):
        try:
            await bot.send_message(chat_id, text)
        except (NetworkError, Forbidden):
            continue
        return failed
    raise AssertionError(f"{text!r} never got through")


async def test_a_seeded_share_of_chat_calls_fails_the_same_way_every_run(
    emu: BotApiEmulator, bot: Bot
) -> None:
    chats = [emu.user(600 + i) for i in range(10)]

    async def run(seed: int) -> list[int]:
        emu.clear_faults()
        emu.inject(FaultKind.BAD_GATEWAY, share=0.3, seed=seed)
        return [await _send_until_delivered(bot, c.id, f"seed {seed}") for c in chats]

    first, again, other = await run(1), await run(1), await run(2)
    assert first == again and first != other
    assert 0 < sum(first) < 3 * len(chats)
    for chat in chats:  # every chat got each message exactly once, the failures left nothing
        assert [m.text for m in chat.messages] == ["seed 1", "seed 1", "seed 2"]
        assert len(emu.applied("sendMessage", chat.id)) == 3
    assert len(emu.faults_injected) == sum(first) * 2 + sum(other)
    assert emu.inject(FaultKind.TIMEOUT, methods=["getMe"], times=0).spent
    assert (await bot.get_me()).username == "musaada_test_bot"  # a spent rule never fires
    with pytest.raises(ValueError, match="no method"):
        emu.inject(FaultKind.TIMEOUT, methods=["sendSticker"])


@pytest.mark.filterwarnings("ignore::telegram.warnings.PTBDeprecationWarning")
async def test_send_limits_answer_429_when_enforced(emu: BotApiEmulator, bot: Bot) -> None:
    now = [1000.0]
    emu.enforce_limits(clock=lambda: now[0])  # time stands still unless the test moves it
    user, group = emu.user(71), emu.group(-100071)
    await bot.send_message(user.id, "one")
    with pytest.raises(RetryAfter, match="Retry in 1 seconds"):
        await bot.send_message(user.id, "two in the same second")
    now[0] += 1.0
    await bot.send_location(user.id, latitude=24.7, longitude=46.7)  # a second later: allowed
    for i in range(20):
        now[0] += 0.5
        await bot.send_message(group.id, f"group {i}")
    with pytest.raises(RetryAfter, match="Retry in 51 seconds"):  # the first was 50.5 s ago
        await bot.send_message(group.id, "the 21st in a minute")
    now[0] += 60
    for i in range(30):
        await bot.send_message(emu.user(800 + i).id, "burst")
    with pytest.raises(RetryAfter, match="Retry in 1 seconds"):
        await bot.send_message(emu.user(900).id, "the 31st in a second")
    assert _kinds(emu) == [FaultKind.RATE_LIMITED] * 3
    assert [m.text for m in user.messages] == ["one", None]
    assert len(group.messages) == 20


async def test_over_the_limit_the_answer_is_429_with_retry_after_on_the_wire(
    emu: BotApiEmulator,
) -> None:
    """What Telegram puts on the wire beyond 30 messages a second: error_code 429 and
    parameters.retry_after; the emulator counts every 429 it answered (the simulator's
    status_429)."""
    now = [5000.0]
    emu.enforce_limits(clock=lambda: now[0])
    url = f"{emu.base_url}{TOKEN}/sendMessage"
    answers = []
    async with aiohttp.ClientSession() as http:
        for i in range(32):
            chat = emu.user(3000 + i).id
            async with http.post(url, json={"chat_id": chat, "text": "flood"}) as resp:
                answers.append((resp.status, await resp.json()))
    assert [status for status, _ in answers] == [200] * 30 + [429, 429]
    body = answers[-1][1]
    assert body["ok"] is False and body["error_code"] == 429
    assert body["parameters"]["retry_after"] == 1
    assert emu.answered_429 == 2
    now[0] += 1.0  # a second later the window has room again
    async with (
        aiohttp.ClientSession() as http,
        http.post(url, json={"chat_id": 3000, "text": "later"}) as resp,
    ):
        assert resp.status == 200


async def test_a_chat_factory_opens_chats_the_bot_writes_to_first(
    emu: BotApiEmulator, bot: Bot
) -> None:
    """The simulator's volunteers get a chat when first alerted; other ids stay unknown."""
    emu.chat_factory = lambda cid: emu.user(cid, first_name="Late") if cid < 10_000 else None
    await bot.send_message(4242, "an alert")
    assert emu.chat(4242).messages[0].text == "an alert"
    with pytest.raises(BadRequest, match=r"(?i)chat not found"):
        await bot.send_message(20_000, "nobody there")


async def test_send_limits_are_off_by_default(emu: BotApiEmulator, bot: Bot) -> None:
    user = emu.user(72)
    for i in range(40):
        await bot.send_message(user.id, f"#{i}")
    assert len(user.messages) == 40 and emu.faults_injected == []
