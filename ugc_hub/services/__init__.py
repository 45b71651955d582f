"""Services: the unit of behaviour. They take a session and plain values, never Flask request state."""
