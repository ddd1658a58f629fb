"""Accounts: users, roles and their scopes, sessions, API tokens."""
