# The label -> Slack rule deliveries are about issue completions: the model moves to requests_app (which writes
# them); the table and its rows stay where they are (requests_app's model keeps db_table).

from django.db import migrations


class Migration(migrations.Migration):

    dependencies = [
        ('labels', '0002_label_rule_deliveries'),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[migrations.DeleteModel(name='LabelRuleDelivery')],
            database_operations=[],
        ),
    ]
