"""Subcommands contributed by each domain package (areas, households, demo-seed, storage ...)."""

REGISTRARS: list = []
