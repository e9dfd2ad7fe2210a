"""Persistence: SQLModel tables, the engine/session factory, and the only place with queries."""
