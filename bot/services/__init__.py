"""Use cases: create a request, run a wave, accept, arrive, complete, confirm, credit.

Plain async functions over storage and matching. They know nothing about
Telegram: they return Notices (what to tell whom) and the time each request's
timer must fire next, and a channel adapter delivers them.
"""
