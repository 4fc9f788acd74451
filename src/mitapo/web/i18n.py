"""The pages' words, Japanese first, English on request (`?lang=en`, remembered in a cookie).

One small dictionary: the server renders a page's own words with it, and hands the same words to the page's
script for what it writes later (results, errors, statement lines).
"""

from __future__ import annotations

import functools
from collections.abc import Callable

from mitapo.engine.catalog import KINDS
from mitapo.web.i18n_console import CONSOLE
from mitapo.web.words_app import APP_WORDS

LANGUAGES = ("ja", "en")
DEFAULT = "ja"
COOKIE = "mitapo_lang"

# key: (日本語, English). "{n}"-style placeholders are filled by the page's script.
MESSAGES: dict[str, tuple[str, str]] = {
    # frame
    "brand": ("みたポ", "Mitapo"),
    "skip_to_content": ("本文へ移動", "Skip to content"),
    "nav_label": ("メニュー", "Menu"),
    "switch_language": ("English", "日本語"),
    "sign_in": ("サインイン", "Sign in"),
    "sign_out": ("サインアウト", "Sign out"),
    "secret_label": ("シークレット（合言葉）", "Secret"),
    "signin_remembered": (
        "この端末のブラウザに保存されます。共用の端末では使い終わったらサインアウトしてください。",
        "It is kept in this browser. On a shared device, sign out when you are done.",
    ),
    "signin_failed": ("このシークレットではサインインできません。", "This secret does not sign in."),
    "signin_title_resident": ("みたポにサインイン", "Sign in to Mitapo"),
    "signin_help_resident": (
        "市から届いたカードのQRコードをスマートフォンのカメラで読むか、シークレットを貼り付けてください。",
        "Scan the QR code on the card the city sent you with your phone's camera, or paste your secret.",
    ),
    "signin_title_merchant": ("お店のレジにサインイン", "Sign in to the shop till"),
    "signin_help_merchant": ("お店のAPIキーを貼り付けてください。", "Paste the shop's API key."),
    "signin_title_organizer": ("主催者としてサインイン", "Sign in as an organizer"),
    "signin_help_organizer": ("主催者のシークレットを貼り付けてください。", "Paste your organizer secret."),
    "signin_title_auditor": ("監査デスクにサインイン", "Sign in to the auditor's desk"),
    "signin_help_auditor": (
        "監査担当または管理者のシークレットを貼り付けてください。",
        "Paste an auditor's or administrator's secret.",
    ),
    "loading": ("読み込み中…", "Loading…"),
    "close": ("閉じる", "Close"),
    "cancel": ("キャンセル", "Cancel"),
    "more": ("さらに表示", "Show more"),
    "nothing_yet": ("まだありません。", "Nothing yet."),
    "unit_points": ("{n} pt", "{n} pt"),
    "unit_yen": ("{n} 円", "¥{n}"),
    "unit_people": ("{n} 人", "{n} people"),
    # home
    "home_title": ("みたポ", "Mitapo"),
    "home_lead": (
        "三鷹市の地域ポイントとプリペイドマネー。地域の活動でポイントをため、市内のお店やバスで使えます。",
        "Mitaka's community points and prepaid money: earn points for taking part, spend them in local shops "
        "and on the bus.",
    ),
    "face_resident": ("みたポ アプリ", "Mitapo app"),
    "face_resident_help": ("残高・履歴・スキャン・支払い・寄付", "Balance, history, scan, pay, donate"),
    "face_merchant": ("お店のレジ", "Shop till"),
    "face_merchant_help": (
        "金額を入力してコードを表示、返金、本日の売上",
        "Show a code, refund, today's sales",
    ),
    "face_organizer": ("主催者の画面", "Organizer screen"),
    "face_organizer_help": (
        "会場で表示するチェックインコードと参加人数",
        "The check-in code and the live count",
    ),
    "face_auditor": ("監査デスク", "Auditor's desk"),
    "face_auditor_help": (
        "グラフ、試算表、仕訳、ポイントの流れ、検証",
        "Charts, trial balance, journal, trails",
    ),
    # resident
    "app_home_title": ("ホーム", "Home"),
    "greeting": ("{name} さん", "Hello, {name}"),
    "balances": ("残高", "Balance"),
    "points": ("ポイント", "Points"),
    "money": ("マネー", "Money"),
    "expiring": ("有効期限", "Expiry"),
    "expires_on": ("{date} まで {points}", "{points} until {date}"),
    "no_points": ("有効なポイントはありません。", "No valid points."),
    "recent": ("最近の利用", "Recent activity"),
    "see_all": ("すべての履歴", "Full history"),
    "my_id": ("あなたの番号", "Your number"),
    "my_id_help": (
        "ポイントを贈ってもらうときは、この番号を相手に伝えてください。",
        "To receive points from someone, give them this number.",
    ),
    "nav_home": ("ホーム", "Home"),
    "nav_scan": ("スキャン", "Scan"),
    "nav_paycode": ("支払いコード", "Pay code"),
    "nav_statement": ("履歴", "History"),
    "nav_donate": ("寄付", "Donate"),
    "nav_gift": ("贈る", "Give"),
    "scan_title": ("コードを読み取る", "Scan a code"),
    "scan_lead": (
        "イベントのチェックインコード、お店のコード、支払い請求のコードを読み取れます。",
        "Scan an event's check-in code, a shop's code or a payment request.",
    ),
    "start_camera": ("カメラで読み取る", "Scan with the camera"),
    "stop_camera": ("カメラを止める", "Stop the camera"),
    "camera_view": ("カメラの映像", "Camera view"),
    "camera_unavailable": (
        "カメラを使えません。写真を選ぶか、コードを貼り付けてください。",
        "The camera is not available. Choose a photo or paste the code.",
    ),
    "scanning": ("コードを探しています…", "Looking for a code…"),
    "scan_photo": ("写真から読み取る", "Read from a photo"),
    "no_code_in_photo": ("写真からコードが見つかりません。", "No code found in the photo."),
    "paste_code": ("コードの文字を貼り付ける", "Paste the code's text"),
    "code_text": ("コードの文字", "Code text"),
    "use_code": ("このコードを使う", "Use this code"),
    "unknown_code": ("みたポのコードではありません。", "This is not a Mitapo code."),
    "checking_in": ("チェックインしています…", "Checking in…"),
    "checked_in": ("{points} を受け取りました", "You received {points}"),
    "new_balance": ("ポイント残高：{points}", "Points balance: {points}"),
    "pay_to": ("支払い先", "Pay to"),
    "pay_amount": ("金額（円）", "Amount (yen)"),
    "request_amount": ("請求額：{amount}", "Amount requested: {amount}"),
    "funding": ("支払い方法", "Pay with"),
    "funding_points_first": ("ポイントを先に使う", "Points first"),
    "funding_points_only": ("ポイントだけ", "Points only"),
    "funding_money_only": ("マネーだけ", "Money only"),
    "confirm_pay": ("支払う", "Pay"),
    "paying": ("支払っています…", "Paying…"),
    "paid_to": ("{shop} に {amount} 支払いました", "You paid {amount} to {shop}"),
    "paid_split": ("ポイント {points}・マネー {money}", "Points {points}, money {money}"),
    "paycode_title": ("支払いコード", "My pay code"),
    "paycode_lead": (
        "お店やバスの読み取り機にこのコードを見せてください。一度だけ使え、自動で新しくなります。",
        "Show this code to the shop or the bus reader. It works once and renews itself.",
    ),
    "paycode_alt": ("わたしの支払いコード", "My pay code"),
    "paycode_valid": ("あと {s} 秒有効", "Valid for {s} more seconds"),
    "renew": ("新しいコードにする", "Renew the code"),
    "statement_title": ("履歴", "History"),
    "donate_title": ("ポイントを寄付する", "Donate points"),
    "donate_lead": (
        "地域の団体にポイントを寄付できます。寄付先が受け取った合計は公開されます。",
        "Give points to a local group. What each group received is public.",
    ),
    "recipient": ("寄付先", "Recipient"),
    "points_amount": ("ポイント数", "Points"),
    "public_name": (
        "寄付先のページに名前を載せる（選ばなければ匿名です）",
        "Show my name on the recipient's page (anonymous unless chosen)",
    ),
    "donate_button": ("寄付する", "Donate"),
    "donated": ("{recipient} に {points} 寄付しました", "You donated {points} to {recipient}"),
    "gift_title": ("ポイントを贈る", "Give points"),
    "gift_lead": (
        "家族や友人にポイントを贈れます。相手の「わたしの番号」を入力してください。",
        "Give points to family or friends: enter their number (shown on their home screen).",
    ),
    "to_resident": ("相手の番号", "Their number"),
    "gift_button": ("贈る", "Give"),
    "gifted": ("{points} を贈りました", "You gave {points}"),
    # the kinds of entry, as statements, the journal and trails name them: from the catalog
    **{f"kind_{kind.value}": (facts.ja, facts.en) for kind, facts in KINDS.items()},
    # till
    "till_title": ("レジ", "Till"),
    "amount_yen": ("金額（円）", "Amount (yen)"),
    "reference_optional": ("伝票番号（任意・英数字）", "Reference (optional, ASCII)"),
    "show_code": ("コードを表示", "Show the code"),
    "payment_code_alt": ("支払い用のQRコード", "QR code to pay"),
    "waiting_payment": ("お支払いを待っています", "Waiting for payment"),
    "status_paid": ("支払い済み", "Paid"),
    "status_expired": ("期限切れ", "Expired"),
    "new_sale": ("次のお会計", "Next sale"),
    "pay_by_card": ("みたポカードで支払う", "Pay with a みたポ card"),
    "card_number_label": (
        "カード番号（QRを読み取るか、16桁を入力）",
        "Card number (scan the QR or type the 16 digits)",
    ),
    "enter_pin": (
        "お客様ご自身で暗証番号（4〜6桁）を押してください",
        "Customer: press your PIN (4 to 6 digits)",
    ),
    "pin_clear": ("消去", "Clear"),
    "pin_back": ("1文字消す", "Delete one digit"),
    "card_paid": ("{amount} をみたポカードで受け取りました", "{amount} paid with a みたポ card"),
    "todays_payments": ("本日のお支払い", "Today's payments"),
    "total_count": ("件数", "Payments"),
    "total_amount": ("合計", "Total"),
    "total_points": ("うちポイント", "In points"),
    "total_money": ("うちマネー", "In money"),
    "total_refunded": ("返金", "Refunded"),
    "col_time": ("時刻", "Time"),
    "col_amount": ("金額", "Amount"),
    "col_points": ("ポイント", "Points"),
    "col_money": ("マネー", "Money"),
    "col_status": ("状態", "Status"),
    "col_action": ("操作", "Action"),
    "refund": ("返金", "Refund"),
    "refund_amount": ("返金する金額（円）", "Amount to refund (yen)"),
    "refund_button": ("返金する", "Refund"),
    "refunded_msg": ("{amount} を返金しました", "Refunded {amount}"),
    "payment_succeeded": ("完了", "Paid"),
    "payment_partially_refunded": ("一部返金", "Partly refunded"),
    "payment_refunded": ("返金済み", "Refunded"),
    "shop_code": ("お店の固定コード", "The shop's sticker code"),
    # organizer
    "organizer_title": ("イベント", "Events"),
    "screen_title": ("チェックインコード", "Check-in code"),
    "open_screen": ("コードを表示", "Show the code"),
    "event_when": ("{start} – {end}", "{start} – {end}"),
    "event_points": ("参加で {points}", "{points} for taking part"),
    "checkin_code_alt": ("チェックイン用のQRコード（自動で切り替わります）", "Check-in QR code (it rotates)"),
    "checkins_live": ("チェックイン", "Checked in"),
    "capacity": ("定員 {n} 人", "Capacity {n}"),
    "full_screen": ("全画面", "Full screen"),
    "screen_hint": (
        "コードは30秒ごとに切り替わるため、写真で送っても使えません。",
        "The code changes every 30 seconds, so a photo sent to someone else stops working.",
    ),
    "no_events": ("イベントはありません。", "No events."),
    # auditor
    "desk_title": ("監査デスク", "Auditor's desk"),
    "nav_desk": ("概要", "Overview"),
    "nav_journal": ("仕訳", "Journal"),
    "nav_trail": ("ポイントの流れ", "Point trail"),
    "nav_fairness": ("公平性", "Fairness"),
    "verify_title": ("台帳の検証", "Verify the ledger"),
    "verify_lead": (
        "ハッシュチェーン、署名付きチェックポイント、仕訳の貸借、全残高の再計算を確かめます。",
        "Checks the hash chain, the signed checkpoints, that every entry balances, and every balance.",
    ),
    "verify_button": ("検証する", "Verify"),
    "verify_ok": ("問題なし：{n} 件の仕訳を確認しました", "All holds: {n} entries checked"),
    "verify_failed": ("問題が見つかりました：{n} 件", "Problems found: {n}"),
    "head": ("最新：#{seq} {hash}", "Head: #{seq} {hash}"),
    "charts_title": ("月ごとの動き", "Per month"),
    "chart_points": ("ポイント（pt）", "Points (pt)"),
    "chart_money": ("マネー（円）", "Money (yen)"),
    "series_funded": ("予算化", "Funded"),
    "series_granted": ("付与", "Granted"),
    "series_spent": ("利用", "Spent"),
    "series_donated": ("寄付", "Donated"),
    "series_expired": ("失効", "Expired"),
    "series_charged": ("チャージ", "Charged"),
    "col_month": ("月", "Month"),
    "trial_balance": ("試算表", "Trial balance"),
    "col_account": ("勘定", "Account"),
    "col_asset": ("資産", "Asset"),
    "col_balance": ("残高（借方+）", "Balance (debit +)"),
    "col_debits": ("借方合計", "Debits"),
    "col_credits": ("貸方合計", "Credits"),
    "budgets_title": ("プログラムの予算", "Programs' budgets"),
    "col_program": ("プログラム", "Program"),
    "col_funded": ("予算化", "Funded"),
    "col_drawn": ("付与済み", "Granted"),
    "col_remaining": ("残り", "Remaining"),
    "col_residents": ("参加者", "Residents"),
    "col_events": ("イベント", "Events"),
    "journal_title": ("仕訳の一覧", "Journal explorer"),
    "filter_account": ("勘定（前方一致）", "Account (or its start)"),
    "filter_kind": ("種類", "Kind"),
    "filter_any": ("すべて", "Any"),
    "filter_from": ("開始日", "From"),
    "filter_to": ("終了日", "To"),
    "filter_resident": ("住民の番号", "Resident number"),
    "filter_shop": ("お店の番号", "Shop number"),
    "filter_button": ("絞り込む", "Filter"),
    "entries_found": ("{n} 件を表示", "Showing {n} entries"),
    "entry_seq": ("#{seq}", "#{seq}"),
    "prev_hash": ("前のハッシュ", "Previous hash"),
    "hash": ("ハッシュ", "Hash"),
    "col_amount_signed": ("金額（借方+／貸方−）", "Amount (debit + / credit −)"),
    "follow_point": ("このポイントの流れ", "Follow a point"),
    "trail_title": ("ポイントの流れ", "A point's trail"),
    "trail_lead": (
        "1ポイントが予算から住民、お店、精算までどう流れたかを、仕訳とハッシュでたどります。"
        "各勘定では先に入ったポイントから先に出るものとしてたどります。",
        "Follows one point from the budget that funded it through the resident to the shop and the "
        "settlement, entry by entry with hashes. Within each account, the first point in is the first out.",
    ),
    "trail_entry": ("仕訳ID", "Entry id"),
    "trail_point": ("何番目のポイント（0から）", "Which point (from 0)"),
    "trail_button": ("たどる", "Follow"),
    "trail_origin": ("市の発行から始まります", "It starts at the city's issuance"),
    "trail_rests": ("現在の場所：{account}", "Now in: {account}"),
    "trail_step": ("{from} → {to}", "{from} → {to}"),
    "fairness_title": ("公平性", "Fairness"),
    "fairness_lead": (
        "プログラムごとに住民が受け取ったポイントの分布です。中央値の3倍を超える人、"
        "または参加者が100人以上のとき上位1%の人に印を付けます。",
        "How each program's points are spread over residents. Flagged: more than 3× the median, or the "
        "top 1% once a program reaches 100 residents.",
    ),
    "col_resident": ("住民", "Resident"),
    "col_flag": ("注意", "Flag"),
    "flag_above_3x_median": ("中央値の3倍超", "Above 3× median"),
    "flag_top_1_percent": ("上位1%", "Top 1%"),
    "fair_summary": (
        "{residents} 人、合計 {total}、中央値 {median}、最大 {max}、注意 {flagged} 人",
        "{residents} residents, total {total}, median {median}, largest {max}, flagged {flagged}",
    ),
    # errors the API answers with (CONTRACT.md's codes)
    "error_generic": (
        "うまくいきませんでした。もう一度お試しください。",
        "That did not work. Please try again.",
    ),
    "error_network": (
        "通信できませんでした。もう一度お試しください。",
        "Could not reach the service. Try again.",
    ),
    "error_unauthorized": ("サインインし直してください。", "Please sign in again."),
    "error_credential_revoked": (
        "この鍵（またはスマートフォンの登録）は取り消されたか、新しいものに替わりました。"
        "市の窓口で新しいもの（スマートフォンは新しい登録コード）を受け取ってください。",
        "This key (or this phone's sign-in) was revoked or replaced. Please get a new one (for a phone, a "
        "new enrollment code) from the city's counter.",
    ),
    "error_locked_out": (
        "失敗が続いたため、しばらく受け付けません。少し待ってからお試しください。",
        "Too many failed tries. Please wait a little and try again.",
    ),
    "error_forbidden": ("この操作はできません。", "You may not do this."),
    "error_not_found": ("見つかりません。", "Not found."),
    "error_validation_error": ("入力を確かめてください。", "Please check what you entered."),
    "error_insufficient_funds": ("残高が足りません。", "Not enough balance."),
    "error_budget_exhausted": ("このプログラムの予算がなくなりました。", "This program's budget is used up."),
    "error_cap_exceeded": ("今月（今年度）の上限に達しています。", "You reached this program's cap."),
    "error_already_claimed": ("このイベントのポイントは受け取り済みです。", "You already checked in here."),
    "error_code_expired": (
        "コードの期限が切れています。もう一度読み取ってください。",
        "The code expired; scan again.",
    ),
    "error_code_invalid": ("使えないコードです。", "This code cannot be used."),
    "error_code_used": ("このコードは使用済みです。", "This code was used already."),
    "error_event_not_open": ("イベントの受付時間外です。", "The event is not open for check-in."),
    "error_event_full": ("定員に達しました。", "The event is full."),
    "error_gifting_disabled": ("ポイントを贈る機能は停止中です。", "Giving points is turned off."),
    "error_refund_exceeds_payment": ("支払額を超えて返金はできません。", "That is more than the payment."),
    "error_balance_limit_exceeded": ("上限を超えます。", "That goes over the limit."),
    "error_account_closed": ("このアカウントは解約されています。", "This account is closed."),
    "error_velocity_exceeded": (
        "1日に使える金額の上限を超えます。",
        "That goes over the daily spending limit.",
    ),
    "error_pin_invalid": (
        "暗証番号が違います。もう一度押してください。",
        "Wrong PIN. Please press it again.",
    ),
    "error_card_locked": (
        "暗証番号を5回まちがえたため、このカードは止まっています。市役所の窓口で解除できます。",
        "Five wrong PINs: this card is locked. City staff at the counter can unlock it.",
    ),
    "error_card_revoked": (
        "このカードは再発行されたため使えません。新しいカードをお使いください。",
        "This card was replaced; please use the new card.",
    ),
    # residents' short numbers (issues 19 and 20)
    "error_number_invalid": (
        "番号が正しくありません。8桁の番号（例 1234-5678）を確かめてください。",
        "That number is not right. Check the 8-digit number (like 1234-5678).",
    ),
    "error_query_invalid": (
        "名前の一部（2文字以上、漢字は1文字から）か、番号の4桁以上を入れてください。",
        "Type part of a name (2 letters or more, one kanji is enough) or 4 or more digits of a number.",
    ),
    "error_rate_limited": (
        "短い時間に何度も試しました。しばらく待ってからもう一度お試しください。",
        "Too many tries in a short time. Please wait a while and try again.",
    ),
    # auditor's desk: the export and the keys for verifying offline (issue 23)
    "offline_title": ("手元で検証する", "Verify on your own computer"),
    "offline_lead": (
        "台帳のエクスポートと公開鍵をダウンロードし、サーバーを信頼せずに mitapo-ledger で検証できます。",
        "Download the ledger's export and the public keys, and verify them with mitapo-ledger without "
        "trusting the server.",
    ),
    "download_export": ("エクスポートをダウンロード", "Download the export"),
    "download_keys": ("公開鍵をダウンロード", "Download the public keys"),
    "downloaded": ("{file} を保存しました", "Saved {file}"),
    "offline_command": (
        "二つのファイルを保存したフォルダで実行します：",
        "Run this in the folder where both files were saved:",
    ),
    "offline_keys_note": (
        "公開鍵は、市が別の経路で公表している鍵と同じか確かめてください。",
        "Check that the public keys are the ones the city published through another channel.",
    ),
    # the staff console, and the organizer's and the till's new parts (issue 19)
    **CONSOLE,
    # the resident app (issue 20): its own module
    **APP_WORDS,
    # residents' phones: enrollment, passkeys, devices, a lost phone (issue 17)
    "error_passkey_invalid": (
        "パスキーを確認できませんでした。もう一度お試しください。",
        "The passkey could not be checked. Please try again.",
    ),
    "passkey_sign_in": ("パスキーでサインイン", "Sign in with your passkey"),
    "passkey_signin_help": (
        "登録したスマートフォンで、指紋・顔・画面ロックで確認するだけでサインインできます。",
        "On the phone you registered, confirm with your fingerprint, face or screen lock to sign in.",
    ),
    "passkey_unsupported": (
        "このブラウザはパスキーに対応していません。Chrome または Safari でお試しください。",
        "This browser does not support passkeys. Try Chrome or Safari.",
    ),
    "passkey_cancelled": (
        "確認が中止されました。もう一度ボタンを押してください。",
        "The check was cancelled. Press the button again.",
    ),
    "first_time": (
        "はじめての方は、市から届いた「登録のご案内」のQRコードをカメラで読み取ってください。",
        "First time? Scan the QR code on the enrollment letter the city sent you with your camera.",
    ),
    "lost_phone_link": ("機種変更・紛失のとき", "New or lost phone"),
    "help_title": ("機種変更・紛失のとき", "A new phone, or a lost one"),
    "help_new_phone_title": ("スマートフォンを買い替えるとき", "When you get a new phone"),
    "help_new_phone_steps": (
        "新しいスマートフォンは、新しい登録コードで登録します。市役所の窓口かコミュニティ・センターのデジタル相談サロンで「みたポの登録コードがほしい」と伝えてください。"
        "新しい「登録のご案内」を印刷してお渡しします。新しいスマートフォンのカメラでQRコードを読み取り、"
        "「このスマートフォンを登録」を押せば完了です。ポイントと残高はそのまま使えます。"
        "古いスマートフォンは、新しい方のホーム画面「登録している端末」から削除できます。",
        "A new phone is added with a new enrollment code. Ask at the city office counter or at a community "
        'centre\'s digital help desk (デジタル相談サロン) for "a Mitapo enrollment code". They print a new '
        "enrollment letter for you. Scan its QR code with the new phone's camera and press \"Register this "
        'phone". Your points and balance stay as they are. Remove the old phone afterwards under "Your '
        'devices" on the home screen of the new one.',
    ),
    "help_lost_title": ("スマートフォンをなくしたとき・盗まれたとき", "When your phone is lost or stolen"),
    "help_lost_steps": (
        "すぐに市役所の窓口（または電話）で「みたポの端末を止めてほしい」と伝えてください。"
        "本人確認のあと、なくしたスマートフォンのサインインをすべて止めます。止めたあとは、"
        "なくしたスマートフォンではみたポを使えません。ポイントと残高、これまでの履歴は消えません。"
        "そのまま新しい「登録のご案内」を受け取り、新しいスマートフォンを登録してください。",
        'Go to the city office counter (or call it) at once and ask them to "stop my Mitapo phone". After '
        "checking who you are, they stop every sign-in of the lost phone: from then on it cannot use Mitapo. "
        "Your points, balance and history are not lost. Take the new enrollment letter they give you and "
        "register your new phone with it.",
    ),
    "help_bring_title": ("窓口に持っていくもの", "What to bring to the counter"),
    "help_bring": (
        "本人確認書類（マイナンバーカード、運転免許証、保険証など）。新しいスマートフォンがあれば一緒に。",
        "An identity document (My Number card, driving licence, health insurance card). Your new phone, if "
        "you have one.",
    ),
    "help_back": ("サインインに戻る", "Back to sign-in"),
    "enroll_title": ("スマートフォンの登録", "Register your phone"),
    "enroll_lead": (
        "市から届いた「登録のご案内」の登録コードで、このスマートフォンをみたポに登録します。",
        "Register this phone with Mitapo using the code on the enrollment letter the city sent you.",
    ),
    "enroll_code_label": ("登録コード", "Enrollment code"),
    "enroll_button": ("このスマートフォンを登録", "Register this phone"),
    "enroll_for": ("{name} 様のスマートフォンとして登録します。", "Registering this phone for {name}."),
    "enroll_done": ("登録が終わりました。", "Your phone is registered."),
    "devices_title": ("登録している端末", "Your devices"),
    "devices_help": (
        "みたポにサインインできるスマートフォンです。使わなくなった端末は削除してください。",
        "The phones that sign in to Mitapo. Remove the ones you no longer use.",
    ),
    "device_added": ("登録日 {date}", "Added {date}"),
    "device_remove": ("削除", "Remove"),
    "device_removed": ("端末を削除しました。", "The device was removed."),
    "device_remove_confirm": (
        "この端末を削除しますか？削除した端末ではサインインできなくなります。",
        "Remove this device? It will no longer sign in.",
    ),
}


def language(query: str | None, cookie: str | None) -> str:
    """The query's choice, else the remembered one, else Japanese."""
    for choice in (query, cookie):
        if choice in LANGUAGES:
            return choice
    return DEFAULT


def other(lang: str) -> str:
    return "en" if lang == "ja" else "ja"


@functools.cache
def messages(lang: str) -> dict[str, str]:
    column = LANGUAGES.index(lang)
    return {key: pair[column] for key, pair in MESSAGES.items()}


def translator(lang: str) -> Callable[[str], str]:
    words = messages(lang)
    return lambda key: words.get(key, key)
