"""Fairs: industrial-chain matchmaking events. For now the record projects are credited to."""
