"""Dataset readers, splits and the memory-mapped clip cache."""
