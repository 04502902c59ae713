"""The question catalogs of the public data and the scoring of plans against them."""
