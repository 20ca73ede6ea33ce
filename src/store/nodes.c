/*
 * nodes.c: state shared by several servers over one database (store_nodes.h): failed-login
 * windows, leases, webhook delivery claims, the reachability check and the listener for
 * PostgreSQL's change notifications (its own libpq connection, so the listener never waits
 * behind a statement of the store handle).
 */
#include <libpq-fe.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "core/alloc.h"
#include "core/banned.h"
#include "core/grow.h"
#include "store/store_int.h"
#include "store/store_nodes.h"

/* Deliveries one claim statement takes at most. */
#define CLAIM_MAX 1000
/* A lost listener connection is retried at most this often. */
#define LISTEN_RETRY_MS 1000
/* The channel the change log's triggers notify (schema_pg.c). */
#define CHANGES_CHANNEL "cxg_changes"

static enum cxg_err stmt_fail(struct cxg_error *err)
{
        return err && err->code ? err->code : CXG_ERR_STORE;
}

static void bind_key(struct sdb_stmt *st, int i, const char *key)
{
        size_t n = strlen(key);

        sdb_bind_text(st, i, key, (int)(n > STORE_LOGIN_KEY_MAX ? STORE_LOGIN_KEY_MAX : n),
                      SDB_TRANSIENT);
}

/* ---- failed sign-ins ---- */

enum cxg_err store_login_wait(struct store *s, const char *key, int64_t now, int64_t window_s,
                              int max, long *wait, struct cxg_error *err)
{
        struct sdb_stmt *st =
            store_stmt(s, "SELECT window_start, failures FROM login_failures WHERE key = ?1", err);
        int rc;

        *wait = 0;
        if (!st)
                return stmt_fail(err);
        bind_key(st, 1, key);
        rc = sdb_step(st);
        if (rc == SDB_ROW) {
                int64_t start = sdb_column_int64(st, 0), n = sdb_column_int64(st, 1);

                if (now - start < window_s && n >= max)
                        *wait = (long)(start + window_s - now);
                rc = SDB_DONE;
        }
        sdb_reset(st);
        if (rc != SDB_DONE)
                return store_db_err(s, rc, "read failed sign-ins", err);
        return CXG_OK;
}

enum cxg_err store_login_fail(struct store *s, const char *key, int64_t now, int64_t window_s,
                              struct cxg_error *err)
{
        struct sdb_stmt *st;
        enum cxg_err rc;

        st = store_stmt(s, "DELETE FROM login_failures WHERE window_start <= ?1", err);
        if (!st)
                return stmt_fail(err);
        sdb_bind_int64(st, 1, now - window_s);
        if ((rc = store_step_done(s, st, "forget old failed sign-ins", err)))
                return rc;
        st = store_stmt(s,
                        "INSERT INTO login_failures (key, window_start, failures)"
                        " VALUES (?1, ?2, 1) ON CONFLICT (key) DO UPDATE SET"
                        " failures = CASE WHEN login_failures.window_start <= ?3 THEN 1"
                        "  ELSE login_failures.failures + 1 END,"
                        " window_start = CASE WHEN login_failures.window_start <= ?3 THEN ?2"
                        "  ELSE login_failures.window_start END",
                        err);
        if (!st)
                return stmt_fail(err);
        bind_key(st, 1, key);
        sdb_bind_int64(st, 2, now);
        sdb_bind_int64(st, 3, now - window_s);
        return store_step_done(s, st, "count a failed sign-in", err);
}

enum cxg_err store_login_reset(struct store *s, const char *key, struct cxg_error *err)
{
        struct sdb_stmt *st = store_stmt(s, "DELETE FROM login_failures WHERE key = ?1", err);

        if (!st)
                return stmt_fail(err);
        bind_key(st, 1, key);
        return store_step_done(s, st, "reset failed sign-ins", err);
}

/* ---- leases ---- */

enum cxg_err store_lease_take(struct store *s, const char *name, const char *holder, int64_t now,
                              int64_t min_gap_s, int64_t ttl_s, int *taken, int64_t *last_at,
                              struct cxg_error *err)
{
        struct sdb_stmt *st;
        int64_t at = CXG_TS_NONE;
        int rc;

        *taken = 0;
        /* one statement: whoever's conditional update lands first takes it */
        st = store_stmt(s,
                        "INSERT INTO node_leases (name, holder, at, expires_at)"
                        " VALUES (?1, ?2, ?3, ?4) ON CONFLICT (name) DO UPDATE SET"
                        " holder = excluded.holder, at = excluded.at,"
                        " expires_at = excluded.expires_at"
                        " WHERE node_leases.at <= ?5 AND (node_leases.expires_at <= ?3"
                        "  OR node_leases.holder = excluded.holder)"
                        " RETURNING at",
                        err);
        if (!st)
                return stmt_fail(err);
        sdb_bind_text(st, 1, name, -1, SDB_STATIC);
        sdb_bind_text(st, 2, holder, -1, SDB_STATIC);
        sdb_bind_int64(st, 3, now);
        sdb_bind_int64(st, 4, now + ttl_s);
        sdb_bind_int64(st, 5, now - min_gap_s);
        rc = sdb_step(st);
        if (rc == SDB_ROW) {
                *taken = 1;
                at = now;
                rc = sdb_step(st);
        }
        sdb_reset(st);
        if (rc != SDB_DONE)
                return store_db_err(s, rc, "take a lease", err);
        if (!*taken) {
                st = store_stmt(s, "SELECT at FROM node_leases WHERE name = ?1", err);
                if (!st)
                        return stmt_fail(err);
                sdb_bind_text(st, 1, name, -1, SDB_STATIC);
                rc = sdb_step(st);
                if (rc == SDB_ROW) {
                        at = sdb_column_int64(st, 0);
                        rc = SDB_DONE;
                }
                sdb_reset(st);
                if (rc != SDB_DONE)
                        return store_db_err(s, rc, "read a lease", err);
        }
        if (last_at)
                *last_at = at;
        return CXG_OK;
}

enum cxg_err store_lease_release(struct store *s, const char *name, const char *holder, int64_t now,
                                 struct cxg_error *err)
{
        struct sdb_stmt *st = store_stmt(s,
                                         "UPDATE node_leases SET expires_at = ?3"
                                         " WHERE name = ?1 AND holder = ?2 AND expires_at > ?3",
                                         err);

        if (!st)
                return stmt_fail(err);
        sdb_bind_text(st, 1, name, -1, SDB_STATIC);
        sdb_bind_text(st, 2, holder, -1, SDB_STATIC);
        sdb_bind_int64(st, 3, now);
        return store_step_done(s, st, "release a lease", err);
}

/* ---- webhook delivery claims ---- */

/* Claim: move next_at of up to limit due deliveries to the lease's end, returning their ids. */
static enum cxg_err claim_ids(struct store *s, int64_t now, int64_t lease_until, int limit,
                              int64_t **ids, size_t *n, struct cxg_error *err)
{
#define CLAIM_PICK                                                                                 \
        "SELECT d.id FROM webhook_deliveries d JOIN webhooks w ON w.id = d.webhook_id"             \
        " WHERE d.status = 'pending' AND d.next_at <= ?1 AND w.disabled = 0"                       \
        " ORDER BY d.next_at, d.id LIMIT ?3"
        struct sdb_stmt *st = store_stmt(
            s,
            store_sql(s,
                      "UPDATE webhook_deliveries SET next_at = ?2 WHERE id IN (" CLAIM_PICK ")"
                      " RETURNING id",
                      /* a CTE, run once: as "id IN (...)" the planner may rescan the pick
                         per row, and a rescan skips the rows this UPDATE already changed, so
                         LIMIT picked the next ones (5 of 5 claimed with a limit of 3) */
                      "WITH pick AS MATERIALIZED (" CLAIM_PICK " FOR UPDATE OF d SKIP LOCKED)"
                      " UPDATE webhook_deliveries SET next_at = ?2 WHERE id IN (SELECT id FROM"
                      " pick) AND status = 'pending' AND next_at <= ?1 RETURNING id"),
            err);
        size_t cap = 0;
        int rc;
#undef CLAIM_PICK

        *ids = NULL;
        *n = 0;
        if (!st)
                return stmt_fail(err);
        sdb_bind_int64(st, 1, now);
        sdb_bind_int64(st, 2, lease_until);
        sdb_bind_int(st, 3, limit < 1 ? 1 : limit > CLAIM_MAX ? CLAIM_MAX : limit);
        while ((rc = sdb_step(st)) == SDB_ROW) {
                if (CXG_GROW(*ids, *n + 1, cap, CXG_GROW_NOCAP)) {
                        sdb_reset(st);
                        return cxg_error_set(err, CXG_ERR_NOMEM, "claim deliveries: out of memory");
                }
                (*ids)[(*n)++] = sdb_column_int64(st, 0);
        }
        sdb_reset(st);
        if (rc != SDB_DONE)
                return store_db_err(s, rc, "claim webhook deliveries", err);
        return CXG_OK;
}

static enum cxg_err claimed_one(struct store *s, int64_t id, store_delivery_cb cb, void *ctx,
                                struct cxg_error *err)
{
        struct sdb_stmt *st = store_stmt(s,
                                         "SELECT d.id, d.webhook_id, d.event, d.body, w.url,"
                                         " w.secret, d.attempt, d.next_at FROM webhook_deliveries d"
                                         " JOIN webhooks w ON w.id = d.webhook_id WHERE d.id = ?1",
                                         err);
        struct store_delivery d;
        enum cxg_err e = CXG_OK;
        int rc;

        if (!st)
                return stmt_fail(err);
        sdb_bind_int64(st, 1, id);
        rc = sdb_step(st);
        if (rc == SDB_ROW) {
                memset(&d, 0, sizeof(d));
                d.id = sdb_column_int64(st, 0);
                d.webhook_id = sdb_column_int64(st, 1);
                d.event = store_col_text(st, 2);
                d.body = store_col_text(st, 3);
                d.url = store_col_text(st, 4);
                d.secret = store_col_text(st, 5);
                d.attempt = sdb_column_int(st, 6);
                d.next_at = sdb_column_int64(st, 7);
                d.status = "pending";
                e = cb(ctx, &d);
                rc = SDB_DONE;
        }
        sdb_reset(st);
        if (rc != SDB_DONE)
                return store_db_err(s, rc, "read a claimed delivery", err);
        if (e)
                return cxg_error_set(err, e, "claimed delivery %lld: %s", (long long)id,
                                     cxg_strerror(e));
        return CXG_OK;
}

enum cxg_err store_deliveries_claim(struct store *s, int64_t now, int64_t lease_until, int limit,
                                    store_delivery_cb cb, void *ctx, struct cxg_error *err)
{
        int64_t *ids = NULL;
        size_t n = 0;
        enum cxg_err rc = claim_ids(s, now, lease_until, limit, &ids, &n, err);

        /* the claim is committed: a row deleted since (its webhook removed) is just skipped */
        for (size_t i = 0; !rc && i < n; i++)
                rc = claimed_one(s, ids[i], cb, ctx, err);
        cxg_free(ids);
        return rc;
}

/* ---- reachability ---- */

enum cxg_err store_ping(struct store *s, struct cxg_error *err)
{
        struct sdb_stmt *st = store_stmt(s, "SELECT 1", err);
        int rc;

        if (!st)
                return stmt_fail(err);
        rc = sdb_step(st);
        sdb_reset(st);
        if (rc != SDB_ROW)
                return store_db_err(s, rc, "reach the database", err);
        return CXG_OK;
}

/* ---- change notifications (PostgreSQL) ---- */

struct store_listener {
        char *url;
        PGconn *conn;
        double retry_at; /* monotonic ms: no reconnect before */
};

static double mono_ms(void)
{
        struct timespec ts;

        clock_gettime(CLOCK_MONOTONIC, &ts);
        return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

/* Connect and LISTEN; 0 on success. A failure leaves no connection. */
static int listen_connect(struct store_listener *l)
{
        PGresult *res;
        int ok;

        l->conn = PQconnectdb(l->url);
        if (PQstatus(l->conn) != CONNECTION_OK)
                goto fail;
        res = PQexec(l->conn, "LISTEN " CHANGES_CHANNEL);
        ok = PQresultStatus(res) == PGRES_COMMAND_OK;
        PQclear(res);
        if (ok)
                return 0;
fail:
        PQfinish(l->conn);
        l->conn = NULL;
        l->retry_at = mono_ms() + LISTEN_RETRY_MS;
        return -1;
}

enum cxg_err store_listener_open(const char *db, struct store_listener **out, struct cxg_error *err)
{
        struct store_listener *l;

        *out = NULL;
        if (!store_is_pg_url(db))
                return CXG_OK;
        l = cxg_calloc(1, sizeof(*l));
        if (!l || !(l->url = cxg_strdup(db))) {
                cxg_free(l);
                return cxg_error_set(err, CXG_ERR_NOMEM, "change listener: out of memory");
        }
        /* a database down now is fine: the listener connects on a later wait */
        (void)listen_connect(l);
        *out = l;
        return CXG_OK;
}

/* 1 when a notification is queued on the connection (consumed), 0 if none, -1 lost. */
static int drain(struct store_listener *l)
{
        PGnotify *n;
        int got = 0;

        if (!PQconsumeInput(l->conn))
                return -1;
        while ((n = PQnotifies(l->conn))) {
                got = 1;
                PQfreemem(n);
        }
        return got;
}

int store_listener_wait(struct store_listener *l, int timeout_ms)
{
        struct pollfd pf;
        int r;

        if (!l)
                return 0;
        if (!l->conn && (mono_ms() < l->retry_at || listen_connect(l))) {
                struct timespec ts = {timeout_ms / 1000, (long)(timeout_ms % 1000) * 1000000L};

                nanosleep(&ts, NULL);
                return 0;
        }
        r = drain(l);
        if (r == 0) {
                pf.fd = PQsocket(l->conn);
                pf.events = POLLIN;
                pf.revents = 0;
                if (poll(&pf, 1, timeout_ms) > 0) /* a time-out or EINTR: nothing yet */
                        r = drain(l);
        }
        if (r < 0 || PQstatus(l->conn) != CONNECTION_OK) {
                PQfinish(l->conn);
                l->conn = NULL;
                l->retry_at = mono_ms() + LISTEN_RETRY_MS;
                return 0;
        }
        return r;
}

void store_listener_close(struct store_listener *l)
{
        if (!l)
                return;
        PQfinish(l->conn);
        cxg_free(l->url);
        cxg_free(l);
}
