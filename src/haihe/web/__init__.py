"""Web layer: app factory, pages and JSON API. Parses, calls one service function, formats."""
