"""Registry: organisations and parks, their import and export."""
