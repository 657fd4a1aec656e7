"""Cameras: the store, each tile's state machine and the operator's saved views (Qt-free)."""
