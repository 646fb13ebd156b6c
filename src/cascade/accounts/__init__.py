"""People who can sign in: a user is one person, who may belong to several organisations."""
