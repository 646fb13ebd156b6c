"""The web app people use: server-rendered pages."""
