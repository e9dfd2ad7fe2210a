"""Pure rules of who gets alerted: eligibility, distance, order, and how the waves widen."""
