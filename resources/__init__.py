"""Shipped data: label tables, the default model, icons."""
