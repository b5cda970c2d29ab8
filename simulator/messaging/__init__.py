"""The simulated customers' side of Waypoint's messages: an SMS provider that accepts text messages and
reports later whether they reached the phone, and a mail server that accepts customer emails.

Under `waypoint run` (when no real SMTP server or SMS provider is configured) Waypoint's outbox sends to
these, so the proactive alerts of a demo really leave, show their delivery status on the order timeline,
and a number that cannot receive texts makes a playbook escalate, as a real one would.
"""
