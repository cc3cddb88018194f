"""Template filters for the accounts pages: ``{% load accounts_format %}``."""

from __future__ import annotations

from django import template
from django.utils.safestring import SafeString

from accounts.profiles import Section
from core.money import format_money

register = template.Library()


@register.filter
def money(minor: int | None, currency: str = "EUR") -> str:
    """``{{ org.hourly_rate|money:org.hourly_rate_currency }}`` -> ``€85.00``."""
    if minor is None or minor == "":
        return ""
    return format_money(int(minor), currency or "EUR")


@register.filter
def initials(name: str) -> str:
    """Up to two letters for an avatar when there is no logo: "Northwind Trading" -> "NT"."""
    words = [word for word in str(name).replace("@", " ").split() if word[:1].isalnum()]
    return "".join(word[0] for word in words[:2]).upper() or "?"


_SECTIONS = {
    "home": "dashboard",
    "organization-list": "organizations",
    "organization-create": "organizations",
    "settings": "settings",
    "member-list": "settings",
    "task-list": "find-work",
    "task-detail": "find-work",
    "bid-create": "find-work",
    "saved-search-list": "find-work",
    "client-dashboard": "my-tasks",
    "contract-list": "contracts",
    "contract-detail": "contracts",
    "contract-version": "contracts",
    "contract-changes": "contracts",
    "task-create": "my-tasks",
    "task-edit": "my-tasks",
    "task-bids": "my-tasks",
    "task-comparison": "my-tasks",
    "bid-list": "bids",
    "bid-detail": "bids",
    "bid-edit": "bids",
    "thread-list": "messages",
    "thread-detail": "messages",
    "supplier-list": "suppliers",
}
_SETTINGS_PREFIXES = ("mfa_", "account_email", "account_change_password", "account_set_password")


@register.simple_tag(takes_context=True)
def current_section(context: template.Context) -> str:
    """The header tab to mark current: the page's ``nav_section`` when it sets one, else its route's.

    A page whose tab depends on who looks at it sets ``nav_section`` (a task
    is "My tasks" to its client and "Find work" to a supplier).
    """
    chosen = context.get("nav_section")
    if chosen:
        return str(chosen)
    request = context.get("request")
    match = getattr(request, "resolver_match", None)
    return nav_section(getattr(match, "url_name", None))


@register.filter
def nav_section(url_name: str | None) -> str:
    """Which header tab a route belongs to, so the tab can be marked current."""
    if not url_name:
        return ""
    if url_name in _SECTIONS:
        return _SECTIONS[url_name]
    if url_name in {"organization-settings", "user-profile", "api-token-list"} or url_name.startswith(
        _SETTINGS_PREFIXES
    ):
        return "settings"
    return ""


@register.simple_tag(takes_context=True)
def profile_section(context: template.Context, section: Section) -> SafeString:
    """``{% profile_section section %}``: another app's part of an organization's page
    (:mod:`accounts.profiles`), its template rendered with its own context on top of the page's."""
    with context.push(**section.context):
        return context.template.engine.get_template(section.template).render(context)  # type: ignore[union-attr]
