"""No log line carries the token or the webhook secret; LOG_FORMAT=json is one object a line.

The start-up failures that used to print the token (a rejected token: PTB's InvalidToken text
holds it; a base URL without /bot: the token becomes the URL's "port") run as real processes
with --verbose, and every line they print is searched. The running modes (polling and webhook,
--verbose, text and JSON) are searched the same way in tests/test_entry.py.
"""

from __future__ import annotations

import io
import json
import logging
from collections.abc import Iterator
from pathlib import Path

import pytest

from bot.devtools.emulator import BotApiEmulator
from bot.logs import REDACTED, JsonFormatter, Redactor, configure_logging
from tests.processes import (
    BotProcess,
    assert_no_secrets,
    bot_env,
    restore_logging,  # noqa: F401  (a fixture)
)

TOKEN = "123456:EMULATOR-TOKEN"
WRONG = "123456:WRONG-TOKEN-abcdef"


@pytest.fixture
def captured() -> Iterator[tuple[logging.Logger, io.StringIO, Redactor]]:
    """A logger of its own with a redacting handler (the root stays pytest's)."""
    stream = io.StringIO()
    redactor = Redactor()
    redactor.add(TOKEN, "webhook-secret-value")
    handler = logging.StreamHandler(stream)
    handler.addFilter(redactor)
    handler.setFormatter(logging.Formatter("%(levelname)s %(message)s"))
    logger = logging.getLogger("tests.logs.captured")
    logger.addHandler(handler)
    logger.propagate = False
    logger.setLevel(logging.DEBUG)
    try:
        yield logger, stream, redactor
    finally:
        logger.removeHandler(handler)


def test_redacts_message_arguments_and_tracebacks(
    captured: tuple[logging.Logger, io.StringIO, Redactor],
) -> None:
    logger, stream, _ = captured
    logger.info("HTTP Request: POST http://h/bot%s/getMe", TOKEN)
    logger.debug("parameters %s", {"secret_token": "webhook-secret-value"})
    logger.info("quoted: http://h/bot123456%3AEMULATOR-TOKEN/getMe")
    logger.info("tail only: EMULATOR-TOKEN")
    try:
        raise RuntimeError(f"The token `{TOKEN}` was rejected by the server.")
    except RuntimeError:
        logger.exception("start-up failed")
    text = stream.getvalue()
    assert_no_secrets(text.splitlines(), TOKEN, "webhook-secret-value")
    assert text.count(REDACTED) == 5, text
    assert "Traceback" in text and "was rejected by the server" in text


def test_a_secret_added_later_is_redacted_from_then_on(
    captured: tuple[logging.Logger, io.StringIO, Redactor],
) -> None:
    logger, stream, redactor = captured
    redactor.add("generated-later-secret", None, "abc")  # None and too-short values ignored
    logger.warning("secret=%s abc", "generated-later-secret")
    assert stream.getvalue() == f"WARNING secret={REDACTED} abc\n"


def test_json_lines_carry_time_level_logger_message_exception() -> None:
    formatter = JsonFormatter()
    try:
        raise ValueError("boom\nsecond line")
    except ValueError as exc:
        record = logging.LogRecord(
            "bot.x", logging.ERROR, __file__, 1, "failed: %s", ("مساعدة",), (type(exc), exc, None)
        )
    line = formatter.format(record)
    assert "\n" not in line
    entry = json.loads(line)
    assert entry["level"] == "ERROR" and entry["logger"] == "bot.x"
    assert entry["message"] == "failed: مساعدة"
    assert "ValueError: boom" in entry["exception"]
    assert entry["time"].endswith("+00:00")


@pytest.mark.usefixtures("restore_logging")
def test_configure_logging_redacts_on_the_root_handler(capsys: pytest.CaptureFixture[str]) -> None:
    configure_logging(level=logging.INFO, json_format=True, secrets=[WRONG])
    logging.getLogger("httpx").warning("POST http://h/bot%s/getMe", WRONG)
    line = capsys.readouterr().err.strip().splitlines()[-1]
    assert json.loads(line)["message"] == f"POST http://h/bot{REDACTED}/getMe"


@pytest.mark.parametrize(
    ("base", "code", "says"),
    [
        ("{emu}/bot", 2, "Telegram rejected TELEGRAM_BOT_TOKEN"),  # a rejected token
        ("{emu}/", 2, "ends in /bot"),  # a base URL without /bot: 404
        ("{emu}", 1, "could not reach the Bot API"),  # without /bot: the token is the "port"
    ],
    ids=["rejected-token", "base-url-slash", "base-url-no-slash"],
)
async def test_startup_failures_explain_without_the_token(
    tmp_path: Path, base: str, code: int, says: str
) -> None:
    async with BotApiEmulator(token=TOKEN) as emu:
        root = f"http://{emu.host}:{emu.port}"
        env = bot_env(
            emu, tmp_path, TELEGRAM_BOT_TOKEN=WRONG, TELEGRAM_BASE_URL=base.format(emu=root)
        )
        bot = await BotProcess(env, tmp_path, "--verbose").start()
        try:
            assert await bot.wait() == code, bot.output
        finally:
            await bot.close()
    assert says in bot.output, bot.output
    assert any(" DEBUG " in line for line in bot.lines)  # --verbose was on
    assert_no_secrets(bot.lines, WRONG)
