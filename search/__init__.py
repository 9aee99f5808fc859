"""Search over an index generation: plain Python, no Flask."""
