"""Musaada (مساعدة): gets a trained volunteer to a person in trouble, fast."""
