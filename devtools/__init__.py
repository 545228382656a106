"""Helpers for running the embedded local services (no Django imports)."""
