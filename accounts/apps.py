from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "accounts"
    verbose_name = "Accounts and organizations"

    def ready(self) -> None:
        from accounts.moderators import grant_to_moderators

        # Moderators read people and organizations; changes to them go through the services.
        grant_to_moderators(self, ["view_user", "view_organization", "view_membership"])
