"""The audit trail: who changed what, when, from where. Append-only."""
