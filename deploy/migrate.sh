#!/bin/sh
# The one-shot migration job (compose's `migrate`, systemd's mitapo-migrate.service), run before each start:
#   1. as a superuser: create the roles if missing, set their passwords, hand the schema to the owner;
#   2. as the owner: apply the migrations;
#   3. as the owner: grant the service and the auditor exactly what the new schema needs.
# MITAPO_ADMIN_DATABASE_URL and MITAPO_OWNER_DATABASE_URL are postgresql:// URLs of the same database.
set -eu

: "${MITAPO_ADMIN_DATABASE_URL:?set MITAPO_ADMIN_DATABASE_URL (a superuser) to create the roles}"
: "${MITAPO_OWNER_DATABASE_URL:?set MITAPO_OWNER_DATABASE_URL (the owner role) to migrate}"
mitapo=${MITAPO_BIN:-mitapo}
owner=${MITAPO_DB_OWNER:-mitapo_owner}
service=${MITAPO_DB_SERVICE:-mitapo_service}
auditor=${MITAPO_DB_AUDITOR:-mitapo_auditor}

roles() {
    "$mitapo" db roles --owner "$owner" --service "$service" --auditor "$auditor"
}

MITAPO_DATABASE_URL=$MITAPO_ADMIN_DATABASE_URL roles
unset MITAPO_DB_OWNER_PASSWORD MITAPO_DB_SERVICE_PASSWORD MITAPO_DB_AUDITOR_PASSWORD
MITAPO_DATABASE_URL=$MITAPO_OWNER_DATABASE_URL "$mitapo" migrate
MITAPO_DATABASE_URL=$MITAPO_OWNER_DATABASE_URL roles
