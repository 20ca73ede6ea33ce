/*
 * migrate.h: `cxgarden migrate`: copy a whole store into another (SQLite path or PostgreSQL
 * address on either side) in one transaction on the target, verified per table before it
 * commits (see src/store/store_migrate.h for what is copied and how it is checked).
 */
#ifndef CXG_APP_MIGRATE_H
#define CXG_APP_MIGRATE_H

#include "core/err.h"
#include "store/store_migrate.h"

/*
 * Copy the store at from into the store at to (created when missing), then verify it:
 * nothing is committed unless every table's row count and checksum are equal on both
 * sides. flags: STORE_MIGRATE_REPLACE to overwrite a target that has rows. rep receives the
 * figures (also on a verification failure: CXG_ERR_CONFLICT naming the table).
 */
enum cxg_err app_migrate(const char *from, const char *to, unsigned flags,
                         struct store_migrate_report *rep, struct cxg_error *err) CXG_WUR;

/* Only verify: compare the two stores table by table (read-only on both). */
enum cxg_err app_migrate_verify(const char *from, const char *to, struct store_migrate_report *rep,
                                struct cxg_error *err) CXG_WUR;

#endif
