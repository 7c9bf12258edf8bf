"""Agentless ML2 binding for the atonix dev cloud (see driver.py)."""
