# Planning knows nothing of issues: the rollover's records move to the rollover app and the issues' milestone
# memberships to requests_app. State only: the tables and their rows stay where they are (the new models keep
# their db_table).

from django.db import migrations


class Migration(migrations.Migration):

    dependencies = [
        ('milestones', '0005_working_calendar_days'),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.DeleteModel(name='RolloverEntry'),
                migrations.DeleteModel(name='RolloverReply'),
                migrations.DeleteModel(name='Rollover'),
                migrations.DeleteModel(name='MilestoneMembership'),
            ],
            database_operations=[],
        ),
    ]
