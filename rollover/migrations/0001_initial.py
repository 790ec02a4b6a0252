# The rollover's records move here from the milestones app; their tables (milestones_rollover,
# milestones_rolloverreply, milestones_rolloverentry) and rows stay as they are (state only).

import django.db.models.deletion
import django.utils.timezone
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):

    initial = True

    dependencies = [
        ('milestones', '0006_rollover_and_memberships_move_out'),
        ('requests_app', '0007_milestone_membership_moves_here'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.CreateModel(
                    name='Rollover',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('status', models.CharField(choices=[('pending', 'Pending'), ('issues_moved', 'Issues moved'), ('parent_posted', 'Slack parent posted'), ('done', 'Done'), ('failed', 'Failed')], default='pending', max_length=16)),
                        ('moved_count', models.PositiveIntegerField(default=0)),
                        ('completed_count', models.PositiveIntegerField(default=0)),
                        ('moved_at', models.DateTimeField(blank=True, null=True)),
                        ('channel', models.CharField(blank=True, max_length=80)),
                        ('parent_text', models.TextField(blank=True)),
                        ('parent_blocks', models.JSONField(blank=True, default=list)),
                        ('parent_ts', models.CharField(blank=True, max_length=20)),
                        ('parent_channel_id', models.CharField(blank=True, max_length=80)),
                        ('attempts', models.PositiveIntegerField(default=0)),
                        ('last_error', models.TextField(blank=True)),
                        ('error_code', models.CharField(blank=True, max_length=64)),
                        ('created_at', models.DateTimeField(default=django.utils.timezone.now)),
                        ('started_at', models.DateTimeField(blank=True, null=True)),
                        ('finished_at', models.DateTimeField(blank=True, null=True)),
                        ('milestone', models.OneToOneField(on_delete=django.db.models.deletion.PROTECT, related_name='rollover', to='milestones.milestone')),
                        ('to_milestone', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='rollovers_in', to='milestones.milestone')),
                        ('triggered_by', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL)),
                    ],
                    options={
                        'db_table': 'milestones_rollover',
                        'ordering': ['-created_at'],
                    },
                ),
                migrations.CreateModel(
                    name='RolloverEntry',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('stage', models.CharField(max_length=2)),
                        ('reason', models.TextField(blank=True)),
                        ('confidential', models.BooleanField(default=False)),
                        ('reply_index', models.PositiveIntegerField(blank=True, null=True)),
                        ('created_at', models.DateTimeField(default=django.utils.timezone.now)),
                        ('assignee', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL)),
                        ('from_milestone', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='+', to='milestones.milestone')),
                        ('issue', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='rollover_entries', to='requests_app.issue')),
                        ('reason_by', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL)),
                        ('rollover', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='entries', to='rollover.rollover')),
                        ('to_milestone', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='+', to='milestones.milestone')),
                    ],
                    options={
                        'db_table': 'milestones_rolloverentry',
                        'ordering': ['rollover', 'pk'],
                        'constraints': [models.UniqueConstraint(fields=('rollover', 'issue'), name='rollover_entry_unique_issue')],
                    },
                ),
                migrations.CreateModel(
                    name='RolloverReply',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('index', models.PositiveIntegerField()),
                        ('heading', models.CharField(max_length=255)),
                        ('text', models.TextField()),
                        ('blocks', models.JSONField(default=list)),
                        ('ts', models.CharField(blank=True, max_length=20)),
                        ('posted_at', models.DateTimeField(blank=True, null=True)),
                        ('rollover', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='replies', to='rollover.rollover')),
                    ],
                    options={
                        'db_table': 'milestones_rolloverreply',
                        'ordering': ['rollover', 'index'],
                        'constraints': [models.UniqueConstraint(fields=('rollover', 'index'), name='rollover_reply_unique_index')],
                    },
                ),
            ],
            database_operations=[],
        ),
    ]
