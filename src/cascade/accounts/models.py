from typing import Any, ClassVar

from django.contrib.auth.base_user import AbstractBaseUser, BaseUserManager
from django.contrib.auth.hashers import is_password_usable
from django.contrib.auth.models import PermissionsMixin
from django.db import models
from django.utils import timezone

from cascade.accounts.signals import password_changed


class UserManager(BaseUserManager["User"]):
    use_in_migrations = True

    def create_user(self, email: str, password: str | None = None, **fields: Any) -> "User":
        if not email:
            raise ValueError("A user needs an email address.")
        user = self.model(email=self.normalize_email(email).lower(), **fields)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def create_superuser(self, email: str, password: str | None = None, **fields: Any) -> "User":
        fields.update(is_staff=True, is_superuser=True)
        return self.create_user(email, password, **fields)


class User(AbstractBaseUser, PermissionsMixin):
    """A person who signs in with their email address.

    ``is_staff`` / ``is_superuser`` are for the operators of a Cascade installation (the Django
    admin). What a person may do inside an organisation is their Member role, not these flags.
    """

    email = models.EmailField(unique=True)
    full_name = models.CharField(max_length=150)
    is_active = models.BooleanField(default=True)
    is_staff = models.BooleanField(default=False)
    date_joined = models.DateTimeField(default=timezone.now)

    objects: ClassVar[UserManager] = UserManager()

    USERNAME_FIELD = "email"
    EMAIL_FIELD = "email"
    REQUIRED_FIELDS: ClassVar[list[str]] = ["full_name"]

    class Meta:
        ordering = ["full_name"]

    def __str__(self) -> str:
        return self.full_name or self.email

    def save(self, *args: Any, **kwargs: Any) -> None:
        # ``set_password`` keeps the new raw password in ``_password`` until the next save.
        # A first password (a new account, an accepted invitation) is not a change.
        new_password = getattr(self, "_password", None)
        changed = new_password is not None and not self._state.adding and self._had_password()
        super().save(*args, **kwargs)
        if changed:
            password_changed.send(sender=type(self), user=self)

    def _had_password(self) -> bool:
        stored = type(self)._default_manager.filter(pk=self.pk).values_list("password", flat=True)
        old = stored.first()
        return old is not None and is_password_usable(old)

    def get_full_name(self) -> str:
        return self.full_name

    def get_short_name(self) -> str:
        return self.full_name.split(" ")[0] if self.full_name else self.email
