"""Local fakes at the HTTP boundary: a fake Reddit server, Instagram and review sources via ``responses``."""
