"""Thin views, one module per part of the app: they parse, call one selector or service, render."""
