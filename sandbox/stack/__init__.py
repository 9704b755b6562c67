"""The embedded stack: preflight checks, components, the supervisor process, health."""
