"""What Cascade tells people: the inbox, email, and (later) Slack and Teams, by topic."""
