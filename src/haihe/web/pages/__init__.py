"""HTML pages, one module per page type."""
