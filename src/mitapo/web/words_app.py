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
    # a history that says what happened
    "history_month": ("月", "Month"),
    "history_year": ("年", "Year"),
    "history_csv_title": ("1年分をダウンロード（CSV）", "Download a year (CSV)"),
    "history_csv_button": ("CSVをダウンロード", "Download CSV"),
    "hist_month_sum": (
        "この月の合計：ポイント {points}・マネー {money}",
        "This month: points {points}, money {money}",
    ),
    "hist_payment": ("支払い", "Paid"),
    "hist_refund": ("返金", "Refund"),
    "hist_donation": ("寄付", "Donated"),
    "hist_gift_out": ("贈った", "Gave"),
    "hist_gift_in": ("もらった", "Received"),
    "hist_cashback": ("キャッシュバック", "Cashback"),
    "hist_fare": ("運賃", "Fare"),
    "hist_expiry": ("失効", "Expired"),
    "hist_topup": ("チャージ", "Charged"),
    "hist_grant": ("付与", "Granted"),
    "hist_bonus": ("チャージ特典", "Charge bonus"),
    "hist_kind": ("種類", "Kind"),
    "hist_reference": ("伝票番号", "Slip number"),
    "hist_payment_id": ("支払いID", "Payment id"),
    "hist_entry_id": ("エントリーID（監査用）", "Entry id (for an audit)"),
    "hist_role_shop": ("お店", "Shop"),
    "hist_role_recipient": ("寄付先", "Recipient"),
    "hist_role_giver": ("贈ってくれた人", "From"),
    "hist_role_receiver": ("贈った相手", "To"),
    "hist_role_event": ("イベント", "Event"),
    "hist_role_campaign": ("キャンペーン", "Campaign"),
    "hist_role_route": ("路線", "Route"),
}
