"""The staff web UI: thin views over services."""
