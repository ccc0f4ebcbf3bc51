"""SNN Designer's browser app (Panel). Uses only the engine's public API."""
