"""Exceptions: rules over the canonical stream (rules.json) open them, the detector keeps them current,
and pipeline/actions.py is the one way a person or a playbook acts on them."""
