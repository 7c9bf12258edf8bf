"""Octavia network driver of the atonix dev cloud."""
