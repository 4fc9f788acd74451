"""`mitapo-merchant`: take a みたポ payment from a terminal, for trying the service and for scripts.

    mitapo-merchant request 1200 --reference receipt-42 --wait   # show a QR, wait until it is paid
    mitapo-merchant status PAYMENT_REQUEST_ID
    mitapo-merchant refund PAYMENT_ID 300
    mitapo-merchant payments

The server and key come from --base-url / --api-key, or from MITAPO_BASE_URL / MITAPO_API_KEY (better: a
key on the command line is visible to every user of the machine). Exit status: 0 done (or paid),
1 refused, unreachable, expired or still unpaid, 2 wrong usage.
"""

from __future__ import annotations

import argparse
import math
import os
import sys
import time
from collections.abc import Callable, Sequence
from typing import TextIO

from mitapo_merchant._client import Client
from mitapo_merchant._exceptions import APIError, MitapoError
from mitapo_merchant._models import PaymentRequest

__all__ = ["ClientFactory", "main"]

_DESCRIPTION = "Take みたポ payments from a terminal: show a QR code and wait, check, refund, list."

ClientFactory = Callable[[str, str], Client]
"""Makes the client from a base URL and an API key; tests pass one whose client has a MockTransport."""


def main(
    argv: Sequence[str] | None = None,
    *,
    client_factory: ClientFactory = Client,
    stdout: TextIO | None = None,
    stderr: TextIO | None = None,
    sleep: Callable[[float], None] = time.sleep,
) -> int:
    out, err = stdout or sys.stdout, stderr or sys.stderr
    parser = _parser()
    args = parser.parse_args(argv)
    if not args.base_url or not args.api_key:
        parser.error("give --base-url and --api-key, or set MITAPO_BASE_URL and MITAPO_API_KEY")
    try:
        with client_factory(args.base_url, args.api_key) as client:
            return int(args.run(client, args, out, sleep))
    except APIError as error:
        print(f"error: {error.code or error.status}: {error.detail or error.title}", file=err)
    except (MitapoError, ValueError) as error:
        print(f"error: {error}", file=err)
    return 1


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="mitapo-merchant", description=_DESCRIPTION)
    parser.add_argument("--base-url", default=os.environ.get("MITAPO_BASE_URL"), help="or MITAPO_BASE_URL")
    parser.add_argument("--api-key", default=os.environ.get("MITAPO_API_KEY"), help="or MITAPO_API_KEY")
    commands = parser.add_subparsers(required=True, metavar="COMMAND")

    request = commands.add_parser("request", help="create a payment request and show its QR code")
    request.add_argument("amount", type=int, help="yen")
    request.add_argument("--reference", help="your receipt or order number")
    request.add_argument("--wait", action="store_true", help="poll until it is paid or expired")
    request.add_argument("--interval", type=float, default=2.0, help="seconds between polls (default 2)")
    request.add_argument("--timeout", type=float, default=900.0, help="stop waiting after this long")
    request.set_defaults(run=_request)

    status = commands.add_parser("status", help="show a payment request's status")
    status.add_argument("id")
    status.set_defaults(run=_status)

    refund = commands.add_parser("refund", help="refund part or all of a payment")
    refund.add_argument("payment_id")
    refund.add_argument("amount", type=int, help="yen")
    refund.set_defaults(run=_refund)

    payments = commands.add_parser("payments", help="list this shop's payments")
    payments.add_argument("--limit", type=int, default=None, help="page size")
    payments.set_defaults(run=_payments)
    return parser


def _request(client: Client, args: argparse.Namespace, out: TextIO, sleep: Callable[[float], None]) -> int:
    request = client.create_payment_request(args.amount, args.reference)
    expiry = "" if request.expires_at is None else f", expires {request.expires_at.isoformat()}"
    print(f"payment request {request.id} for ¥{request.amount:,}{expiry}", file=out)
    print(request.qr_payload or "", file=out)
    _print_qr(request.qr_payload or "", out)
    if not args.wait:
        return 0
    final = _wait(client, request.id, args.interval, args.timeout, sleep)
    if final is None:
        print(f"still open after {args.timeout:g} s; stopped waiting", file=out)
        return 1
    _print_status(final, out)
    return 0 if final.status == "paid" else 1


def _wait(
    client: Client, request_id: str, interval: float, timeout: float, sleep: Callable[[float], None]
) -> PaymentRequest | None:
    """The request once it is no longer open; None if it still is after `timeout` seconds of polling."""
    polls = max(1, math.ceil(timeout / interval)) if interval > 0 else 1
    for _ in range(polls):
        sleep(interval)
        current = client.get_payment_request(request_id)
        if current.status != "open":
            return current
    return None


def _status(client: Client, args: argparse.Namespace, out: TextIO, sleep: Callable[[float], None]) -> int:
    _print_status(client.get_payment_request(args.id), out)
    return 0


def _refund(client: Client, args: argparse.Namespace, out: TextIO, sleep: Callable[[float], None]) -> int:
    refund = client.refund(args.payment_id, args.amount)
    print(
        f"refund {refund.id}: {refund.points_refunded:,} PT and ¥{refund.money_refunded:,} returned"
        f" (entry {refund.entry_id})",
        file=out,
    )
    return 0


def _payments(client: Client, args: argparse.Namespace, out: TextIO, sleep: Callable[[float], None]) -> int:
    print(f"{'id':<28} {'amount':>10} {'points':>10} {'money':>10}  {'status':<18}  reference", file=out)
    for payment in client.iter_payments(args.limit):
        print(
            f"{payment.id:<28} {payment.amount:>10,} {payment.points_used:>10,} {payment.money_used:>10,}"
            f"  {payment.status:<18}  {payment.reference or '-'}",
            file=out,
        )
    return 0


def _print_status(request: PaymentRequest, out: TextIO) -> None:
    paid_by = f", payment {request.payment_id}" if request.payment_id else ""
    print(f"{request.id}: {request.status}, ¥{request.amount:,}{paid_by}", file=out)


def _print_qr(payload: str, out: TextIO) -> None:
    """The QR drawn with block characters, when the optional `qrcode` package is installed."""
    try:
        import qrcode
    except ImportError:
        print("(pip install 'mitapo-merchant[qr]' to see the QR code here)", file=out)
        return
    code = qrcode.QRCode(border=2)
    code.add_data(payload)
    code.print_ascii(out=out, invert=True)
