"""gallery package of the UGC hub."""
