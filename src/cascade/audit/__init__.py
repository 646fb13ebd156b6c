"""The audit trail: one typed event for every write a person or a program makes."""
