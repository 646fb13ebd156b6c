"""Signals of the accounts app. Django has none for a changed password, so ``User.save`` sends
``password_changed`` whenever a password that could sign in is replaced, however it was changed
(the password page, the admin, ``changepassword``)."""

from django.dispatch import Signal

# Arguments: user.
password_changed = Signal()
