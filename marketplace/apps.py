from django.apps import AppConfig


class MarketplaceConfig(AppConfig):
    name = "marketplace"

    def ready(self) -> None:
        from accounts.moderators import grant_to_moderators
        from marketplace import profile

        # A supplier's public page shows its track record, and lets a visiting client invite it.
        profile.register()

        # Moderators read tasks and bids, and hide a task from the marketplace (marketplace.services.moderation).
        grant_to_moderators(self, ["view_task", "view_bid", "hide_task"])
