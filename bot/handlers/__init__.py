"""Telegram in, Telegram out: parse the update, call a service, render the reply. No SQL, no maths."""
