"""From a stored connection to a signed-in client: the only place secrets are unsealed.

The plain secret lives in a local variable for the length of one sync, test or preview; it is
never logged, never returned, never put in an error message. Salesforce's access token is
cached on the connection (sealed) by ``ConnectionTokenCache``.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from django.core.exceptions import ImproperlyConfigured

from cascade.integrations.clients.jira import JiraClient, JiraCloudClient, JiraDataCenterClient
from cascade.integrations.clients.salesforce import (
    ClientCredentials,
    JwtBearer,
    SalesforceClient,
)
from cascade.integrations.encryption import SecretUnreadable, seal, unseal
from cascade.integrations.errors import ErrorKind, SyncError
from cascade.integrations.models import AuthMethod, Connection, Service

Client = JiraClient | SalesforceClient


class ConnectionTokenCache:
    """Salesforce's access token, sealed on the connection row, shared by every worker."""

    def __init__(self, connection: Connection) -> None:
        self.connection = connection

    def load(self) -> tuple[str, str] | None:
        sealed, instance = self.connection.access_token_sealed, self.connection.instance_url
        if not sealed or not instance:
            return None
        return unseal(sealed), instance

    def store(self, access_token: str, instance_url: str) -> None:
        sealed = seal(access_token)
        Connection.objects.filter(pk=self.connection.pk).update(
            access_token_sealed=sealed, instance_url=instance_url
        )
        self.connection.access_token_sealed = sealed
        self.connection.instance_url = instance_url


@contextmanager
def client_for(connection: Connection) -> Iterator[Client]:
    """A client signed in as the connection says; closed afterwards.

    A secret that cannot be unsealed is the connection's problem to fix (enter it again, or put
    the old key back): it is raised as AUTH, with a message naming CASCADE_ENCRYPTION_KEYS.
    """
    try:
        secret = unseal(connection.secret_sealed)
    except (SecretUnreadable, ImproperlyConfigured) as error:
        raise SyncError(ErrorKind.AUTH, str(error)) from None
    client: Client
    if connection.service == Service.JIRA_CLOUD:
        client = JiraCloudClient.connect(connection.base_url, connection.username, secret)
    elif connection.service == Service.JIRA_DATA_CENTER:
        client = JiraDataCenterClient.connect(connection.base_url, secret)
    else:
        credentials: ClientCredentials | JwtBearer
        if connection.auth_method == AuthMethod.JWT_BEARER:
            credentials = JwtBearer(connection.client_id, connection.username, secret)
        else:
            credentials = ClientCredentials(connection.client_id, secret)
        client = SalesforceClient(
            connection.base_url,
            credentials,
            _SafeCache(ConnectionTokenCache(connection)),
            connection.api_version,
        )
    try:
        yield client
    finally:
        if isinstance(client, SalesforceClient):
            client.close()
        else:
            client.session.close()


class _SafeCache:
    """A token cache whose unreadable token means "sign in again", not a failed sync."""

    def __init__(self, cache: ConnectionTokenCache) -> None:
        self.cache = cache

    def load(self) -> tuple[str, str] | None:
        try:
            return self.cache.load()
        except SecretUnreadable:
            return None

    def store(self, access_token: str, instance_url: str) -> None:
        self.cache.store(access_token, instance_url)
