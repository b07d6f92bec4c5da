"""Clinical: the rule layer, the triage policy, the next steps and the fail safe, on top of the numbers."""
