"""A local Telegram Bot API emulator that the real python-telegram-bot stack talks to.

Why this exists: Telegram is unreachable from the build machine, yet the end-to-end tests and
the offline demo must exercise the *real* ``telegram.ext.Application`` — its HTTP layer,
polling loop, de_json parsing and error mapping. Mocking PTB would test our assumptions about
PTB; this emulator instead speaks the Bot API over HTTP on 127.0.0.1 with the response shapes
and error texts Telegram uses, and records what the bot did so tests can assert on it.

The parts: ``wire.py`` (HTTP routes, decoding, the reply envelope), ``state.py`` (chats,
messages, updates), ``methods.py`` (the method table), ``faults.py`` (injected failures and
send limits). This module puts them together: one request in, one :class:`Call` recorded.
"""

from __future__ import annotations

import asyncio
import inspect
import logging
import time
from collections.abc import Callable, Iterable

from aiohttp import web

from bot.devtools.emulator.faults import (
    Fault,
    FaultKind,
    FaultRule,
    InjectedFault,
    SendLimiter,
    SendLimits,
)
from bot.devtools.emulator.methods import CHAT_METHODS, METHODS, SEND_METHODS
from bot.devtools.emulator.state import CALLER_PORT, Call, EmulatorState
from bot.devtools.emulator.webhook import WebhookDelivery
from bot.devtools.emulator.wire import (
    ApiError,
    Params,
    as_int,
    build_app,
    error_payload,
    read_params,
    reply,
    success_payload,
)

__all__ = ["ApiError", "BotApiEmulator", "Call"]

log = logging.getLogger(__name__)

#: The methods a blocked user's chat refuses (Telegram answers 403 to all of them).
_BLOCKABLE = ("send", "edit", "copy", "forward")


class BotApiEmulator(EmulatorState):
    """An aiohttp server on 127.0.0.1 that emulates the Telegram Bot API for one bot.

    Use :meth:`user` / :meth:`group` to create chats, drive them (send, press, share a
    location), and read ``chat.messages`` to see what the bot answered. ``calls`` records every
    request; :meth:`inject`, :meth:`fail_next`, :meth:`block` and :meth:`enforce_limits` make
    it fail the way Telegram does, and ``faults_injected`` records each failure.
    """

    def __init__(
        self,
        token: str = "123456:TEST-TOKEN",
        bot_username: str = "musaada_test_bot",
        *,
        bot_name: str = "Musaada",
        host: str = "127.0.0.1",
        port: int = 0,
        quiet_period: float = 0.3,
    ) -> None:
        super().__init__(token, bot_username, bot_name, quiet_period)
        self.host = host
        self.port = port
        self.fault_rules: list[FaultRule] = []
        self.faults_injected: list[InjectedFault] = []
        self.limiter: SendLimiter | None = None
        self.delivery: WebhookDelivery | None = None
        self._runner: web.AppRunner | None = None

    # ------------------------------------------------------------------ lifecycle
    @property
    def base_url(self) -> str:
        """Pass to ``ApplicationBuilder().base_url(...)``; PTB appends the token."""
        return f"http://{self.host}:{self.port}/bot"

    @property
    def base_file_url(self) -> str:
        """Pass to ``ApplicationBuilder().base_file_url(...)``."""
        return f"http://{self.host}:{self.port}/file/bot"

    async def start(self) -> None:
        """Bind the server (a free port unless one was given) and start serving."""
        if self._runner is not None:
            return
        runner = web.AppRunner(
            build_app(self._handle),
            handler_cancellation=True,
            access_log=None,
            shutdown_timeout=1.0,
        )
        await runner.setup()
        site = web.TCPSite(runner, self.host, self.port)
        await site.start()
        self._runner = runner
        self._closing = False
        self.port = int(runner.addresses[0][1])

    async def stop(self) -> None:
        """Release pending long polls and held connections, and shut the server down."""
        self._closing = True
        self._notify()
        if self.delivery is not None:
            await self.delivery.stop()
        runner, self._runner = self._runner, None
        if runner is not None:
            await asyncio.sleep(0)
            await runner.cleanup()

    async def __aenter__(self) -> BotApiEmulator:
        await self.start()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.stop()

    def deliver_webhook(
        self, urls: list[str] | None = None, *, max_connections: int = 40
    ) -> WebhookDelivery:
        """Post updates to the bot once it calls setWebhook, as Telegram does (webhook.py):
        to the URL it gave, or to each of ``urls`` in turn (a reverse proxy's round robin)."""
        if self.delivery is None:
            self.delivery = WebhookDelivery(self, urls, max_connections)
            self.delivery.start()
        return self.delivery

    # ------------------------------------------------------------------ fault injection
    def inject(
        self,
        fault: Fault | FaultKind,
        *,
        methods: Iterable[str] | None = None,
        chat_id: int | None = None,
        share: float = 1.0,
        times: int | None = None,
        seed: int = 0,
    ) -> FaultRule:
        """Fail calls from now on: ``methods`` (names, any case; default every chat-addressed
        method), for ``chat_id`` only if given, a ``share`` of them drawn from
        ``random.Random(seed)``, at most ``times`` (``share=1, times=N``: the next N calls).

        Kinds that only exist for some methods (not modified, query too old, blocked) skip
        the others. Rules are tried in the order they were added; the first that hits wins.
        """
        names = CHAT_METHODS if methods is None else frozenset(m.lower() for m in methods)
        unknown = sorted(names - METHODS.keys())
        if unknown:
            raise ValueError(f"the emulator has no method {unknown}")
        rule = FaultRule(
            fault if isinstance(fault, Fault) else Fault(fault),
            names,
            chat_id=chat_id,
            share=share,
            times=times,
            seed=seed,
        )
        self.fault_rules.append(rule)
        return rule

    def fail_next(
        self,
        method: str,
        times: int = 1,
        error_code: int = 429,
        description: str | None = None,
        retry_after: int | None = 1,
        chat_id: int | None = None,
    ) -> None:
        """Answer the next ``times`` calls of ``method`` (for ``chat_id`` only, if given) with an
        error instead of executing them. ``retry_after`` is only sent with error code 429."""
        if error_code == 429 and retry_after is not None:
            fault = Fault(FaultKind.RETRY_AFTER, retry_after=retry_after, description=description)
        else:
            fault = Fault(FaultKind.ERROR, error_code=error_code, description=description)
        self.inject(fault, methods=[method], chat_id=chat_id, times=times)

    def clear_faults(self) -> None:
        """Stop injecting (the records stay)."""
        self.fault_rules.clear()

    def enforce_limits(
        self, limits: SendLimits | None = None, clock: Callable[[], float] = time.monotonic
    ) -> SendLimiter:
        """Answer 429 with ``retry_after`` to sends beyond Telegram's limits (off by default)."""
        self.limiter = SendLimiter(limits or SendLimits(), clock)
        return self.limiter

    @property
    def answered_429(self) -> int:
        """How many calls were answered 429 Too Many Requests (the send limits or a rule)."""
        return sum(1 for c in self.calls if c.response.get("error_code") == 429)

    def faults_for(
        self, method: str | None = None, chat_id: int | None = None
    ) -> list[InjectedFault]:
        """The faults injected so far, for one method (any case) and/or one chat."""
        return [
            f
            for f in self.faults_injected
            if (method is None or f.method.lower() == method.lower())
            and (chat_id is None or f.chat_id == chat_id)
        ]

    def _fault_for(self, name: str, chat_id: int | None, paid: bool = False) -> Fault | None:
        """The fault this call meets, if any: a rule, a blocked user, then the send limits."""
        for rule in self.fault_rules:
            if rule.hits(name, chat_id):
                return rule.fault
        if self.is_blocked(chat_id) and name.startswith(_BLOCKABLE):
            return Fault(FaultKind.BLOCKED)
        if self.limiter is not None and name in SEND_METHODS and chat_id is not None:
            wait = self.limiter.retry_after(chat_id, paid)
            if wait is not None:
                return Fault(FaultKind.RATE_LIMITED, retry_after=wait)
        return None

    # ------------------------------------------------------------------ one request
    async def _handle(self, request: web.Request) -> web.StreamResponse:
        token = request.match_info["token"]
        method = request.match_info["method"]
        counted = method.lower() != "getupdates"  # a long poll is not the bot being busy
        if counted:
            self._inflight += 1
            self._touch()
        peer = request.transport.get_extra_info("peername") if request.transport else None
        CALLER_PORT.set(int(peer[1]) if peer else None)
        try:
            call, fault = await self._answer(request, token, method)
            call.peer = CALLER_PORT.get()
            self.calls.append(call)
            self._notify()
            if fault is not None and not fault.answers:
                return await self._no_answer(request, fault)
            return reply(call.response)
        finally:
            if counted:
                self._inflight -= 1
                self._touch()
                self._notify()

    async def _answer(
        self, request: web.Request, token: str, method: str
    ) -> tuple[Call, Fault | None]:
        """Run one call through auth, faults, the method table and the send limits."""
        params: Params = {}
        try:
            params = await read_params(request)
            if token != self.token:
                raise ApiError(401, "Unauthorized")
            return await self._run(method, params)
        except ApiError as err:
            return Call(method, params, False, err.payload(), time.time()), None
        except (ValueError, TypeError, KeyError) as err:
            payload = error_payload(400, f"Bad Request: {err}")
            return Call(method, params, False, payload, time.time()), None

    async def _run(self, method: str, params: Params) -> tuple[Call, Fault | None]:
        name = method.lower()
        handler = self.overrides.get(name) or METHODS.get(name)
        if handler is None:
            self.unknown_methods.append(method)
            raise ApiError(404, "Not Found: method not found")
        chat_id = as_int(params.get("chat_id"))
        paid = params.get("allow_paid_broadcast") in (True, "true", "True")
        fault = self._fault_for(name, chat_id, paid)
        if fault is not None and not fault.delivered:
            return self._faulted(method, params, chat_id, fault, applied=False), fault
        result = handler(self, params)
        if inspect.isawaitable(result):
            result = await result
        if self.limiter is not None and name in SEND_METHODS and chat_id is not None:
            self.limiter.record(chat_id, paid)
        if fault is not None:
            return self._faulted(method, params, chat_id, fault, applied=True), fault
        return Call(method, params, True, success_payload(result), time.time(), applied=True), None

    def _faulted(
        self, method: str, params: Params, chat_id: int | None, fault: Fault, *, applied: bool
    ) -> Call:
        """Record an injected fault; the call's response is the error (empty: no answer)."""
        now = time.time()
        self.faults_injected.append(
            InjectedFault(fault.kind, method, chat_id, params, delivered=applied, at=now)
        )
        response = fault.error().payload() if fault.answers else {}
        return Call(method, params, False, response, now, fault=fault.kind, applied=applied)

    async def _no_answer(self, request: web.Request, fault: Fault) -> web.StreamResponse:
        """Hold the connection until the client gives up (TIMEOUT), or drop it (DISCONNECT).

        The client closing the connection cancels this handler (``handler_cancellation``),
        which ends the hold; so does stopping the emulator.
        """
        if fault.kind is FaultKind.TIMEOUT:
            try:
                await self._wait_until(lambda: True if self._closing else None, fault.hold_s)
            except TimeoutError:
                pass
        if request.transport is not None:
            request.transport.close()
        return web.Response(status=504)
