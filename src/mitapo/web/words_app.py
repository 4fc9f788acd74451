"""The resident app's words added with issue 20 (paying without doubt, history, what to join, receiving,
expiry reminders), kept apart from `i18n.MESSAGES` so that the frame's words and these change independently.
key: (日本語, English); "{n}"-style placeholders are filled by the page's script."""

from __future__ import annotations

APP_WORDS: dict[str, tuple[str, str]] = {
    # paying without doubt
    "receipt_shop": ("お店", "Shop"),
    "receipt_amount": ("金額", "Amount"),
    "receipt_points": ("使ったポイント", "Points used"),
    "receipt_money": ("使ったマネー", "Money used"),
    "receipt_time": ("日時", "Time"),
    "receipt_left": ("残高", "Left"),
    "balances_left": ("ポイント {points}・マネー {money}", "Points {points}, money {money}"),
    "balances_unknown": (
        "残高は次に開いたときに表示します。",
        "The balance shows next time you open the app.",
    ),
    "scan_again": ("別のコードを読み取る", "Scan another code"),
    "request_paid": ("支払い済み", "Paid"),
    "request_expired": ("期限切れ", "Expired"),
    "checking_payment": (
        "通信が途切れました。お支払いが済んだか確かめています…",
        "The connection dropped. Checking whether the payment went through…",
    ),
    "payment_not_made": (
        "お支払いはされていません。もう一度「支払う」を押しても二重に支払われることはありません。",
        "Nothing was paid. Pressing Pay again will never pay twice.",
    ),
    "payment_unreachable": (
        "お支払いが済んだか確かめられませんでした。電波のよい所で「支払う」を押すと、済んでいればその結果を表示し、"
        "二重に支払われることはありません。",
        "Could not check whether the payment went through. Press Pay where the signal is good: if it went "
        "through you will see it, and it is never paid twice.",
    ),
}
