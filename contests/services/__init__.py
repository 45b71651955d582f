"""Contest services: a session and plain values in, no request state; the words for error codes are in ``messages``."""
