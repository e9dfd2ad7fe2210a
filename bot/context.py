"""A typed callback context: handlers reach the database and settings without casts."""

from __future__ import annotations

from typing import Any

from telegram.ext import Application, CallbackContext, ExtBot

from bot.i18n import DEFAULT_LANGUAGE
from bot.services.config import DispatchConfig
from bot.services.positions import PositionWriter
from bot.settings import Settings
from storage.db import Database


class BotContext(CallbackContext[ExtBot[None], dict[Any, Any], dict[Any, Any], dict[Any, Any]]):
    # The language to answer the current update in, set first by plumbing.record_sender.
    language: str = DEFAULT_LANGUAGE

    @property
    def db(self) -> Database:
        return self.bot_data["db"]  # type: ignore[no-any-return]

    @property
    def settings(self) -> Settings:
        return self.bot_data["settings"]  # type: ignore[no-any-return]

    @property
    def cfg(self) -> DispatchConfig:
        return self.bot_data["cfg"]  # type: ignore[no-any-return]

    @property
    def positions(self) -> PositionWriter:
        return self.bot_data["positions"]  # type: ignore[no-any-return]


BotApp = Application[ExtBot[None], BotContext, dict[Any, Any], dict[Any, Any], dict[Any, Any], Any]
