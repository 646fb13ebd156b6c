from collections import Counter
from typing import Any

from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from cascade.audit.models import EventKind
from cascade.audit.services import record
from cascade.integrations.encryption import VARIABLE, SecretUnreadable, reseal
from cascade.integrations.models import Connection
from cascade.orgs.models import Organisation
from cascade.webhooks.models import Endpoint


class Command(BaseCommand):
    help = (
        f"Re-encrypt every data-source and webhook secret with the first key of {VARIABLE}. Run it after "
        "putting a new key first; then the old keys can go."
    )

    def handle(self, *args: Any, **options: Any) -> None:
        per_organisation: Counter[int] = Counter()
        secrets = 0
        for pk in Connection.objects.order_by("pk").values_list("pk", flat=True):
            with transaction.atomic():
                connection = Connection.objects.select_for_update().filter(pk=pk).first()
                if connection is None:
                    continue
                try:
                    connection.secret_sealed = reseal(connection.secret_sealed)
                    connection.access_token_sealed = reseal(connection.access_token_sealed)
                except SecretUnreadable as error:
                    raise CommandError(f"Connection {pk} ({connection.name}): {error}") from None
                connection.save(update_fields=["secret_sealed", "access_token_sealed"])
                per_organisation[connection.organisation_id] += 1
                secrets += 1 + bool(connection.access_token_sealed)
        webhooks = self._webhooks()
        with transaction.atomic():
            for organisation_id, count in per_organisation.items():
                record(
                    organisation=organisation_id,
                    actor=None,
                    kind=EventKind.CONNECTION_KEYS_ROTATED,
                    subject=Organisation.objects.get(pk=organisation_id),
                    data={"connections": count},
                )
        self.stdout.write(
            f"Re-encrypted {secrets} secret{'s' * (secrets != 1)} of "
            f"{sum(per_organisation.values())} connection{'s' * (sum(per_organisation.values()) != 1)} "
            f"with the first key of {VARIABLE}."
            + (
                f" Re-encrypted {webhooks} webhook secret{'s' * (webhooks != 1)} too."
                if webhooks
                else ""
            )
        )

    def _webhooks(self) -> int:
        """Every webhook's signing secret, sealed again (one row at a time, locked)."""
        count = 0
        for pk in Endpoint.objects.order_by("pk").values_list("pk", flat=True):
            with transaction.atomic():
                endpoint = Endpoint.objects.select_for_update().filter(pk=pk).first()
                if endpoint is None:
                    continue
                try:
                    endpoint.secret_sealed = reseal(endpoint.secret_sealed)
                except SecretUnreadable as error:
                    raise CommandError(f"Webhook {pk} ({endpoint.url}): {error}") from None
                endpoint.save(update_fields=["secret_sealed"])
                count += 1
        return count
