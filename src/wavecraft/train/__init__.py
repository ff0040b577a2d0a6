"""Training loops and the data they read."""
