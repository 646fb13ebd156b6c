"""Small pieces every app shares: errors, the clock, number parsing."""
