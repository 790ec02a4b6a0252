# Issues' milestone memberships move here from the milestones app; the table milestones_milestonemembership
# and its rows stay as they are (state only).

import django.db.models.deletion
import django.utils.timezone
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('milestones', '0006_rollover_and_memberships_move_out'),
        ('requests_app', '0006_label_rule_delivery'),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.CreateModel(
                    name='MilestoneMembership',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('entered_at', models.DateTimeField(default=django.utils.timezone.now)),
                        ('entered_how', models.CharField(choices=[('planned', 'Put in'), ('rolled_in', 'Rolled in')], default='planned', max_length=12)),
                        ('left_at', models.DateTimeField(blank=True, null=True)),
                        ('left_how', models.CharField(blank=True, choices=[('removed', 'Removed'), ('rolled_out', 'Rolled over')], max_length=12)),
                        ('issue', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='milestone_memberships', to='requests_app.issue')),
                        ('milestone', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='memberships', to='milestones.milestone')),
                    ],
                    options={
                        'db_table': 'milestones_milestonemembership',
                        'ordering': ['entered_at', 'pk'],
                        'indexes': [models.Index(fields=['milestone', 'issue'], name='membership_milestone_issue')],
                    },
                ),
            ],
            database_operations=[],
        ),
    ]
