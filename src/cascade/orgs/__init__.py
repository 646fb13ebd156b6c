"""Organisations, members (roles, managers), teams and periods."""
