"""REST API v1 (django-ninja): everything a person can do in the web app, for programs."""
