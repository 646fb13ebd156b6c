"""Cascade: OKRs, goal alignment and performance management."""

__version__ = "0.1.0"
