"""Haihe: software for building a cross-city advanced-manufacturing cluster."""

__version__ = "0.1.0"
