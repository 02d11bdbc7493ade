"""Widgets of the main window (config panel, curves, banner, …)."""
