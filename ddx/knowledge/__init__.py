"""Knowledge: the model directory read, checked and built into typed objects (no numbers computed here)."""
