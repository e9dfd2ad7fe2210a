"""The domain: the vocabularies, the incident table, the request's lifecycle and matching.

Pure code at the bottom of the dependency graph. Storage, services and handlers all
import it; it imports none of them, so a rule is read (and tested) without a bot or a
database.
"""
