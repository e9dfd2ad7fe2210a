"""run_bot.py without a token, and the offline demo end to end."""

from __future__ import annotations

import re

import pytest

import run_bot
from bot.demo import run_demo
from bot.i18n import FSI, PDI


def test_no_token_explains_and_exits_2(
    monkeypatch: pytest.MonkeyPatch, tmp_path, capsys: pytest.CaptureFixture[str]
) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.delenv("TELEGRAM_BOT_TOKEN", raising=False)
    monkeypatch.chdir(tmp_path)  # no .env to read a token from
    assert run_bot.main([]) == 2
    err = capsys.readouterr().err
    assert "@BotFather" in err and "--demo" in err


async def test_demo_plays_the_whole_loop(capsys: pytest.CaptureFixture[str]) -> None:
    assert await run_demo(quiet_period=0.15) == 0
    out = capsys.readouterr().out
    assert "── Fatima (citizen, ar) ▶ bot" in out  # the citizen takes part
    # The accepting volunteer (Khalid) receives the exact point, and only he does.
    located = re.findall(r"── bot ▶ (.+?)\n   📍 [\d.]+, [\d.]+", out)
    assert located == ["Khalid (volunteer, ar)"], out
    # His hours are credited ("added to your volunteer hours"), and /hours shows one job.
    one_minute = f"{FSI}دقيقة واحدة{PDI}"
    assert f"أُضيفت {one_minute} إلى ساعاتك التطوعية" in out, out
    assert f"ساعاتك التطوعية المؤكدة: {one_minute}" in out
