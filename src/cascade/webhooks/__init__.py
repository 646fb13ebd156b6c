"""Outbound webhooks: super users register URLs for kinds of audit events; every event of those
kinds is posted to them as JSON, signed the Standard Webhooks way, retried with backoff, logged
per delivery and replayable. See docs/api.md "Webhooks" and docs/decisions.md."""
