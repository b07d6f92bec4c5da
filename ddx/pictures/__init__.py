"""Pictures and reports of the model and of one case (matplotlib is imported inside the functions)."""
