"""The fictional provider directory generator: who practises what, where, and the records themselves."""
