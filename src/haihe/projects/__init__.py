"""Cooperation projects from signing to first tax, and the cluster figures officials report."""
