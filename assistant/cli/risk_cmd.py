"""pmassist command module (being built)."""
