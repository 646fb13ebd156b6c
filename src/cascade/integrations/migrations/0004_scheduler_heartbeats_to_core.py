# The workers' heartbeats are core's now (cascade.core.models.WorkerHeartbeat): the model leaves
# this app's state only; core's first migration adopts the table and renames it.

from django.db import migrations


class Migration(migrations.Migration):

    dependencies = [
        ('integrations', '0003_connection_test_status'),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[migrations.DeleteModel(name='WorkerHeartbeat')],
        ),
    ]
