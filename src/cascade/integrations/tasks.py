"""The sync task's old address, kept so that tasks queued before it moved still run.

The task itself is ``cascade.integrations.runs.sync_key_result``, beside the sync it runs.
"""

from cascade.integrations.runs import sync_key_result

__all__ = ["sync_key_result"]
