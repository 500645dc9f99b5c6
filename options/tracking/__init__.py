"""
Live tracking: what changed, told to whoever follows it (docs/tracking.md).

- `derive`: the change events of a write, derived inside its transaction (`stance.changed`,
  `divergence.appeared`, …), hooked into the write services (options/services.py);
- `delivery`: each event matched to the subscriptions that follow it, as deliveries written in
  the same transaction; their delivery to webhooks, in order per subscription, retried with
  backoff, by the task queue's workers (`tasks`);
- `webhooks`: the HTTP side: signatures (Standard Webhooks), the refusal of private addresses,
  bounded requests;
- `feeds`: Atom and JSON Feed of a topic's or a subscription's events; `facts`: what an event
  says, line by line, in an entry.

The models are in options/models/tracking.py.
"""
