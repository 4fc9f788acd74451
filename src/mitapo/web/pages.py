"""The pages: one frame per screen, rendered in the reader's language, and the resident app's web manifest and
service worker. A page holds no data of anyone's: its script asks the API with the secret the person signed
in with (kept in the browser's localStorage, never sent anywhere but the Authorization header), or, on a
resident's pages, with the session cookie a passkey sign-in set (HttpOnly: no script holds it)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from litestar import Request, Response, get
from litestar.datastructures import Cookie
from litestar.handlers import HTTPRouteHandler
from litestar.plugins.jinja import JinjaTemplateEngine
from litestar.response import File, Template
from litestar.static_files import create_static_files_router
from litestar.template import TemplateConfig
from litestar.types import ControllerRouterHandler

from mitapo.accounts import auth, credentials
from mitapo.audit import signing
from mitapo.audit.desk import JOURNAL_KINDS
from mitapo.payments import transfers
from mitapo.web import i18n

# The staff actions the console's log offers to filter by (others still show, by their code).
STAFF_ACTIONS = (
    auth.CREATED,
    credentials.ROTATED,
    credentials.REVOKED,
    credentials.ISSUED,
    "resident.revoked",  # accounts.devices.revoke
    "resident.created",  # accounts.residents
    "enrollment.issued",  # accounts.enrollments
    "card.issued",  # cards.cards
    "card.unlocked",
    "money.topped_up",  # money.topups
    "resident.closed",  # money.closing
    "program.created",  # points.programs
    "program.funded",
    "program.organizer_granted",
    "program.organizer_withdrawn",
    "event.created",  # points.events and points.changes, when staff do them
    "event.updated",
    "event.cancelled",
    "event.card_checked_in",  # points.checkins, a card checked in by staff
    "campaign.created",  # money.campaigns
    "cashback_campaign.created",  # payments.cashback
    "recipient.created",  # money.donations
    "matching.created",  # money.matching
    "bank_account.set",  # payments.payees
    "settlement.run",  # payments.settlement
    transfers.TRANSFERRED,
    "entry.reversed",  # audit.routes
    signing.ROTATED,
    "witness.registered",  # audit.witnesses
    "route.created",  # transit.rides
    "fare_rule.created",
    "reader.registered",  # transit.readers
    "reader.revoked",
)

HERE = Path(__file__).parent
STATIC = HERE / "static"
# Scripts, styles, images and API calls come from this origin only; pictures of codes arrive as blob: URLs.
CSP = (
    "default-src 'self'; img-src 'self' blob: data:; media-src 'self' blob: mediastream:; "
    "object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
)
PAGE_HEADERS = {
    "Content-Security-Policy": CSP,
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "Cache-Control": "no-cache",
}


@dataclass(frozen=True, slots=True)
class Page:
    path: str
    template: str
    title: str  # a message key
    face: str | None  # whose secret the page signs in with: resident, merchant, organizer, auditor, admin


PAGES = (
    Page("/", "index.html", "home_title", None),
    Page("/app", "app/home.html", "app_home_title", "resident"),
    Page("/app/scan", "app/scan.html", "scan_title", "resident"),
    Page("/app/pay-code", "app/paycode.html", "paycode_title", "resident"),
    Page("/app/statement", "app/statement.html", "statement_title", "resident"),
    Page("/app/donate", "app/donate.html", "donate_title", "resident"),
    Page("/app/gift", "app/gift.html", "gift_title", "resident"),
    Page("/app/find", "app/find.html", "find_title", "resident"),
    Page("/till", "till.html", "till_title", "merchant"),
    Page("/organizer", "organizer/events.html", "organizer_title", "organizer"),
    Page("/organizer/events/{event_id:str}", "organizer/screen.html", "screen_title", "organizer"),
    Page("/audit", "audit/desk.html", "desk_title", "auditor"),
    Page("/audit/journal", "audit/journal.html", "journal_title", "auditor"),
    Page("/audit/trail", "audit/trail.html", "trail_title", "auditor"),
    Page("/audit/fairness", "audit/fairness.html", "fairness_title", "auditor"),
    Page("/admin", "admin/residents.html", "admin_residents_title", "admin"),
    Page("/admin/programs", "admin/programs.html", "admin_programs_title", "admin"),
    Page("/admin/organizers", "admin/organizers.html", "admin_organizers_title", "admin"),
    Page("/admin/shops", "admin/shops.html", "admin_shops_title", "admin"),
    Page("/admin/campaigns", "admin/campaigns.html", "admin_campaigns_title", "admin"),
    Page("/admin/settlements", "admin/settlements.html", "admin_settlements_title", "admin"),
    Page("/admin/transit", "admin/transit.html", "admin_transit_title", "admin"),
    Page("/admin/journal", "admin/journal.html", "admin_journal_title", "admin"),
    Page("/admin/staff-log", "admin/staff-log.html", "admin_staff_log_title", "admin"),
    Page("/app/enroll", "app/enroll.html", "enroll_title", None),
    Page("/app/help", "app/help.html", "help_title", None),
)

NAV = {
    "resident": (
        ("/app", "nav_home"),
        ("/app/scan", "nav_scan"),
        ("/app/pay-code", "nav_paycode"),
        ("/app/statement", "nav_statement"),
        ("/app/donate", "nav_donate"),
        ("/app/gift", "nav_gift"),
        ("/app/find", "nav_find"),
    ),
    "auditor": (
        ("/audit", "nav_desk"),
        ("/audit/journal", "nav_journal"),
        ("/audit/trail", "nav_trail"),
        ("/audit/fairness", "nav_fairness"),
    ),
    "admin": (
        ("/admin", "nav_admin_residents"),
        ("/admin/programs", "nav_admin_programs"),
        ("/admin/organizers", "nav_admin_organizers"),
        ("/admin/shops", "nav_admin_shops"),
        ("/admin/campaigns", "nav_admin_campaigns"),
        ("/admin/settlements", "nav_admin_settlements"),
        ("/admin/transit", "nav_admin_transit"),
        ("/admin/journal", "nav_admin_journal"),
        ("/admin/staff-log", "nav_admin_staff_log"),
    ),
}


def _page_handler(page: Page) -> HTTPRouteHandler:
    async def render(request: Request[Any, Any, Any]) -> Template:
        asked = request.query_params.get("lang")
        lang = i18n.language(asked, request.cookies.get(i18n.COOKIE))
        remember = Cookie(key=i18n.COOKIE, value=lang, path="/", max_age=365 * 86400, samesite="lax")
        cookies = [remember] if asked == lang else []
        context = {
            "lang": lang,
            "other_lang": i18n.other(lang),
            "t": i18n.translator(lang),
            "messages": i18n.messages(lang),
            "page": page,
            "nav": NAV.get(page.face or "", ()),
            "path": request.url.path,
            "params": dict(request.path_params),
            "kinds": JOURNAL_KINDS,  # the journal filter offers the kinds it accepts
            "staff_actions": STAFF_ACTIONS,  # the staff log's filter
        }
        return Template(page.template, context=context, headers=PAGE_HEADERS, cookies=cookies)

    name = "page:" + (page.path.strip("/").replace("/", ":").split("{")[0].strip(":") or "index")
    return get(page.path, name=name, include_in_schema=False)(render)


@get("/app/manifest.webmanifest", include_in_schema=False, sync_to_thread=False)
def manifest() -> Response[dict[str, Any]]:
    """What makes the resident app installable: its name, scope, start page and icons."""
    body = {
        "name": "みたポ 三鷹市地域ポイント",
        "short_name": "みたポ",
        "lang": "ja",
        "start_url": "/app",
        "scope": "/app",
        "display": "standalone",
        "background_color": "#ffffff",
        "theme_color": "#1d6b40",
        "icons": [
            {"src": "/static/icons/icon-192.png", "sizes": "192x192", "type": "image/png"},
            {"src": "/static/icons/icon-512.png", "sizes": "512x512", "type": "image/png"},
            {
                "src": "/static/icons/icon-maskable.png",
                "sizes": "512x512",
                "type": "image/png",
                "purpose": "maskable",
            },
        ],
    }
    return Response(body, media_type="application/manifest+json")


@get("/app/sw.js", include_in_schema=False, sync_to_thread=False)
def service_worker() -> File:
    """Served under /app so that it may control the resident app (a worker controls only paths below it)."""
    return File(
        STATIC / "sw.js",
        content_disposition_type="inline",
        media_type="text/javascript",
        headers={"Cache-Control": "no-cache", "Service-Worker-Allowed": "/app"},
    )


ROUTES: list[ControllerRouterHandler] = [
    *(_page_handler(page) for page in PAGES),
    manifest,
    service_worker,
    create_static_files_router("/static", directories=[STATIC], name="static", include_in_schema=False),
]
TEMPLATES = TemplateConfig(directory=HERE / "templates", engine=JinjaTemplateEngine)
