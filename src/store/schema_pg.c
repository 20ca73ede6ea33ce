/*
 * schema_pg.c: the migrations of schema.c in PostgreSQL's dialect.
 * PROVISIONAL: placeholders so pg.c links; the pgschema branch writes the real DDL.
 */
#include <stddef.h>

#include "store/schema.h"
#include "core/banned.h"

const char *const store_migrations_pg[] = {
    "SELECT 1", "SELECT 1", "SELECT 1", "SELECT 1", "SELECT 1", "SELECT 1",
    /* 7: state shared by several servers (schema.c) */
    "CREATE TABLE login_failures (key TEXT PRIMARY KEY, window_start BIGINT NOT NULL,"
    " failures BIGINT NOT NULL);"
    "CREATE INDEX login_failures_start ON login_failures(window_start);"
    "CREATE TABLE node_leases (name TEXT PRIMARY KEY, holder TEXT NOT NULL,"
    " at BIGINT NOT NULL, expires_at BIGINT NOT NULL);",
    NULL,
};
