"""Plain-Python domain types and rules: no Flask, no database."""
