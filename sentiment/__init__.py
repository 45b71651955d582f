"""sentiment package of the UGC hub."""
