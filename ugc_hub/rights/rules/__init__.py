"""Plain-Python rights rules: the consent ledger's hash chain and the judging of replies (no app imports)."""
