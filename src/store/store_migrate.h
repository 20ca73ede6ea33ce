/*
 * store_migrate.h: copy a whole store into another one (SQLite or PostgreSQL, either way) and
 * verify the copy table by table (`cxgarden migrate`, src/app/migrate.c).
 *
 * What is copied: every table of the schema (store_migrate_table), in dependency order,
 * with its ids. What is not: schema_version (both sides are at the same version: store_open
 * brings them there), SQLite's sqlite_sequence (kept by SQLite from the ids inserted) and
 * PostgreSQL's lookup tables of external ids (kept by its triggers). Special cases:
 * - meta: every key but 'store.id'. The target keeps the identity it got when it was
 *   created, so a snapshot file or a change-log consumer of the source reloads from the
 *   tables instead of replaying a log that belongs to another database.
 * - changes: the source's change log is copied verbatim (same seq, same ranges) after every
 *   other table; the rows the target's triggers wrote during the copy are dropped first, so
 *   the log's head on the target is the source's head.
 * - ledger_points and read_gen hold rows the migrations seed: the target's are replaced.
 * - the scale-out cluster's tables (migration 8: cluster_meta, cluster_nodes, shard_leases,
 *   shard_partials, cluster_state, cluster_pub) are derived state the nodes rebuild: not
 *   copied nor verified; the target's rows are deleted, but for cluster_pub's counter.
 * - PostgreSQL target: each identity sequence is set past the largest id copied.
 */
#ifndef CXG_STORE_MIGRATE_H
#define CXG_STORE_MIGRATE_H

#include <stddef.h>
#include <stdint.h>

#include "store/store.h"

/* At most this many tables in the schema. */
#define STORE_MIGRATE_MAX_TABLES 64

/* One table's verification figures on one side. */
struct store_table_sum {
        const char *table; /* static */
        int64_t rows;
        /*
         * Order-independent checksum: the sum (mod 2^64, per lane) of a BLAKE2b-128 hash of
         * each row's canonical form (per column: NULL, integer, float bits or bytes with
         * their length), over the columns both sides have, in the source's column order.
         */
        uint64_t sum[2];
};

struct store_migrate_report {
        size_t n; /* tables */
        struct store_table_sum from[STORE_MIGRATE_MAX_TABLES], to[STORE_MIGRATE_MAX_TABLES];
        int64_t copied; /* rows copied in all */
};

/* The i-th table of the schema the copy knows (copied or, derived, skipped), in dependency
 * order (from 0); NULL past the last. */
const char *store_migrate_table(size_t i);

/* Replace the target's rows instead of refusing a non-empty target. */
#define STORE_MIGRATE_REPLACE 0x1u

/*
 * Copy every table of from into to. to must be in a transaction (store_begin) and from should
 * be in a read transaction (store_read_begin) so the copy is one consistent snapshot. A target
 * holding rows is CXG_ERR_CONFLICT naming the table, unless flags has STORE_MIGRATE_REPLACE
 * (then the target's rows are deleted first; append-only tables that hold rows refuse it).
 * Both stores must be at the same schema version (CXG_ERR_INVALID otherwise).
 */
enum cxg_err store_migrate_copy(struct store *from, struct store *to, unsigned flags,
                                struct store_migrate_report *rep, struct cxg_error *err) CXG_WUR;

/*
 * Count and checksum every table on both sides into rep (from and to). CXG_ERR_CONFLICT,
 * naming the first table that differs (row count or checksum), when they are not equal.
 */
enum cxg_err store_migrate_verify(struct store *from, struct store *to,
                                  struct store_migrate_report *rep, struct cxg_error *err) CXG_WUR;

/*
 * A read-only transaction (one snapshot of the data) on s: BEGIN on SQLite, REPEATABLE READ
 * on PostgreSQL. store_read_end ends it (nothing was written).
 */
enum cxg_err store_read_begin(struct store *s, struct cxg_error *err) CXG_WUR;
void store_read_end(struct store *s);

#endif
