"""Case parsing, analysis and index building: plain Python, no Flask."""
