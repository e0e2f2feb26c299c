"""Supervisors' web pages: sign in, home, the review queue, one visit with its evidence."""
