"""`mitapo`: serve, migrate, tokens, the demo town, audits and key rotation."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import dataclasses
import json
import os
import sys
from collections.abc import Awaitable, Callable, Iterator, Sequence
from datetime import date
from typing import TypeVar

from mitapo import logs
from mitapo.accounts import auth, credentials, staff_log
from mitapo.audit import reports, signing
from mitapo.cli import serving
from mitapo.engine import embedded, migrate
from mitapo.engine.keys import load_keyring
from mitapo.runtime import Runtime
from mitapo.settings import Settings
from mitapo.writer_process import SOCKET_ENV, WriterProcess

T = TypeVar("T")


@contextlib.contextmanager
def _database(settings: Settings) -> Iterator[tuple[str, str]]:
    """The database URL, and a line saying which database it is. The embedded PostgreSQL is started for the
    block and stopped after it, unless it was already running (then it is left to whoever started it)."""
    if settings.database_url:
        yield settings.database_url, f"database: {migrate.shown(settings.database_url)}"
        return
    with embedded.owned(settings.data_dir) as server:
        where = f"the embedded PostgreSQL under {settings.data_dir / 'pg'} (pid {server.pid})"
        how = (
            "already running: reused and left running, `make stop` stops it"
            if server.reused
            else ("started here, stopped when this ends")
        )
        yield embedded.database_in(server), f"database: {where}, {how}"


def _with_runtime(job: Callable[[Runtime], Awaitable[T]], *, background: bool = False) -> T:
    settings = Settings.from_env()
    with _database(settings) as (url, _said):
        return _run_job(settings, url, job, background=background)


def _run_job(
    settings: Settings, url: str, job: Callable[[Runtime], Awaitable[T]], *, background: bool = False
) -> T:
    async def main() -> T:
        runtime = Runtime(settings, url)
        await runtime.start(background=background)
        try:
            return await job(runtime)
        finally:
            await runtime.stop()

    return asyncio.run(main())


def cmd_migrate(_: argparse.Namespace) -> int:
    with _database(Settings.from_env()) as (url, _said):
        print(migrate.upgrade_and_say(url))
    return 0


def cmd_serve(args: argparse.Namespace) -> int:
    settings = Settings.from_env()
    host = args.host or settings.host
    port = settings.port if args.port is None else args.port
    bound = serving.bind(host, port)  # first: a taken port is said before anything starts
    if isinstance(bound, serving.Refused):
        print(bound.message, file=sys.stderr)
        return 3
    site = dataclasses.replace(settings, host=host, port=bound.sock.getsockname()[1]).site_url
    try:
        with _database(settings) as (url, database_line):
            print(migrate.upgrade_and_say(url))
            load_keyring(settings.key_path)  # the first key is made here, once, not by each worker at once
            if args.demo:  # the demo's enrollment link names the port served
                served = dataclasses.replace(settings, port=bound.sock.getsockname()[1])
                print(_load_demo(served, url, site))
                _use_demo_payer()
            if args.workers > 1:
                from mitapo.http.metrics import prepare_multiprocess

                prepare_multiprocess(settings.data_dir / "metrics")  # /metrics sums up every worker
            writer = _writer_process(args.writer, settings, url)
            os.environ["MITAPO_DATABASE_URL"] = url  # every worker uses the same database
            # and knows its port (the default public URL of enrollment links and passkeys names it)
            os.environ["MITAPO_PORT"] = str(bound.sock.getsockname()[1])
            print(f"みたポ is serving at {site}/  (API reference: {site}/schema)")
            print(f"  {database_line}")
            print("  Ctrl-C stops it.", flush=True)
            try:
                started = serving.run(bound, args.workers)
            finally:
                if writer is not None:
                    writer.stop()
    finally:
        bound.sock.close()
    return 0 if started else 3


def _writer_process(mode: str, settings: Settings, url: str) -> WriterProcess | None:
    """With `--writer process`, the group-commit writer's own process, started before the workers, which
    find its socket in MITAPO_WRITER_SOCKET (`mitapo.writer_process`); with `inline`, none: each worker writes
    with a writer on its own event loop."""
    os.environ.pop(SOCKET_ENV, None)
    if mode != "process":
        return None
    writer = WriterProcess(url, batch_max=settings.batch_max, log_json=settings.log_json)
    writer.start()
    os.environ[SOCKET_ENV] = writer.path
    return writer


def cmd_stop(_: argparse.Namespace) -> int:
    settings = Settings.from_env()
    pid = embedded.stop(settings.data_dir)
    where = settings.data_dir / "pg"
    print(
        f"stopped the embedded PostgreSQL under {where} (pid {pid})" if pid else f"nothing runs under {where}"
    )
    return 0


def cmd_token_create(args: argparse.Namespace) -> int:
    if args.role not in ("admin", "auditor", "organizer", "clerk"):
        print("token create makes admin, auditor, organizer or clerk secrets", file=sys.stderr)
        return 2

    async def job(runtime: Runtime) -> tuple[str, str]:
        return await auth.create_principal(runtime.db, args.role, args.name, actor=staff_log.COMMAND_LINE)

    principal_id, secret = _with_runtime(job)
    print(f"created {args.role} {principal_id} ({args.name}); the secret is shown once:")
    print(secret)
    return 0


def cmd_token_rotate(args: argparse.Namespace) -> int:
    """A new secret for a principal: the old one works for the grace period, or not at all if the principal
    was revoked (then this is how it gets a secret again)."""
    from datetime import timedelta

    from mitapo.engine.errors import NotFound

    async def job(runtime: Runtime) -> credentials.Rotated:
        grace = timedelta(
            seconds=runtime.settings.rotation_grace_seconds if args.grace is None else args.grace
        )
        return await credentials.rotate(
            runtime.db, args.principal, grace, actor=staff_log.COMMAND_LINE, reason=args.reason
        )

    try:
        rotated = _with_runtime(job)
    except NotFound:
        print(f"no principal {args.principal}", file=sys.stderr)
        return 1
    until = rotated.previous_valid_until.isoformat()
    print(f"rotated {args.principal}; the previous secret works until {until}")
    print("the new secret is shown once:")
    print(rotated.token)
    return 0


def cmd_token_revoke(args: argparse.Namespace) -> int:
    """Stop every secret of a principal at once (`POST /v1/principals/{id}/revocation` without an admin)."""
    from mitapo.engine.errors import DomainError

    async def job(runtime: Runtime) -> int:
        return await credentials.revoke(
            runtime.db, args.principal, actor=staff_log.COMMAND_LINE, reason=args.reason
        )

    try:
        stopped = _with_runtime(job)
    except DomainError as refusal:
        print(f"{args.principal}: {refusal.detail}", file=sys.stderr)
        return 1
    print(f"revoked {args.principal}: {stopped} secret(s) stopped; `mitapo token rotate` issues a new one")
    return 0


def cmd_audit_verify(_: argparse.Namespace) -> int:
    async def job(runtime: Runtime) -> reports.Verification:
        await runtime.seal_now()
        return await reports.verify(runtime.db)

    result = _with_runtime(job)
    print(
        json.dumps(
            {
                "ok": result.ok,
                "entries_checked": result.entries_checked,
                "head": {"seq": result.head_seq, "hash": result.head_hash},
            },
            ensure_ascii=False,
        )
    )
    for problem in result.problems:
        print(
            f"PROBLEM {problem['code']} seq={problem['seq']} entry={problem['entry_id']}: {problem['detail']}"
        )
    return 0 if result.ok else 1


def cmd_keys_rotate(_: argparse.Namespace) -> int:
    """As the console's button does (`audit.signing.rotate`): the new key published and the rotation in the
    staff action log (actor `cli`) in one transaction, then current for every process of the service."""

    async def job(runtime: Runtime) -> signing.RotatedKey:
        return await signing.rotate(runtime.db, runtime.settings.key_path, actor=staff_log.COMMAND_LINE)

    rotated = _with_runtime(job)
    ring = load_keyring(Settings.from_env().key_path)
    earlier = len(ring.private_keys) - 1
    print(f"signing with {rotated.kid}; {earlier} earlier key(s) kept for verifying")
    return 0


def cmd_db_roles(args: argparse.Namespace) -> int:
    """Run as a superuser once, then as the owner after each migration; passwords come only from the
    environment (MITAPO_DB_OWNER_PASSWORD, ...) so that they never sit in a shell's history."""
    import asyncpg

    from mitapo.engine import roles

    names = roles.RoleNames(owner=args.owner, service=args.service, auditor=args.auditor)
    passwords = {
        getattr(args, kind): os.environ[variable]
        for kind in ("owner", "service", "auditor")
        if os.environ.get(variable := f"MITAPO_DB_{kind.upper()}_PASSWORD")
    }

    async def main() -> roles.Applied:
        conn = await asyncpg.connect(url)
        try:
            return await roles.apply(conn, names, passwords)
        finally:
            await conn.close()

    with _database(Settings.from_env()) as (url, _said):
        applied = asyncio.run(main())
    print(f"roles created: {', '.join(applied.created) or 'none (all existed)'}")
    print(f"{names.service} may only INSERT and SELECT: {', '.join(applied.journal_tables)}")
    print(f"{names.auditor} may only SELECT; {names.owner} owns the schema and runs migrations")
    return 0


def cmd_expire(args: argparse.Namespace) -> int:
    from mitapo.engine import clock
    from mitapo.points import expiry

    today = args.date or clock.tokyo_date(clock.now())

    async def job(runtime: Runtime) -> expiry.ExpiryReport:
        return await expiry.run(runtime.db, today)

    report = _with_runtime(job)
    print(json.dumps({"expired_before": today.isoformat(), **dataclasses.asdict(report)}))
    return 0


def cmd_cashback(_: argparse.Namespace) -> int:
    from mitapo.payments import cashback

    async def job(runtime: Runtime) -> list[dict[str, object]]:
        return await cashback.run(runtime.db)

    credited = _with_runtime(job)
    print(json.dumps({"credited": credited}, ensure_ascii=False))
    return 0


def cmd_demo(_: argparse.Namespace) -> int:
    settings = Settings.from_env()
    with _database(settings) as (url, _said):
        print(_load_demo(settings, url, settings.site_url))
    return 0


def _load_demo(settings: Settings, url: str, site: str) -> str:
    """Load the demo town (once; later only its secrets and links again), with links to `site`."""
    from mitapo.demo import load as demo

    async def job(runtime: Runtime) -> str:
        return await demo.load(runtime, settings.data_dir, site)

    return _run_job(settings, url, job)


def _use_demo_payer() -> None:
    from mitapo.demo import load as demo

    demo.use_demo_payer()


def parser() -> argparse.ArgumentParser:
    top = argparse.ArgumentParser(prog="mitapo", description="みたポ, Mitaka's community point service")
    sub = top.add_subparsers(dest="command", required=True)
    serve = sub.add_parser("serve", help="migrate, then serve HTTP")
    serve.add_argument("--host", help="address to listen on (default: MITAPO_HOST, else 127.0.0.1)")
    serve.add_argument("--port", type=int, help="port to listen on (default: MITAPO_PORT, else 8000)")
    serve.add_argument(
        "--workers",
        type=int,
        default=int(os.environ.get("MITAPO_WORKERS", "1")),
        help="worker processes (default: MITAPO_WORKERS, else 1)",
    )
    serve.add_argument(
        "--writer",
        choices=["inline", "process"],
        default=os.environ.get("MITAPO_WRITER", "inline"),
        help="the group-commit writer on each worker's event loop (inline) or in one process of its own "
        "that every worker hands its commands to (process) (default: MITAPO_WRITER, else inline)",
    )
    serve.add_argument(
        "--demo", action="store_true", help="load the demo town first and print its sign-in links"
    )
    serve.set_defaults(run=cmd_serve)
    sub.add_parser("stop", help="stop the embedded PostgreSQL of the data directory").set_defaults(
        run=cmd_stop
    )
    sub.add_parser("migrate", help="apply the migrations").set_defaults(run=cmd_migrate)
    token = sub.add_parser("token", help="secrets").add_subparsers(dest="token_command", required=True)
    create = token.add_parser("create", help="create an admin, auditor, organizer or clerk secret")
    create.add_argument("--role", required=True)
    create.add_argument("--name", required=True)
    create.set_defaults(run=cmd_token_create)
    rotate_token = token.add_parser(
        "rotate", help="a new secret for a principal; the old one has a grace period"
    )
    rotate_token.add_argument("--principal", required=True, help="the principal's id (mk_…, op_…, org_…)")
    rotate_token.add_argument(
        "--grace",
        type=int,
        help="seconds the old secret keeps working (default MITAPO_ROTATION_GRACE_SECONDS)",
    )
    rotate_token.add_argument("--reason", default="", help="kept in the staff action log")
    rotate_token.set_defaults(run=cmd_token_rotate)
    revoke_token = token.add_parser("revoke", help="stop every secret of a principal at once")
    revoke_token.add_argument("--principal", required=True, help="the principal's id")
    revoke_token.add_argument("--reason", required=True, help="kept in the staff action log")
    revoke_token.set_defaults(run=cmd_token_revoke)
    sub.add_parser("demo", help="load a demo town").set_defaults(run=cmd_demo)
    sub.add_parser("cashback", help="credit cashback for the months that ended").set_defaults(
        run=cmd_cashback
    )
    expire = sub.add_parser("expire", help="move points whose date has passed to breakage")
    expire.add_argument("--date", type=date.fromisoformat, help="expire lots dated before this day")
    expire.set_defaults(run=cmd_expire)
    audit_cmd = sub.add_parser("audit", help="audits").add_subparsers(dest="audit_command", required=True)
    audit_cmd.add_parser("verify", help="verify chain, signatures, sums, balances").set_defaults(
        run=cmd_audit_verify
    )
    keys = sub.add_parser("keys", help="signing keys").add_subparsers(dest="keys_command", required=True)
    keys.add_parser("rotate", help="make a new signing key current").set_defaults(run=cmd_keys_rotate)
    db = sub.add_parser("db", help="database administration").add_subparsers(dest="db_command", required=True)
    roles = db.add_parser("roles", help="create the owner, service and auditor roles; grant least privilege")
    for kind in ("owner", "service", "auditor"):
        roles.add_argument(f"--{kind}", default=f"mitapo_{kind}", help=f"name of the {kind} role")
    roles.set_defaults(run=cmd_db_roles)
    return top


def main(argv: Sequence[str] | None = None) -> int:
    logs.configure(json_lines=False)
    args = parser().parse_args(argv)
    code: int = args.run(args)
    return code


if __name__ == "__main__":
    raise SystemExit(main())
