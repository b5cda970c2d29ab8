"""Pieces of page layout more than one page renders."""
