"""collectors package of the UGC hub."""
