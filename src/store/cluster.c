/*
 * cluster.c: what the engine nodes of a scale-out cluster share through the database
 * (store_cluster.h, migration 8): the shard count, heartbeats, shard leases and their
 * balancing, the shards' baseline partials, the published per-account and per-person state,
 * and the interaction scan of some shards only. Every step that writes is one transaction
 * (store_begin: BEGIN IMMEDIATE on SQLite, the write lock on PostgreSQL), and every lease
 * taking is a conditional UPDATE besides, so two nodes never hold one shard.
 */
#include <stdio.h>
#include <string.h>

#include "core/alloc.h"
#include "core/banned.h"
#include "core/buf.h"
#include "core/grow.h"
#include "store/pg_copy.h"
#include "store/store_cluster.h"
#include "store/store_int.h"

/* Room for one shard number and its comma in a list. */
#define LIST_DIGITS 12

static enum cxg_err stmt_fail(struct cxg_error *err)
{
        return err && err->code ? err->code : CXG_ERR_STORE;
}

/* A step: the body of a transaction (own one, or a savepoint inside the caller's). */
typedef enum cxg_err (*tx_body)(struct store *s, void *ctx, struct cxg_error *err);

static enum cxg_err in_tx(struct store *s, tx_body body, void *ctx, struct cxg_error *err)
{
        int own;
        enum cxg_err rc = store_tx_open(s, &own, err);

        if (rc)
                return rc;
        return store_tx_close(s, own, body(s, ctx, err), err);
}

/* Run st (bound) to its end: no rows expected. */
static enum cxg_err run(struct store *s, struct sdb_stmt *st, const char *what,
                        struct cxg_error *err)
{
        return st ? store_step_done(s, st, what, err) : stmt_fail(err);
}

/* Copy text column i into out (capacity cap), "" for NULL. */
static void col_copy(struct sdb_stmt *st, int i, char *out, size_t cap)
{
        const char *v = store_col_text(st, i);

        snprintf(out, cap, "%s", v ? v : "");
}

/* ---- the shard count ---- */

/* Insert the lease rows 0..n-1 that are missing. */
static enum cxg_err lease_rows(struct store *s, uint32_t n, struct cxg_error *err)
{
        struct sdb_stmt *st = store_stmt(s,
                                         "WITH RECURSIVE k(v) AS (SELECT 0 UNION ALL"
                                         " SELECT v + 1 FROM k WHERE v + 1 < ?1)"
                                         " INSERT INTO shard_leases(shard) SELECT v FROM k"
                                         " WHERE true ON CONFLICT (shard) DO NOTHING",
                                         err);

        if (st)
                sdb_bind_int64(st, 1, n);
        return run(s, st, "create shard leases", err);
}

static enum cxg_err setup_body(struct store *s, void *ctx, struct cxg_error *err)
{
        uint32_t n = *(const uint32_t *)ctx;
        struct sdb_stmt *st = store_stmt(s, "SELECT n_shards FROM cluster_meta WHERE id = 1", err);
        int64_t have = 0;
        int rc;

        if (!st)
                return stmt_fail(err);
        rc = sdb_step(st);
        if (rc == SDB_ROW) {
                have = sdb_column_int64(st, 0);
                rc = SDB_DONE;
        }
        sdb_reset(st);
        if (rc != SDB_DONE)
                return store_db_err(s, rc, "read the cluster's shard count", err);
        if (have && have != (int64_t)n)
                return cxg_error_set(err, CXG_ERR_CONFLICT,
                                     "cluster: this database is cut into %lld shards, not %u: "
                                     "every account's shard depends on the count, so start "
                                     "the node with --shards %lld",
                                     (long long)have, n, (long long)have);
        if (!have) {
                st = store_stmt(s, "INSERT INTO cluster_meta(id, n_shards) VALUES (1, ?1)", err);
                if (st)
                        sdb_bind_int64(st, 1, n);
                if ((rc = run(s, st, "record the cluster's shard count", err)))
                        return (enum cxg_err)rc;
        }
        return lease_rows(s, n, err);
}

enum cxg_err store_cluster_setup(struct store *s, uint32_t n_shards, struct cxg_error *err)
{
        if (n_shards < 1 || n_shards > CXG_SHARDS_MAX)
                return cxg_error_set(err, CXG_ERR_INVALID,
                                     "cluster: %u shards: the count must be 1 to %d", n_shards,
                                     CXG_SHARDS_MAX);
        return in_tx(s, setup_body, &n_shards, err);
}

/* ---- nodes ---- */

enum cxg_err store_cluster_heartbeat(struct store *s, const struct store_node_info *me, int64_t now,
                                     int64_t ttl_s, struct cxg_error *err)
{
        struct sdb_stmt *st = store_stmt(
            s,
            "INSERT INTO cluster_nodes (name, url, started_at, seen_at, expires_at, info)"
            " VALUES (?1, ?2, ?3, ?4, ?5, ?6) ON CONFLICT (name) DO UPDATE SET"
            " url = excluded.url, seen_at = excluded.seen_at, expires_at = excluded.expires_at,"
            " info = excluded.info, started_at = CASE WHEN excluded.started_at >"
            " cluster_nodes.started_at THEN excluded.started_at ELSE cluster_nodes.started_at END",
            err);

        if (!me->name[0])
                return cxg_error_set(err, CXG_ERR_INVALID, "heartbeat: the node has no name");
        if (!st)
                return stmt_fail(err);
        sdb_bind_text(st, 1, me->name, -1, SDB_STATIC);
        sdb_bind_text(st, 2, me->url, -1, SDB_STATIC);
        sdb_bind_int64(st, 3, me->started_at ? me->started_at : now);
        sdb_bind_int64(st, 4, now);
        sdb_bind_int64(st, 5, now + ttl_s);
        sdb_bind_text(st, 6, me->info, -1, SDB_STATIC);
        return store_step_done(s, st, "record a node's heartbeat", err);
}

/* Give up every lease of name at once. */
static enum cxg_err release_all(struct store *s, const char *name, struct cxg_error *err)
{
        struct sdb_stmt *st = store_stmt(
            s, "UPDATE shard_leases SET holder = '', expires_at = 0 WHERE holder = ?1", err);

        if (st)
                sdb_bind_text(st, 1, name, -1, SDB_STATIC);
        return run(s, st, "release shard leases", err);
}

static enum cxg_err leave_body(struct store *s, void *ctx, struct cxg_error *err)
{
        const char *name = ctx;
        struct sdb_stmt *st = store_stmt(s, "DELETE FROM cluster_nodes WHERE name = ?1", err);
        enum cxg_err rc;

        if (st)
                sdb_bind_text(st, 1, name, -1, SDB_STATIC);
        if ((rc = run(s, st, "remove a node", err)))
                return rc;
        return release_all(s, name, err);
}

enum cxg_err store_cluster_leave(struct store *s, const char *name, struct cxg_error *err)
{
        return in_tx(s, leave_body, (void *)name, err);
}

enum cxg_err store_cluster_nodes(struct store *s, int64_t now, int include_dead,
                                 struct store_node_info **out, size_t *n, struct cxg_error *err)
{
        struct sdb_stmt *st = store_stmt(s,
                                         "SELECT name, url, started_at, seen_at, expires_at, info"
                                         " FROM cluster_nodes WHERE ?1 <> 0 OR expires_at > ?2"
                                         " ORDER BY name",
                                         err);
        size_t cap = 0;
        int rc;

        *out = NULL;
        *n = 0;
        if (!st)
                return stmt_fail(err);
        sdb_bind_int64(st, 1, include_dead ? 1 : 0);
        sdb_bind_int64(st, 2, now);
        while ((rc = sdb_step(st)) == SDB_ROW) {
                struct store_node_info *x;

                if (CXG_GROW(*out, *n + 1, cap, CXG_GROW_NOCAP)) {
                        sdb_reset(st);
                        cxg_free(*out);
                        *out = NULL;
                        *n = 0;
                        return cxg_error_set(err, CXG_ERR_NOMEM, "list nodes: out of memory");
                }
                x = &(*out)[(*n)++];
                col_copy(st, 0, x->name, sizeof(x->name));
                col_copy(st, 1, x->url, sizeof(x->url));
                x->started_at = sdb_column_int64(st, 2);
                x->seen_at = sdb_column_int64(st, 3);
                x->expires_at = sdb_column_int64(st, 4);
                col_copy(st, 5, x->info, sizeof(x->info));
        }
        sdb_reset(st);
        if (rc != SDB_DONE) {
                cxg_free(*out);
                *out = NULL;
                *n = 0;
                return store_db_err(s, rc, "list nodes", err);
        }
        return CXG_OK;
}

/* ---- shard leases ---- */

struct balance {
        const char *node;
        int64_t now, ttl_s;
        uint32_t n, min_nodes;
        struct cxg_shardset *owned;
};

/*
 * node's target: n / m + (rank < n % m), m = max(live, min_nodes), live nodes by name (node
 * itself counts).
 */
static enum cxg_err target_of(struct store *s, const struct balance *b, uint32_t *target,
                              struct cxg_error *err)
{
        struct sdb_stmt *st = store_stmt(s,
                                         "SELECT count(*), coalesce(sum(CASE WHEN name < ?1"
                                         " THEN 1 ELSE 0 END), 0), coalesce(sum(CASE WHEN"
                                         " name = ?1 THEN 1 ELSE 0 END), 0) FROM cluster_nodes"
                                         " WHERE expires_at > ?2",
                                         err);
        int64_t live = 0, rank = 0, self = 0;
        int rc;

        if (!st)
                return stmt_fail(err);
        sdb_bind_text(st, 1, b->node, -1, SDB_STATIC);
        sdb_bind_int64(st, 2, b->now);
        rc = sdb_step(st);
        if (rc == SDB_ROW) {
                live = sdb_column_int64(st, 0);
                rank = sdb_column_int64(st, 1);
                self = sdb_column_int64(st, 2);
                rc = SDB_DONE;
        }
        sdb_reset(st);
        if (rc != SDB_DONE)
                return store_db_err(s, rc, "count live nodes", err);
        live += !self;
        if (live < (int64_t)b->min_nodes)
                live = b->min_nodes;
        *target = b->n / (uint32_t)live + ((uint32_t)rank < b->n % (uint32_t)live);
        return CXG_OK;
}

/* The shards (below n) whose lease node holds, into set. */
static enum cxg_err held(struct store *s, const struct balance *b, struct cxg_shardset *set,
                         struct cxg_error *err)
{
        struct sdb_stmt *st = store_stmt(
            s, "SELECT shard FROM shard_leases WHERE holder = ?1 AND shard < ?2 ORDER BY shard",
            err);
        int rc;

        cxg_shardset_init(set, b->n, 0);
        if (!st)
                return stmt_fail(err);
        sdb_bind_text(st, 1, b->node, -1, SDB_STATIC);
        sdb_bind_int64(st, 2, b->n);
        while ((rc = sdb_step(st)) == SDB_ROW)
                cxg_shardset_add(set, (uint32_t)sdb_column_int64(st, 0));
        sdb_reset(st);
        return rc == SDB_DONE ? CXG_OK : store_db_err(s, rc, "read shard leases", err);
}

/* Release node's shard k (only its own). */
static enum cxg_err release_one(struct store *s, const struct balance *b, uint32_t k,
                                struct cxg_error *err)
{
        struct sdb_stmt *st = store_stmt(s,
                                         "UPDATE shard_leases SET holder = '', expires_at = 0"
                                         " WHERE shard = ?1 AND holder = ?2",
                                         err);

        if (st) {
                sdb_bind_int64(st, 1, k);
                sdb_bind_text(st, 2, b->node, -1, SDB_STATIC);
        }
        return run(s, st, "release a shard lease", err);
}

/*
 * Take shard k if it is still free, expired or node's own: conditional, so a lease another
 * node took meanwhile stays its own (the caller reads what node holds afterwards).
 */
static enum cxg_err take_one(struct store *s, const struct balance *b, uint32_t k,
                             struct cxg_error *err)
{
        struct sdb_stmt *st = store_stmt(
            s,
            "UPDATE shard_leases SET taken_at = CASE WHEN holder = ?2 THEN taken_at ELSE ?3 END,"
            " holder = ?2, expires_at = ?4"
            " WHERE shard = ?1 AND (holder = '' OR expires_at <= ?3 OR holder = ?2)",
            err);

        if (st) {
                sdb_bind_int64(st, 1, k);
                sdb_bind_text(st, 2, b->node, -1, SDB_STATIC);
                sdb_bind_int64(st, 3, b->now);
                sdb_bind_int64(st, 4, b->now + b->ttl_s);
        }
        return run(s, st, "take a shard lease", err);
}

/* Up to want free or expired shards, lowest first, into out[] (*k of them). */
static enum cxg_err free_shards(struct store *s, const struct balance *b, uint32_t want,
                                uint32_t *out, uint32_t *k, struct cxg_error *err)
{
        struct sdb_stmt *st = store_stmt(s,
                                         "SELECT shard FROM shard_leases WHERE shard < ?1"
                                         " AND (holder = '' OR expires_at <= ?2) AND holder <> ?3"
                                         " ORDER BY shard LIMIT ?4",
                                         err);
        int rc;

        *k = 0;
        if (!st)
                return stmt_fail(err);
        sdb_bind_int64(st, 1, b->n);
        sdb_bind_int64(st, 2, b->now);
        sdb_bind_text(st, 3, b->node, -1, SDB_STATIC);
        sdb_bind_int64(st, 4, want);
        while ((rc = sdb_step(st)) == SDB_ROW && *k < want)
                out[(*k)++] = (uint32_t)sdb_column_int64(st, 0);
        sdb_reset(st);
        return rc == SDB_DONE || rc == SDB_ROW ? CXG_OK
                                               : store_db_err(s, rc, "find free shards", err);
}

static enum cxg_err balance_body(struct store *s, void *ctx, struct cxg_error *err)
{
        const struct balance *b = ctx;
        struct cxg_shardset mine;
        struct sdb_stmt *st;
        uint32_t target = 0, have, cand[CXG_SHARDS_MAX], k = 0;
        enum cxg_err rc;

        if ((rc = lease_rows(s, b->n, err)))
                return rc;
        st = store_stmt(s, "UPDATE shard_leases SET expires_at = ?2 WHERE holder = ?1", err);
        if (st) {
                sdb_bind_text(st, 1, b->node, -1, SDB_STATIC);
                sdb_bind_int64(st, 2, b->now + b->ttl_s);
        }
        if ((rc = run(s, st, "renew shard leases", err)) || (rc = target_of(s, b, &target, err)) ||
            (rc = held(s, b, &mine, err)))
                return rc;
        have = cxg_shardset_count(&mine);
        for (uint32_t i = b->n; i-- > 0 && have > target;) {
                if (!cxg_shardset_has(&mine, i))
                        continue;
                if ((rc = release_one(s, b, i, err)))
                        return rc;
                have--;
        }
        if (have < target && (rc = free_shards(s, b, target - have, cand, &k, err)))
                return rc;
        for (uint32_t i = 0; i < k; i++)
                if ((rc = take_one(s, b, cand[i], err)))
                        return rc;
        return held(s, b, b->owned, err);
}

enum cxg_err store_shards_balance(struct store *s, const char *node, int64_t now,
                                  const struct store_balance_opts *o, struct cxg_shardset *owned,
                                  struct cxg_error *err)
{
        uint32_t n_shards = o->n_shards;
        struct balance b = {node, now, o->ttl_s, n_shards, o->min_nodes, owned};

        cxg_shardset_init(owned, n_shards, 0);
        if (!node || !*node) /* '' is a free lease's holder */
                return cxg_error_set(err, CXG_ERR_INVALID, "balance shards: the node has no name");
        if (n_shards < 1 || n_shards > CXG_SHARDS_MAX)
                return cxg_error_set(err, CXG_ERR_INVALID,
                                     "balance shards: %u shards: the count must be 1 to %d",
                                     n_shards, CXG_SHARDS_MAX);
        return in_tx(s, balance_body, &b, err);
}

enum cxg_err store_shard_leases(struct store *s, struct store_shard_lease **out, size_t *n,
                                struct cxg_error *err)
{
        struct sdb_stmt *st = store_stmt(
            s, "SELECT shard, holder, expires_at, taken_at FROM shard_leases ORDER BY shard", err);
        size_t cap = 0;
        int rc;

        *out = NULL;
        *n = 0;
        if (!st)
                return stmt_fail(err);
        while ((rc = sdb_step(st)) == SDB_ROW) {
                struct store_shard_lease *x;

                if (CXG_GROW(*out, *n + 1, cap, CXG_GROW_NOCAP)) {
                        rc = SDB_ROW;
                        break;
                }
                x = &(*out)[(*n)++];
                x->shard = (uint32_t)sdb_column_int64(st, 0);
                col_copy(st, 1, x->holder, sizeof(x->holder));
                x->expires_at = sdb_column_int64(st, 2);
                x->taken_at = sdb_column_int64(st, 3);
        }
        sdb_reset(st);
        if (rc == SDB_DONE)
                return CXG_OK;
        cxg_free(*out);
        *out = NULL;
        *n = 0;
        if (rc == SDB_ROW)
                return cxg_error_set(err, CXG_ERR_NOMEM, "list shard leases: out of memory");
        return store_db_err(s, rc, "list shard leases", err);
}

/* ---- partials ---- */

/* What a fenced write checks: node holds shard's lease unexpired at now. */
#define LEASE_HELD                                                                                 \
        "EXISTS (SELECT 1 FROM shard_leases l WHERE l.shard = ?1 AND l.holder = ?2"                \
        " AND l.expires_at > ?3)"

struct partial_put {
        uint32_t shard;
        const char *node;
        int64_t now, seq;
        const void *blob;
        size_t len;
};

static enum cxg_err partial_body(struct store *s, void *ctx, struct cxg_error *err)
{
        const struct partial_put *p = ctx;
        struct sdb_stmt *st = store_stmt(s,
                                         "INSERT INTO shard_partials (shard, node, seq, at, blob)"
                                         " SELECT ?1, ?2, ?4, unixepoch(), ?5 WHERE " LEASE_HELD
                                         " ON CONFLICT (shard) DO UPDATE SET node = excluded.node,"
                                         " seq = excluded.seq, at = excluded.at,"
                                         " blob = excluded.blob",
                                         err);
        enum cxg_err rc;

        if (!st)
                return stmt_fail(err);
        sdb_bind_int64(st, 1, p->shard);
        sdb_bind_text(st, 2, p->node, -1, SDB_STATIC);
        sdb_bind_int64(st, 3, p->now);
        sdb_bind_int64(st, 4, p->seq);
        /* a NULL pointer would bind NULL on SQLite: an empty blob is still a blob */
        sdb_bind_blob(st, 5, p->blob && p->len ? p->blob : "", (int)p->len, SDB_STATIC);
        if ((rc = store_step_done(s, st, "publish a shard's partials", err)))
                return rc;
        if (sdb_changes(s) == 0)
                return cxg_error_set(err, CXG_ERR_CONFLICT,
                                     "publish shard %u's partials: node %s does not hold the "
                                     "shard's lease (expired or taken by another node)",
                                     p->shard, p->node);
        return CXG_OK;
}

enum cxg_err store_partial_put(struct store *s, uint32_t shard, const char *node, int64_t now,
                               int64_t seq, const void *blob, size_t len, struct cxg_error *err)
{
        struct partial_put p = {shard, node, now, seq, blob, len};

        if (len > (size_t)INT32_MAX)
                return cxg_error_set(err, CXG_ERR_INVALID,
                                     "publish shard %u's partials: %zu bytes is too large", shard,
                                     len);
        if (!node || !*node)
                return cxg_error_set(err, CXG_ERR_INVALID,
                                     "publish shard %u's partials: the node has no name", shard);
        return in_tx(s, partial_body, &p, err);
}

enum cxg_err store_partials_scan(struct store *s, store_partial_cb cb, void *ctx,
                                 struct cxg_error *err)
{
        struct sdb_stmt *st = NULL;
        enum cxg_err e = CXG_OK;
        int rc =
            sdb_prepare(s, "SELECT shard, node, seq, blob FROM shard_partials ORDER BY shard", &st);

        while (rc == SDB_OK && (rc = sdb_step(st)) == SDB_ROW) {
                const void *p = sdb_column_blob(st, 3);
                const char *node = store_col_text(st, 1);

                e = cb(ctx, (uint32_t)sdb_column_int64(st, 0), node ? node : "",
                       sdb_column_int64(st, 2), p ? p : "", (size_t)sdb_column_bytes(st, 3));
                if (e)
                        break;
                rc = SDB_OK;
        }
        sdb_finalize(st);
        if (!e && rc != SDB_DONE)
                return store_db_err(s, rc, "read shard partials", err);
        return e;
}

/* ---- published state ---- */

struct publish {
        const char *node;
        int64_t now;
        const struct store_state_row *rows;
        size_t n;
        int64_t seq;
        size_t refused;
};

static enum cxg_err publish_body(struct store *s, void *ctx, struct cxg_error *err)
{
        struct publish *p = ctx;
        struct sdb_stmt *st =
            store_stmt(s, "UPDATE cluster_pub SET seq = seq + 1 WHERE id = 1 RETURNING seq", err);
        int rc;

        if (!st)
                return stmt_fail(err);
        rc = sdb_step(st);
        p->seq = rc == SDB_ROW ? sdb_column_int64(st, 0) : 0;
        if (rc == SDB_ROW)
                rc = sdb_step(st);
        sdb_reset(st);
        if (rc != SDB_DONE || !p->seq)
                return store_db_err(s, rc == SDB_DONE ? SQLITE_CORRUPT : rc,
                                    "publish state: draw a publication number", err);
        for (size_t i = 0; i < p->n; i++) {
                const struct store_state_row *r = &p->rows[i];

                if (r->len > (size_t)INT32_MAX)
                        return cxg_error_set(err, CXG_ERR_INVALID,
                                             "publish state of %lld: %zu bytes is too large",
                                             (long long)r->id, r->len);
                st = store_stmt(s,
                                "INSERT INTO cluster_state (kind, id, account_id, shard, pub_seq,"
                                " blob) SELECT ?4, ?5, ?6, ?1, ?7, ?8 WHERE " LEASE_HELD
                                " ON CONFLICT (kind, id)"
                                " DO UPDATE SET account_id = excluded.account_id,"
                                " shard = excluded.shard, pub_seq = excluded.pub_seq,"
                                " blob = excluded.blob",
                                err);
                if (!st)
                        return stmt_fail(err);
                sdb_bind_int64(st, 1, r->shard);
                sdb_bind_text(st, 2, p->node, -1, SDB_STATIC);
                sdb_bind_int64(st, 3, p->now);
                sdb_bind_int64(st, 4, r->kind);
                sdb_bind_int64(st, 5, r->id);
                sdb_bind_int64(st, 6, r->account_id);
                sdb_bind_int64(st, 7, p->seq);
                sdb_bind_blob(st, 8, r->blob && r->len ? r->blob : "", (int)r->len, SDB_STATIC);
                if ((rc = store_step_done(s, st, "publish state", err)))
                        return (enum cxg_err)rc;
                p->refused += sdb_changes(s) == 0;
        }
        return CXG_OK;
}

enum cxg_err store_state_publish(struct store *s, const char *node, int64_t now,
                                 const struct store_state_row *rows, size_t n, int64_t *pub_seq,
                                 size_t *refused, struct cxg_error *err)
{
        struct publish p = {node, now, rows, n, 0, 0};
        enum cxg_err rc;

        if (pub_seq)
                *pub_seq = 0;
        if (refused)
                *refused = 0;
        if (!node || !*node)
                return cxg_error_set(err, CXG_ERR_INVALID, "publish state: the node has no name");
        if ((rc = in_tx(s, publish_body, &p, err)))
                return rc;
        if (pub_seq)
                *pub_seq = p.seq;
        if (refused)
                *refused = p.refused;
        return CXG_OK;
}

enum cxg_err store_state_scan(struct store *s, int64_t after, store_state_cb cb, void *ctx,
                              struct cxg_error *err)
{
        struct sdb_stmt *st = NULL;
        enum cxg_err e = CXG_OK;
        int rc = sdb_prepare(s,
                             "SELECT kind, id, account_id, shard, pub_seq, blob FROM cluster_state"
                             " WHERE pub_seq > ?1 ORDER BY pub_seq, kind, id",
                             &st);

        if (rc == SDB_OK)
                sdb_bind_int64(st, 1, after);
        while (rc == SDB_OK && (rc = sdb_step(st)) == SDB_ROW) {
                struct store_state_row r;

                r.kind = sdb_column_int(st, 0);
                r.id = sdb_column_int64(st, 1);
                r.account_id = sdb_column_int64(st, 2);
                r.shard = (uint32_t)sdb_column_int64(st, 3);
                r.pub_seq = sdb_column_int64(st, 4);
                r.blob = sdb_column_blob(st, 5);
                r.len = (size_t)sdb_column_bytes(st, 5);
                if (!r.blob)
                        r.blob = "";
                if ((e = cb(ctx, &r)))
                        break;
                rc = SDB_OK;
        }
        sdb_finalize(st);
        if (!e && rc != SDB_DONE)
                return store_db_err(s, rc, "read published state", err);
        return e;
}

enum cxg_err store_state_prune(struct store *s, struct cxg_error *err)
{
        struct sdb_stmt *st = store_stmt(
            s,
            "DELETE FROM cluster_state WHERE (kind = 0 AND NOT EXISTS (SELECT 1 FROM accounts a"
            " WHERE a.id = cluster_state.id)) OR (kind = 1 AND NOT EXISTS (SELECT 1 FROM people p"
            " WHERE p.id = cluster_state.id))",
            err);

        return run(s, st, "prune published state", err);
}

/* ---- the interactions of some shards ---- */

/* An account's shard, by internal id (sorted by id). */
struct acc_shard {
        int64_t id;
        uint32_t shard;
};

struct shard_filter {
        struct store *s;
        const struct cxg_shardset *shards;
        struct acc_shard *v;
        size_t n, cap, last;
        store_interaction_cb cb;
        void *ctx;
};

static enum cxg_err filter_account(void *ctx, int64_t id, const struct account *a)
{
        struct shard_filter *f = ctx;

        if (CXG_GROW(f->v, f->n + 1, f->cap, CXG_GROW_NOCAP))
                return CXG_ERR_NOMEM;
        f->v[f->n].id = id;
        f->v[f->n++].shard = cxg_shard_of(a->id, f->shards->n);
        return CXG_OK;
}

/* The shard of account id: the cache, else the database (an account added since); 0 unknown. */
static int shard_of(struct shard_filter *f, int64_t id, uint32_t *shard)
{
        size_t lo = 0, hi = f->n;
        struct sdb_stmt *st;
        int found = 0;

        if (f->last < f->n && f->v[f->last].id == id) {
                *shard = f->v[f->last].shard;
                return 1;
        }
        while (lo < hi) {
                size_t mid = lo + (hi - lo) / 2;

                if (f->v[mid].id < id)
                        lo = mid + 1;
                else
                        hi = mid;
        }
        if (lo < f->n && f->v[lo].id == id) {
                f->last = lo;
                *shard = f->v[lo].shard;
                return 1;
        }
        st = store_stmt(f->s, "SELECT ext_id FROM accounts WHERE id = ?1", NULL);
        if (!st)
                return 0;
        sdb_bind_int64(st, 1, id);
        if (sdb_step(st) == SDB_ROW && store_col_text(st, 0)) {
                *shard = cxg_shard_of(store_col_text(st, 0), f->shards->n);
                found = 1;
        }
        sdb_reset(st);
        return found;
}

static enum cxg_err filter_row(void *ctx, const struct store_interaction *r)
{
        struct shard_filter *f = ctx;
        uint32_t shard;

        if (!shard_of(f, r->account_id, &shard) || !cxg_shardset_has(f->shards, shard))
                return CXG_OK;
        return f->cb(f->ctx, r);
}

/* "3,5,9": the members of shards, into a cxg_buf. */
static enum cxg_err shard_list(const struct cxg_shardset *shards, struct cxg_buf *b)
{
        char t[LIST_DIGITS];

        for (uint32_t i = 0; i < shards->n; i++) {
                int k;

                if (!cxg_shardset_has(shards, i))
                        continue;
                k = snprintf(t, sizeof(t), "%s%u", b->len ? "," : "", i);
                if (cxg_buf_append(b, t, (size_t)k))
                        return CXG_ERR_NOMEM;
        }
        return CXG_OK;
}

enum cxg_err store_scan_interactions_shards(struct store *s, int64_t after_id,
                                            const struct cxg_shardset *shards,
                                            store_interaction_cb cb, void *ctx,
                                            struct cxg_error *err)
{
        struct shard_filter f = {s, shards, NULL, 0, 0, 0, cb, ctx};
        struct cxg_buf b;
        enum cxg_err rc;

        if (!shards->n || !cxg_shardset_count(shards))
                return CXG_OK;
        if (s->pg) {
                cxg_buf_init(&b, 0);
                rc = shard_list(shards, &b);
                if (rc)
                        rc = cxg_error_set(err, rc, "scan interactions of shards: out of memory");
                else
                        rc = store_pg_scan_interactions_shards(s, after_id + 1, shards->n, b.data,
                                                               cb, ctx, err);
                cxg_buf_release(&b);
                return rc;
        }
        rc = store_scan_accounts(s, 0, filter_account, &f, err);
        if (rc == CXG_ERR_NOMEM && (!err || !err->code))
                rc = cxg_error_set(err, rc, "scan interactions of shards: out of memory");
        if (!rc)
                rc = store_scan_interactions(s, after_id, filter_row, &f, err);
        cxg_free(f.v);
        return rc;
}
