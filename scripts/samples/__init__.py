"""Sample generators, one module per family; see make_samples.py."""
