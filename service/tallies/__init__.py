"""Tallies rolled up the area tree, out of the assessments and visits."""
