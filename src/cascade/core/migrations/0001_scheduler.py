# The background machinery every app shares: the workers' heartbeats (moved from integrations,
# whose table is adopted and renamed) and the slots of the periodic jobs.

from django.db import migrations, models


class Migration(migrations.Migration):

    initial = True

    dependencies = [
        ('integrations', '0004_scheduler_heartbeats_to_core'),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.CreateModel(
                    name='WorkerHeartbeat',
                    fields=[
                        ('id', models.CharField(max_length=64, primary_key=True, serialize=False)),
                        ('host', models.CharField(max_length=255)),
                        ('pid', models.PositiveIntegerField()),
                        ('started_at', models.DateTimeField()),
                        ('beat_at', models.DateTimeField()),
                    ],
                    options={
                        'ordering': ['started_at'],
                        'db_table': 'integrations_workerheartbeat',
                    },
                ),
            ],
        ),
        migrations.AlterModelTable(name='workerheartbeat', table=None),
        migrations.CreateModel(
            name='JobSlot',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('job', models.CharField(max_length=100)),
                ('slot', models.DateTimeField()),
                ('worker_id', models.CharField(blank=True, default='', max_length=64)),
                ('claimed_at', models.DateTimeField()),
                ('finished_at', models.DateTimeField(blank=True, null=True)),
                ('error', models.TextField(blank=True, default='')),
            ],
            options={
                'ordering': ['-slot', 'job'],
                'constraints': [models.UniqueConstraint(fields=('job', 'slot'), name='core_job_slot_once')],
            },
        ),
    ]
