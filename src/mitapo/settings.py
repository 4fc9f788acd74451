"""Settings from the environment (`MITAPO_*`), read once into an immutable value.

Everything has a default that makes `mitapo serve` work with no configuration at all: the embedded PostgreSQL
under `./.mitapo`, the signing key beside it.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit


def _int(name: str, default: int) -> int:
    return int(os.environ.get(name, default))


def _float(name: str, default: float) -> float:
    return float(os.environ.get(name, default))


def _bool(name: str, default: bool) -> bool:
    raw = os.environ.get(name)
    return default if raw is None else raw.strip().lower() in {"1", "true", "yes", "on"}


def _list(name: str) -> tuple[str, ...]:
    return tuple(item.strip() for item in os.environ.get(name, "").split(",") if item.strip())


@dataclass(frozen=True, slots=True)
class Settings:
    database_url: str | None = None
    data_dir: Path = Path(".mitapo")
    host: str = "127.0.0.1"
    port: int = 8000
    signing_key_path: Path | None = None
    log_json: bool | None = None
    pool_size: int = 20
    batch_max: int = 500
    seal_interval: float = 0.2
    # the Unix socket of the writer's process (`mitapo serve --writer process` sets it for its workers); none:
    # each process writes with a writer of its own
    writer_socket: str | None = None
    checkpoint_interval: float = 60.0
    expiry_interval: float = 3600.0
    checkin_step_seconds: int = 30
    pay_code_seconds: int = 60
    payment_request_seconds: int = 600
    webhook_interval: float = 2.0
    webhook_allow_insecure: bool = False  # http and loopback webhook and push URLs: development, tests
    metrics_secret: str | None = None  # /metrics answers only `Authorization: Bearer <this>`; none: 404
    # The city's side of Zengin payout files (MITAPO_PAYOUT_PAYER): client code (委託者コード), name, bank,
    # bank name, branch, branch name, account type, account number, comma-separated, names in half-width kana.
    # No default: a bank file is made only from the city's real account (`payments.settlement.payer`).
    payout_payer: str = ""
    payout_business_days: int = 1  # the transfer date: this many bank business days after the settlement
    jpqr_operator: str = (
        ""  # the city's part of its shops' 統一店舗識別コード (16 digits): JPQR in shop codes
    )
    money_ceiling: int = 100_000
    transit_reader_skew_seconds: int = 120
    transit_late_upload_hours: int = 24
    transit_no_show_minutes: int = 30
    transit_release_interval: float = 60.0
    gifting_enabled: bool = True
    gift_daily_limit: int = 5_000
    rate_per_principal: int = 3_000  # check-ins, pay codes, payments: each, per minute; 0 is no limit
    rate_per_address: int = 300_000
    bad_secrets_per_address: int = 100  # then locked out, one more try every window / count seconds
    bad_secrets_window_seconds: int = 600
    bad_secrets_per_credential: int = 20  # tries of one unknown or revoked secret, from anywhere, per window
    number_lookups_per_hour: int = (
        30  # a resident's gifts and previews by number (docs/security.md); 0 no limit
    )
    rotation_grace_seconds: int = 86_400  # a rotated secret keeps working this long (accounts.credentials)
    # Peers whose X-Forwarded-For is believed (addresses or networks, comma-separated): the reverse proxy.
    trusted_proxies: tuple[str, ...] = ()
    daily_spend_limit: int = 10_000_000  # yen of payments and fares per resident and day; 0 is no limit
    card_daily_limit: int = 5_000  # yen a みたポ card may pay (shops and fares) per day; 0 is no limit
    timezone: str = "Asia/Tokyo"
    push_reminders: bool = (
        True  # expiry reminders by Web Push to residents who consented; the city may stop them
    )
    extra: dict[str, str] = field(default_factory=dict)
    # Residents' devices: where residents reach the service (enrollment links, passkeys' origin and RP id),
    # how long an enrollment code and a session last.
    public_url: str | None = None
    webauthn_rp_id: str | None = None
    webauthn_origins: tuple[str, ...] = ()
    enrollment_days: int = 14
    session_days: int = 30

    @property
    def site_url(self) -> str:
        """Where a browser on this machine reaches `mitapo serve`: the links the CLI prints use it."""
        host = {"0.0.0.0": "127.0.0.1", "::": "[::1]", "": "127.0.0.1"}.get(self.host, self.host)
        host = f"[{host}]" if ":" in host and not host.startswith("[") else host
        return f"http://{host}:{self.port}"

    @property
    def public_origin(self) -> str:
        """Where residents' phones reach the service: `MITAPO_PUBLIC_URL`, else `http://localhost:PORT` (a
        browser's secure context, where passkeys work; an IP address can be no passkey's RP id)."""
        return (self.public_url or f"http://localhost:{self.port}").rstrip("/")

    @property
    def passkey_rp_id(self) -> str:
        """The passkeys' relying party id: `MITAPO_WEBAUTHN_RP_ID`, else the public URL's host."""
        return self.webauthn_rp_id or urlsplit(self.public_origin).hostname or "localhost"

    @property
    def passkey_origins(self) -> tuple[str, ...]:
        """The origins a passkey ceremony may come from: `MITAPO_WEBAUTHN_ORIGINS`, else the public URL's."""
        return self.webauthn_origins or (self.public_origin,)

    @property
    def key_path(self) -> Path:
        return self.signing_key_path or self.data_dir / "keys"

    @classmethod
    def from_env(cls) -> Settings:
        key_path = os.environ.get("MITAPO_SIGNING_KEY_PATH")
        log_json = os.environ.get("MITAPO_LOG_JSON")
        return cls(
            database_url=os.environ.get("MITAPO_DATABASE_URL") or None,
            data_dir=Path(os.environ.get("MITAPO_DATA_DIR", ".mitapo")),
            host=os.environ.get("MITAPO_HOST") or "127.0.0.1",
            port=_int("MITAPO_PORT", 8000),
            signing_key_path=Path(key_path) if key_path else None,
            log_json=None if log_json is None else _bool("MITAPO_LOG_JSON", False),
            pool_size=_int("MITAPO_POOL_SIZE", 20),
            batch_max=_int("MITAPO_BATCH_MAX", 500),
            seal_interval=_float("MITAPO_SEAL_INTERVAL", 0.2),
            writer_socket=os.environ.get("MITAPO_WRITER_SOCKET") or None,
            checkpoint_interval=_float("MITAPO_CHECKPOINT_INTERVAL", 60.0),
            expiry_interval=_float("MITAPO_EXPIRY_INTERVAL", 3600.0),
            checkin_step_seconds=_int("MITAPO_CHECKIN_STEP_SECONDS", 30),
            pay_code_seconds=_int("MITAPO_PAY_CODE_SECONDS", 60),
            payment_request_seconds=_int("MITAPO_PAYMENT_REQUEST_SECONDS", 600),
            webhook_interval=_float("MITAPO_WEBHOOK_INTERVAL", 2.0),
            webhook_allow_insecure=_bool("MITAPO_WEBHOOK_ALLOW_INSECURE", False),
            metrics_secret=os.environ.get("MITAPO_METRICS_SECRET") or None,
            payout_payer=os.environ.get("MITAPO_PAYOUT_PAYER", ""),
            payout_business_days=_int("MITAPO_PAYOUT_BUSINESS_DAYS", 1),
            jpqr_operator=os.environ.get("MITAPO_JPQR_OPERATOR", ""),
            money_ceiling=_int("MITAPO_MONEY_CEILING", 100_000),
            transit_reader_skew_seconds=_int("MITAPO_TRANSIT_READER_SKEW_SECONDS", 120),
            transit_late_upload_hours=_int("MITAPO_TRANSIT_LATE_UPLOAD_HOURS", 24),
            transit_no_show_minutes=_int("MITAPO_TRANSIT_NO_SHOW_MINUTES", 30),
            transit_release_interval=_float("MITAPO_TRANSIT_RELEASE_INTERVAL", 60.0),
            gifting_enabled=_bool("MITAPO_GIFTING_ENABLED", True),
            gift_daily_limit=_int("MITAPO_GIFT_DAILY_LIMIT", 5_000),
            rate_per_principal=_int("MITAPO_RATE_PER_PRINCIPAL", 3_000),
            rate_per_address=_int("MITAPO_RATE_PER_ADDRESS", 300_000),
            bad_secrets_per_address=_int("MITAPO_BAD_SECRETS_PER_ADDRESS", 100),
            bad_secrets_window_seconds=_int("MITAPO_BAD_SECRETS_WINDOW_SECONDS", 600),
            bad_secrets_per_credential=_int("MITAPO_BAD_SECRETS_PER_CREDENTIAL", 20),
            number_lookups_per_hour=_int("MITAPO_NUMBER_LOOKUPS_PER_HOUR", 30),
            rotation_grace_seconds=_int("MITAPO_ROTATION_GRACE_SECONDS", 86_400),
            trusted_proxies=_list("MITAPO_TRUSTED_PROXIES"),
            daily_spend_limit=_int("MITAPO_DAILY_SPEND_LIMIT", 10_000_000),
            push_reminders=_bool("MITAPO_PUSH_REMINDERS", True),
            card_daily_limit=_int("MITAPO_CARD_DAILY_LIMIT", 5_000),
            public_url=os.environ.get("MITAPO_PUBLIC_URL") or None,
            webauthn_rp_id=os.environ.get("MITAPO_WEBAUTHN_RP_ID") or None,
            webauthn_origins=tuple(
                o.strip().rstrip("/")
                for o in os.environ.get("MITAPO_WEBAUTHN_ORIGINS", "").split(",")
                if o.strip()
            ),
            enrollment_days=_int("MITAPO_ENROLLMENT_DAYS", 14),
            session_days=_int("MITAPO_SESSION_DAYS", 30),
        )
