"""The rights services: a session and plain values in, no Flask request state.

``permissions`` asks and judges, ``upkeep`` grants with proof, thanks and expires, ``queue`` sends,
``state`` moves a post's rights and writes the ledger through ``consent_ledger``; ``templates``,
``codes``, ``links``, ``authorship``, ``reply_sync`` and ``erasure`` each do the one thing they name.
"""
