"""contests package of the UGC hub."""
