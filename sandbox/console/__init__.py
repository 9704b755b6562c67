"""The web console: component health, pipeline pages and a JSON API under /api/."""
