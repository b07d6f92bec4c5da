"""Inference: the numbers of a case, from the knowledge (the pgmpy network, the exact fast path, intervals)."""
