"""Shared kernel: settings, database engine and sessions, base model, errors, i18n."""
