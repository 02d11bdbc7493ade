"""ConvScope's window: Qt only. Imports ``core`` lazily; ``core`` never imports this package."""
