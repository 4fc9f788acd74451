"""Every file in deploy/ is checked here with the tool that owns its format, where the tool is installed
(.ci/run installs caddy, shellcheck and systemd from Debian's packages): the proxy's own validator,
shellcheck, systemd-analyze. What needs a Docker engine is parsed and cross-checked instead."""

from __future__ import annotations

import configparser
import json
import os
import re
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.deploy.processes import DEPLOY, ROOT

SCRIPTS = sorted([*DEPLOY.glob("*.sh"), *DEPLOY.glob("*/*.sh")])
UNITS = sorted(DEPLOY.glob("systemd/*.service")) + sorted(DEPLOY.glob("systemd/*.timer"))
INSTALLED = Path("/opt/mitapo/app")  # where the units and the image expect the repository


def tool(name: str) -> str:
    path = shutil.which(name)
    if path is None:
        pytest.skip(f"{name} is not installed here")
    return path


def test_every_deploy_file_is_checked_by_some_test() -> None:
    checked = {
        *SCRIPTS,
        *UNITS,
        DEPLOY / "compose.yaml",
        DEPLOY / "Containerfile",
        DEPLOY / "caddy/Caddyfile",
    }
    checked |= {DEPLOY / "postgresql/mitapo.conf", DEPLOY / "mitapo.env.example"}
    present = {p for p in DEPLOY.rglob("*") if p.is_file()}
    assert present == checked, f"unchecked: {sorted(map(str, present - checked))}"


def caddy(command: str) -> subprocess.CompletedProcess[str]:
    """`caddy validate` or `caddy adapt` of the deploy config, with two upstreams as compose would give."""
    env = {
        **os.environ,
        "MITAPO_DOMAIN": "mitapo.localhost",
        "MITAPO_UPSTREAMS": "127.0.0.1:8000 127.0.0.1:8001",
    }
    return subprocess.run(
        [tool("caddy"), command, "--config", str(DEPLOY / "caddy/Caddyfile"), "--adapter", "caddyfile"],
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )


def test_caddy_validates_the_proxy_config() -> None:
    done = caddy("validate")
    assert done.returncode == 0, done.stderr
    assert "Valid configuration" in done.stdout + done.stderr


def _nodes(tree: Any) -> Iterator[dict[str, Any]]:
    if isinstance(tree, dict):
        yield tree
        for value in tree.values():
            yield from _nodes(value)
    elif isinstance(tree, list):
        for value in tree:
            yield from _nodes(value)


def test_caddy_balances_over_every_upstream_and_hides_metrics() -> None:
    done = caddy("adapt")
    assert done.returncode == 0, done.stderr
    nodes = list(_nodes(json.loads(done.stdout)))
    proxy = next(n for n in nodes if n.get("handler") == "reverse_proxy")
    assert [u["dial"] for u in proxy["upstreams"]] == ["127.0.0.1:8000", "127.0.0.1:8001"]
    assert proxy["health_checks"]["active"]["uri"] == "/readyz"
    hidden = next(n for n in nodes if {"path": ["/metrics"]} in n.get("match", []))
    assert any(h.get("status_code") == 404 for h in hidden["handle"])


@pytest.mark.parametrize("script", SCRIPTS, ids=lambda p: p.name)
def test_shellcheck(script: Path) -> None:
    done = subprocess.run([tool("shellcheck"), str(script)], capture_output=True, text=True, check=False)
    assert done.returncode == 0, done.stdout
    assert os.access(script, os.X_OK), f"{script} is not executable"


def test_systemd_units_verify() -> None:
    """Only complaint allowed: the scripts are not installed at /opt/mitapo/app on this machine; each of
    them must exist (and be executable) in the repository's deploy/."""
    done = subprocess.run(
        [tool("systemd-analyze"), "verify", "--man=no", *map(str, UNITS)],
        capture_output=True,
        text=True,
        check=False,
    )
    missing = re.compile(r"Command (/opt/mitapo/app/(\S+)) is not executable")
    for line in (done.stdout + done.stderr).splitlines():
        found = missing.search(line)
        assert found, f"systemd-analyze: {line}"
        in_repo = ROOT / found.group(2)
        assert in_repo.is_file() and os.access(in_repo, os.X_OK), line


def test_systemd_units_reference_what_exists() -> None:
    for unit in UNITS:
        parser = configparser.ConfigParser(strict=False, interpolation=None)
        parser.optionxform = str  # type: ignore[assignment,method-assign]
        parser.read(unit)
        if unit.suffix == ".timer":
            assert (unit.with_suffix(".service")).exists()
            continue
        command = parser["Service"]["ExecStart"].split()[0]
        assert (ROOT / Path(command).relative_to(INSTALLED)).is_file(), command
    service = configparser.ConfigParser(strict=False, interpolation=None)
    service.read(DEPLOY / "systemd/mitapo.service")
    assert service["Unit"]["Requires"] == "mitapo-migrate.service"
    assert service["Service"]["User"] == "mitapo" and service["Service"]["NoNewPrivileges"] == "yes"


def compose() -> dict:
    return yaml.safe_load((DEPLOY / "compose.yaml").read_text())


def test_compose_has_database_migration_job_service_and_tls_proxy() -> None:
    services = compose()["services"]
    assert {"postgres", "migrate", "app", "proxy"} <= set(services)
    assert services["migrate"]["depends_on"]["postgres"]["condition"] == "service_healthy"
    assert services["migrate"]["restart"] == "no"
    assert services["app"]["depends_on"]["migrate"]["condition"] == "service_completed_successfully"
    assert services["proxy"]["depends_on"]["app"]["condition"] == "service_healthy"
    published = {name for name, spec in services.items() if spec.get("ports")}
    assert published == {"proxy"}, "only the TLS proxy faces the network"
    assert {"80:80", "443:443"} <= set(services["proxy"]["ports"])


def test_compose_runs_each_job_as_its_own_role() -> None:
    services = compose()["services"]
    assert "//mitapo_service:" in services["app"]["environment"]["MITAPO_DATABASE_URL"]
    assert "//mitapo_owner:" in services["migrate"]["environment"]["MITAPO_OWNER_DATABASE_URL"]


def test_compose_mounts_only_files_that_exist() -> None:
    for name, spec in compose()["services"].items():
        for volume in spec.get("volumes", []):
            source = volume.split(":")[0]
            if source.startswith("."):
                assert (DEPLOY / source).exists(), f"{name}: {source}"
        for command_key in ("command", "entrypoint"):
            command = spec.get(command_key)
            if isinstance(command, list) and command[0].startswith("/opt/mitapo/app/"):
                assert (ROOT / Path(command[0]).relative_to(INSTALLED)).is_file(), command


def test_containerfile_copies_what_exists_and_runs_the_start_script() -> None:
    lines = (DEPLOY / "Containerfile").read_text().splitlines()
    copies = [line.split()[1:-1] for line in lines if line.startswith("COPY ")]
    assert copies, "the image copies the application in"
    for sources in copies:
        for source in sources:
            assert (ROOT / source).exists(), source
    assert any(line.startswith("USER ") and "root" not in line for line in lines), "never run as root"
    cmd = next(line for line in lines if line.startswith("CMD "))
    assert '"/opt/mitapo/app/deploy/start.sh"' in cmd


def test_postgresql_settings_the_ledger_relies_on() -> None:
    settings = {}
    for line in (DEPLOY / "postgresql/mitapo.conf").read_text().splitlines():
        line = line.split("#", 1)[0].strip()
        if line:
            key, _, value = line.partition("=")
            settings[key.strip()] = value.strip().strip("'")
    for key, value in {
        "synchronous_commit": "on",
        "fsync": "on",
        "full_page_writes": "on",
        "wal_level": "replica",
        "archive_mode": "on",
    }.items():
        assert settings.get(key) == value, key
    assert settings["archive_command"].startswith("/usr/local/bin/mitapo-archive-wal %p %f ")


def test_env_example_names_every_variable_compose_requires() -> None:
    required = set(re.findall(r"\$\{(\w+):\?", (DEPLOY / "compose.yaml").read_text()))
    example = {
        line.split("=", 1)[0]
        for line in (DEPLOY / "mitapo.env.example").read_text().splitlines()
        if line and not line.startswith("#")
    }
    assert required and required <= example, required - example


def test_the_service_in_compose_serves_metrics_only_with_a_secret() -> None:
    """Issue 18, finding 5: deploy/ runs the service with a metrics secret, required, never a default."""
    environment = compose()["services"]["app"]["environment"]
    assert re.fullmatch(r"\$\{MITAPO_METRICS_SECRET:\?.+\}", environment["MITAPO_METRICS_SECRET"])


def test_caddy_hides_every_metrics_path() -> None:
    done = caddy("adapt")
    assert done.returncode == 0, done.stderr
    nodes = list(_nodes(json.loads(done.stdout)))
    hidden = [n for n in nodes if any(set(m.get("path", [])) & {"/metrics/*"} for m in n.get("match", []))]
    assert hidden and all(any(h.get("status_code") == 404 for h in n["handle"]) for n in hidden)


def _hsts_values(tree: Any) -> list[str]:
    found: list[str] = []
    for node in _nodes(tree):
        for name, values in node.get("response", {}).get("set", {}).items():
            if name.lower() == "strict-transport-security":
                found.extend(values)
    return found


def test_the_proxy_sends_hsts_for_a_year_on_every_answer() -> None:
    """Issue 18, finding 6: the sign-in link carries a secret; after one visit the browser never again asks
    the service over plain http, where a network on the way could read or rewrite it."""
    done = caddy("adapt")
    assert done.returncode == 0, done.stderr
    values = _hsts_values(json.loads(done.stdout))
    assert values, "no Strict-Transport-Security header"
    for value in values:
        max_age = int(re.search(r"max-age=(\d+)", value).group(1))  # type: ignore[union-attr]
        assert max_age >= 31_536_000 and "includeSubDomains" in value, value
