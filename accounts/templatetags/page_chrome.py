"""The header and footer of every page, each way they look rendered once per process: ``{% load page_chrome %}``.

Every page renders them: some hundred template nodes (the navigation, the
organization switcher with the user's memberships, the account menu, the
footer's links), about a millisecond and a half of a signed-in page whose own
content may cost three. What they show comes from a few values (who is signed
in, their organizations and roles, the acting one, the page's section, the
year), so each combination is rendered once and kept in this process, least
recently used out first. The values are the key: a renamed organization or a
changed role shows at once, and nothing needs invalidating.

Three things differ on every request and go in afterwards: the CSRF token of the
header's two forms (switch organization, sign out), the path the switcher
returns to, and the user's count of unread conversations (read once per
request by the marketplace's ``header_activity``; kept out of the key so a new
message does not make another combination to keep). The kept markup holds them as slots, HTML comments that only our
own templates can write (text is escaped wherever it lands, so ``<`` from a
user never reaches the markup as itself).
"""

from __future__ import annotations

import functools
from typing import NamedTuple, cast

from django import template
from django.conf import settings
from django.template.loader import get_template
from django.utils import timezone
from django.utils.html import escape, format_html
from django.utils.safestring import SafeString, mark_safe

from accounts.templatetags.accounts_format import current_section

register = template.Library()

CSRF_SLOT = "<!--slot:csrf-->"
NEXT_SLOT = "<!--slot:next-->"
UNREAD_SLOT = "<!--slot:unread-->"
KEPT = 2048  # combinations kept per process: a few kilobytes each


class HeaderOrganization(NamedTuple):
    """The acting organization as the switcher shows it, and which sides of the marketplace it works on."""

    pk: int
    name: str
    is_personal: bool
    role: str  # the member's role, as shown
    # The sides it works on, as the marketplace's header_activity says (its Activity): the tabs to show.
    client_side: bool = True  # My tasks, Suppliers
    supplier_side: bool = True  # Find work, Bids


class HeaderMembership(NamedTuple):
    """One of the user's organizations as the switcher lists it."""

    organization_id: int
    name: str
    is_personal: bool
    role: str


class Header(NamedTuple):
    """Everything the header shows, apart from the per-request slots."""

    site_name: str
    section: str
    signed_in: bool
    user_name: str = ""
    user_email: str = ""
    acting: HeaderOrganization | None = None
    memberships: tuple[HeaderMembership, ...] = ()
    staff: bool = False  # platform staff (moderators): a link to the admin


@register.simple_tag(takes_context=True)
def site_header(context: template.Context) -> SafeString:
    """``{% site_header %}``: the page's header, from the kept markup of its :class:`Header`."""
    header = header_of(context)
    markup = _header_markup(header)
    if not header.signed_in:
        return markup
    request = context.get("request")
    path = request.get_full_path() if request is not None else ""
    # Every replacement is escaped: the token and the count by format_html, the path by escape().
    filled = markup.replace(CSRF_SLOT, _csrf_input(context)).replace(NEXT_SLOT, escape(path))
    return mark_safe(filled.replace(UNREAD_SLOT, _unread_badge(context)))  # noqa: S308


@register.simple_tag
def head_assets() -> SafeString:
    """``{% head_assets %}``: the icon, style sheets and scripts every page links, written once per process
    (their hashed names do not change while it runs)."""
    return _head_assets()


@functools.cache
def _head_assets() -> SafeString:
    return cast(SafeString, get_template("_head_assets.html").render({}))


@register.simple_tag(takes_context=True)
def site_footer(context: template.Context) -> SafeString:
    """``{% site_footer %}``: the page's footer. It differs by signing in, by the sides the acting
    organization works on (its links are the header's tabs), and by the year."""
    header = header_of(context)
    acting = header.acting
    sides = (False, False) if acting is None else (acting.client_side, acting.supplier_side)
    return _footer_markup(settings.SITE_NAME, header.signed_in, acting is not None, *sides, timezone.localdate().year)


def header_of(context: template.Context) -> Header:
    """What the header (and the footer) of this page show; worked out once per request."""
    request = context.get("request")
    kept = getattr(request, "_page_header", None)
    if kept is not None:
        return cast(Header, kept)
    header = _header_of(context)
    if request is not None:
        request._page_header = header
    return header


def _header_of(context: template.Context) -> Header:
    user = context.get("user")
    section = current_section(context)
    if user is None or not user.is_authenticated:
        return Header(site_name=settings.SITE_NAME, section=section, signed_in=False)
    organization, membership = context.get("acting_organization"), context.get("acting_membership")
    acting = None
    if organization is not None:
        role = membership.get_role_display() if membership is not None else ""
        activity = context.get("header_activity")  # marketplace.context_processors
        acting = HeaderOrganization(
            organization.pk,
            organization.name,
            organization.is_personal,
            str(role),
            client_side=True if activity is None else activity.client_side,
            supplier_side=True if activity is None else activity.supplier_side,
        )
    memberships = tuple(
        HeaderMembership(
            item.organization_id, item.organization.name, item.organization.is_personal, str(item.get_role_display())
        )
        for item in context.get("my_memberships") or ()
    )
    return Header(
        site_name=settings.SITE_NAME,
        section=section,
        signed_in=True,
        user_name=user.display_name,
        user_email=user.email,
        acting=acting,
        memberships=memberships,
        staff=bool(user.is_staff),
    )


def _unread_badge(context: template.Context) -> str:
    """The Messages tab's count of the user's unread conversations; nothing when there are none."""
    activity = context.get("header_activity")
    count = getattr(activity, "unread_threads", 0) if activity is not None else 0
    if not count:
        return ""
    shown = "99+" if count > 99 else count
    badge = '<span class="msg-unread nav-count">{}<span class="visually-hidden"> unread</span></span>'
    return str(format_html(badge, shown))


def _csrf_input(context: template.Context) -> str:
    """What ``{% csrf_token %}`` writes: the hidden input with this request's masked token."""
    token = context.get("csrf_token")
    if not token or token == "NOTPROVIDED":
        return ""
    return str(format_html('<input type="hidden" name="csrfmiddlewaretoken" value="{}">', token))


@functools.lru_cache(maxsize=KEPT)
def _header_markup(header: Header) -> SafeString:
    # A template's render is autoescaped markup (SafeString), typed as str.
    return cast(
        SafeString,
        get_template("_site_header.html").render(
            {
                "SITE_NAME": header.site_name,
                "section": header.section,
                "signed_in": header.signed_in,
                "user_name": header.user_name,
                "user_email": header.user_email,
                "acting": header.acting,
                "memberships": header.memberships,
                "staff": header.staff,
                "csrf_slot": mark_safe(CSRF_SLOT),  # noqa: S308 - our own constant
                "next_slot": mark_safe(NEXT_SLOT),  # noqa: S308 - our own constant
                "unread_slot": mark_safe(UNREAD_SLOT),  # noqa: S308 - our own constant
            }
        ),
    )


@functools.lru_cache(maxsize=16)
def _footer_markup(
    site_name: str, signed_in: bool, acting: bool, client_side: bool, supplier_side: bool, year: int
) -> SafeString:
    sides = {"acting": acting, "client_side": client_side, "supplier_side": supplier_side}
    values = {"signed_in": signed_in, **sides, "year": year}
    markup = get_template("_site_footer.html").render({"SITE_NAME": site_name, **values})
    return cast(SafeString, markup)
