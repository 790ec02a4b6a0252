# The label -> Slack rule deliveries move here from the labels app; the table labels_labelruledelivery and its rows
# are kept as they are (state only).

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('requests_app', '0005_issue_event_data'),
        ('labels', '0003_label_rule_delivery_moves_to_requests_app'),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.CreateModel(
                    name='LabelRuleDelivery',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('channel', models.CharField(max_length=80)),
                        ('ts', models.CharField(blank=True, max_length=32)),
                        ('error', models.TextField(blank=True)),
                        ('attempts', models.PositiveSmallIntegerField(default=0)),
                        ('created_at', models.DateTimeField(auto_now_add=True)),
                        ('posted_at', models.DateTimeField(blank=True, null=True)),
                        ('transition', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='label_rule_deliveries', to='requests_app.issuetransition')),
                    ],
                    options={
                        'db_table': 'labels_labelruledelivery',
                        'ordering': ['-created_at'],
                        'constraints': [models.UniqueConstraint(fields=('transition', 'channel'), name='one_delivery_per_completion_channel')],
                    },
                ),
            ],
            database_operations=[],
        ),
    ]
