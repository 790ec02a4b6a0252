from django.apps import AppConfig


class SalesSystemsConfig(AppConfig):
    name = "sales_systems"
    verbose_name = "Sales Systems"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        # Cards and list rows everywhere show the fast-track SLA badge, read in the cards' own query.
        from requests_app.cards import card_badge_register
        from sales_systems.selectors import issues_with_sla, systems_sla, systems_sla_possible

        card_badge_register(annotate=issues_with_sla, badge=systems_sla, may_badge=systems_sla_possible)
