"""Consent to expiry reminders, in the browser. Headless Chromium cannot subscribe to a push service: there
is none it can reach, and `PushManager.subscribe` rejects with "AbortError: Registration failed - permission
denied" even with the notifications permission granted (Chromium 156, measured). So these tests prove what a
browser here can show honestly:

- with the real `PushManager`, the page asks for the permission, says that reminders could not be turned on,
  and tells the server nothing (no consent is recorded that no push service would honour);
- refused permission: the page says so, and never subscribes;
- with the browser's push registration replaced by a stand-in (the one thing faked here: what a push service
  would answer the browser), the page subscribes with the server's VAPID key, POSTs the subscription's JSON
  to /v1/me/push-subscriptions, and turning reminders off unsubscribes and DELETEs it.

- a reminder as the server words it, delivered to the app's service worker by Chromium's DevTools (in place
  of a push service), shows as a notification that opens the app.

That the server then sends a reminder 14 and 3 days before, once each, with pywebpush to a real push endpoint
stub on loopback, is proven in tests/api/test_points_reminders.py. Not proven anywhere: a real push service
(FCM, Mozilla's, Apple's) taking this server's VAPID-signed, encrypted message and a phone showing it."""

from __future__ import annotations

import json
from datetime import date
from typing import Any

import pytest

from mitapo.points import reminders
from tests.e2e.checks import accessibility_problems
from tests.e2e.conftest import Town, sync_api, watch_errors
from tests.e2e.resident_support import SIZES

expect = sync_api.expect

# Counts the permission requests (the real one still answers), and records what the page asks of push.
SPY = """
window.__asked = [];
const request = Notification.requestPermission.bind(Notification);
Notification.requestPermission = (...args) => { window.__asked.push("permission"); return request(...args); };
const subscribe = PushManager.prototype.subscribe;
PushManager.prototype.subscribe = function (options) {
  window.__asked.push("subscribe");
  return subscribe.call(this, options);
};
"""

# A push service's answer, as the browser would hand it to the page; everything else is the browser's own.
STAND_IN = """
window.__push = { key: null, unsubscribed: 0, current: null };
const encode = (bytes) => btoa(String.fromCharCode(...new Uint8Array(bytes)))
  .replace(/\\+/g, "-").replace(/\\//g, "_").replace(/=+$/, "");
PushManager.prototype.subscribe = async function (options) {
  window.__asked.push("subscribe");
  window.__push.key = encode(options.applicationServerKey);
  const p256dh = "BIPUL12DLfytvTajnryr2PRdAgXS3HGKiLqndGcJGabyhHheJYlNGCeXl1dn18gSJ1WAkAPIxr4gK0_dQds4yiI";
  // A public address itself: the server checks an endpoint as it checks a webhook URL (a name needs DNS).
  const json = { endpoint: "https://93.184.215.14/e2e/phone", expirationTime: null,
                 keys: { p256dh, auth: "FPssNDTKnInHVndSTdbKFw" } };
  const unsubscribe = async () => {
    window.__push.unsubscribed += 1;
    window.__push.current = null;
    return true;
  };
  const subscription = { endpoint: json.endpoint, toJSON: () => json, unsubscribe };
  window.__push.current = subscription;
  return subscription;
};
PushManager.prototype.getSubscription = async function () { return window.__push.current; };
"""


def _home(town: Town, browser: Any, size: str, *scripts: str, grant: bool = True) -> tuple[Any, list[Any]]:
    """The home screen of a new resident, its service worker running (push needs one), with the requests
    for /v1/me/push-subscriptions kept."""
    context = browser.new_context(viewport=SIZES[size])
    if grant:
        context.grant_permissions(["notifications"], origin=town.url)
    for script in (SPY, *scripts):
        context.add_init_script(script)
    page = context.new_page()
    sent: list[Any] = []
    page.on("request", lambda r: sent.append(r) if r.url.endswith("/v1/me/push-subscriptions") else None)
    resident = town.resident("失効 通知")
    page.goto(town.page_url("/app", secret=resident["token"]))
    expect(page.locator("#reminders-state")).to_have_text("失効前の通知は受け取っていません。")
    page.evaluate("navigator.serviceWorker.ready.then(() => true)")
    return page, sent


def _subscribed(town: Town, page: Any) -> bool:
    answer = page.evaluate(
        "fetch('/v1/me/push-subscriptions', {headers: {Accept: 'application/json'}}).then((r) => r.json())"
    )
    return bool(answer["subscribed"])


def _writes(sent: list[Any]) -> list[str]:
    return [request.method for request in sent if request.method != "GET"]


@pytest.mark.parametrize("size", ["phone", "desktop"])
def test_no_push_service_no_consent_recorded(town: Town, browser: Any, size: str) -> None:
    page, sent = _home(town, browser, size)
    errors = watch_errors(page)
    page.get_by_role("button", name="失効前に通知を受け取る").click()
    expect(page.locator("#reminders-state")).to_have_text("通知を設定できませんでした。")
    assert page.evaluate("window.__asked") == ["permission", "subscribe"]
    assert _writes(sent) == [] and not _subscribed(town, page)
    assert accessibility_problems(page) == []
    assert errors == []
    page.context.close()


def test_refused_permission_is_said_and_nothing_subscribes(town: Town, browser: Any) -> None:
    page, sent = _home(town, browser, "phone", grant=False)
    page.get_by_role("button", name="失効前に通知を受け取る").click()
    expect(page.locator("#reminders-state")).to_have_text(
        "通知が許可されていません。ブラウザの設定でこのサイトの通知を許可してください。"
    )
    assert page.evaluate("window.__asked") == ["permission"]
    assert _writes(sent) == [] and not _subscribed(town, page)
    page.context.close()


@pytest.mark.parametrize("size", ["phone", "desktop"])
def test_consent_posts_the_subscription_and_withdrawal_deletes_it(
    town: Town, browser: Any, size: str
) -> None:
    page, sent = _home(town, browser, size, STAND_IN)
    errors = watch_errors(page)
    key = page.evaluate("fetch('/v1/push/public-key').then((r) => r.json())")
    page.get_by_role("button", name="失効前に通知を受け取る").click()
    expect(page.locator("#reminders-state")).to_have_text("失効の14日前と3日前に、この端末へ通知します。")
    assert page.evaluate("window.__asked") == ["permission", "subscribe"]
    assert page.evaluate("window.__push.key") == key["public_key"]  # subscribed to this service's VAPID key
    posted = [request for request in sent if request.method == "POST"]
    assert len(posted) == 1
    assert json.loads(posted[0].post_data)["endpoint"] == "https://93.184.215.14/e2e/phone"
    assert _subscribed(town, page)

    page.get_by_role("button", name="通知をやめる").click()
    expect(page.locator("#reminders-state")).to_have_text("失効前の通知は受け取っていません。")
    assert _writes(sent) == ["POST", "DELETE"]
    assert page.evaluate("window.__push.unsubscribed") == 1
    assert not _subscribed(town, page)
    assert errors == []
    page.context.close()


def test_a_reminder_pushed_to_the_service_worker_shows_a_notification(town: Town, browser: Any) -> None:
    """The app's service worker turns the server's reminder (reminders.message: the body pywebpush
    encrypts) into a notification that opens the app. Chromium's DevTools deliver the push message to the
    worker, in place of the push service this browser cannot reach."""
    page, _ = _home(town, browser, "phone")
    scope = page.evaluate("navigator.serviceWorker.ready.then((r) => r.scope)")
    session = page.context.new_cdp_session(page)
    found: list[str] = []

    def registered(event: dict[str, Any]) -> None:
        found.extend(r["registrationId"] for r in event["registrations"] if r["scopeURL"] == scope)

    session.on("ServiceWorker.workerRegistrationUpdated", registered)
    session.send("ServiceWorker.enable")
    for _ in range(50):  # each round trip to the browser lets its events in; no waiting on a clock
        if found:
            break
        page.evaluate("navigator.serviceWorker.ready.then(() => true)")
    assert found, "the worker's registration"
    due = reminders.Due("res_x", date(2026, 12, 24), 14, 80, [])
    delivery = {"origin": town.url, "registrationId": found[0], "data": reminders.message(due)}
    session.send("ServiceWorker.deliverPushMessage", delivery)
    page.wait_for_function(
        "async () => (await (await navigator.serviceWorker.ready).getNotifications()).length > 0"
    )
    shown = page.evaluate(
        """async () => (await (await navigator.serviceWorker.ready).getNotifications())
            .map((n) => [n.title, n.body, n.data.url])"""
    )
    assert shown == [["みたポ", "80 pt が 12月24日 に失効します（あと14日）", "/app"]]
    page.context.close()
