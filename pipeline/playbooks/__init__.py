"""Playbooks: automation that works the exception queue through the one action service — recover short
picks, tell customers about delays, confirm addresses — and hands to a person, with the reason and the
next step, whenever it cannot act. What they may do is data: policy.json."""
