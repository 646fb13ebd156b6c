"""Performance management: weighted goal sheets and performance reviews."""
