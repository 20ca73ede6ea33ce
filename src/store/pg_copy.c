/*
 * pg_copy.c: COPY on PostgreSQL (pg_copy.h): rows encoded in COPY's text format into a
 * buffer sent STORE_PG_COPY_FLUSH bytes at a time, and COPY (SELECT ...) TO STDOUT parsed in
 * place, one row per libpq buffer, without a PGresult per row.
 */
#include <inttypes.h>
#include <libpq-fe.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/alloc.h"
#include "core/banned.h"
#include "core/buf.h"
#include "store/pg_copy.h"
#include "store/store_changes.h"
#include "store/pg_int.h"
#include "store/store_int.h"

/* The columns of an interaction scan, as interaction_row in scan.c reads them. */
#define SCAN_COLS 11

struct store_pg_copy {
        struct store *s;
        PGconn *conn;
        struct cxg_buf b;
        enum cxg_err rc; /* the first encoding failure (out of memory) */
        int fields;      /* fields of the current row so far */
};

/* A failed COPY (res, or the connection when NULL): mapped by pg.c, reported by store_db_err. */
static enum cxg_err pg_fail(struct store *s, const PGresult *res, const char *what,
                            struct cxg_error *err)
{
        return store_db_err(s, store_pg_fail(s, res), what, err);
}

/* The 1-based line of a COPY FROM error (its context says "COPY t, line N"), or 0. */
static long copy_line(PGresult *r)
{
        const char *ctx = r ? PQresultErrorField(r, PG_DIAG_CONTEXT) : NULL;
        const char *p = ctx ? strstr(ctx, ", line ") : NULL;

        return p ? strtol(p + 7, NULL, 10) : 0;
}

/* ---- COPY FROM STDIN ---- */

enum cxg_err store_pg_copy_begin(struct store *s, const char *table, const char *cols,
                                 struct store_pg_copy **out, struct cxg_error *err)
{
        PGconn *conn = s->pg ? store_pg_conn(s) : NULL;
        struct store_pg_copy *c;
        char sql[4400];
        PGresult *r;
        int src;

        *out = NULL;
        if (!conn)
                return cxg_error_set(err, CXG_ERR_INTERNAL, "copy %s: not a PostgreSQL store",
                                     table);
        if ((src = store_pg_ready(s)) != SDB_OK)
                return store_db_err(s, src, "copy", err);
        snprintf(sql, sizeof(sql), "COPY %s(%s) FROM STDIN", table, cols);
        r = PQexec(conn, sql);
        if (PQresultStatus(r) != PGRES_COPY_IN) {
                enum cxg_err rc = pg_fail(s, r, "copy", err);

                PQclear(r);
                return rc;
        }
        PQclear(r);
        c = cxg_calloc(1, sizeof(*c));
        if (!c) {
                PQputCopyEnd(conn, "out of memory");
                while ((r = PQgetResult(conn)))
                        PQclear(r);
                return cxg_error_set(err, CXG_ERR_NOMEM, "copy %s: out of memory", table);
        }
        c->s = s;
        c->conn = conn;
        cxg_buf_init(&c->b, 0);
        *out = c;
        return CXG_OK;
}

static void put(struct store_pg_copy *c, const void *p, size_t n)
{
        if (!c->rc)
                c->rc = cxg_buf_append(&c->b, p, n);
}

static void field(struct store_pg_copy *c)
{
        if (c->fields++)
                put(c, "\t", 1);
}

static void put_null(struct store_pg_copy *c)
{
        field(c);
        put(c, "\\N", 2);
}

static void put_int(struct store_pg_copy *c, int64_t v)
{
        char t[24], *e = t + sizeof(t), *p = e;
        uint64_t u = v < 0 ? (uint64_t)0 - (uint64_t)v : (uint64_t)v;

        field(c);
        do
                *--p = (char)('0' + u % 10);
        while (u /= 10);
        if (v < 0)
                *--p = '-';
        put(c, p, (size_t)(e - p));
}

static void put_double(struct store_pg_copy *c, double v)
{
        char t[40];
        int n;

        if (isnan(v)) {
                put_null(c);
                return;
        }
        field(c);
        if (isinf(v))
                n = snprintf(t, sizeof(t), "%s", v < 0 ? "-Infinity" : "Infinity");
        else
                n = snprintf(t, sizeof(t), "%.17g", v);
        put(c, t, (size_t)n);
}

/* Text with COPY's escapes (backslash, tab, newline, carriage return). */
static void put_text(struct store_pg_copy *c, const char *s, size_t n)
{
        size_t from = 0;

        field(c);
        for (size_t i = 0; i < n; i++) {
                char e = s[i] == '\\'   ? '\\'
                         : s[i] == '\t' ? 't'
                         : s[i] == '\n' ? 'n'
                         : s[i] == '\r' ? 'r'
                                        : 0;
                char esc[2] = {'\\', e};

                if (!e)
                        continue;
                put(c, s + from, i - from);
                put(c, esc, 2);
                from = i + 1;
        }
        put(c, s + from, n - from);
}

/* Bytes as bytea's hex form, its backslash escaped for COPY. */
static void put_bytes(struct store_pg_copy *c, const unsigned char *p, size_t n)
{
        static const char hex[] = "0123456789abcdef";

        field(c);
        put(c, "\\\\x", 3);
        for (size_t i = 0; i < n; i++) {
                char h[2] = {hex[p[i] >> 4], hex[p[i] & 15]};

                put(c, h, 2);
        }
}

/* End the row; send the buffer when it is full. */
static enum cxg_err row_end(struct store_pg_copy *c, struct cxg_error *err)
{
        put(c, "\n", 1);
        c->fields = 0;
        if (c->rc)
                return cxg_error_set(err, c->rc, "copy: out of memory");
        if (c->b.len < STORE_PG_COPY_FLUSH)
                return CXG_OK;
        if (PQputCopyData(c->conn, c->b.data, (int)c->b.len) != 1)
                return pg_fail(c->s, NULL, "copy", err);
        cxg_buf_clear(&c->b);
        return CXG_OK;
}

enum cxg_err store_pg_copy_stmt_row(struct store_pg_copy *c, struct sdb_stmt *st, int ncols,
                                    struct cxg_error *err)
{
        for (int i = 0; i < ncols; i++) {
                switch (sdb_column_type(st, i)) {
                case SDB_NULL:
                        put_null(c);
                        break;
                case SQLITE_INTEGER:
                        put_int(c, sdb_column_int64(st, i));
                        break;
                case SQLITE_FLOAT:
                        put_double(c, sdb_column_double(st, i));
                        break;
                case SQLITE_BLOB:
                        put_bytes(c, sdb_column_blob(st, i), (size_t)sdb_column_bytes(st, i));
                        break;
                default:
                        put_text(c, (const char *)sdb_column_text(st, i),
                                 (size_t)sdb_column_bytes(st, i));
                }
        }
        return row_end(c, err);
}

static void copy_free(struct store_pg_copy *c)
{
        cxg_buf_release(&c->b);
        cxg_free(c);
}

/* End the copy; the server's verdict into *rows or err (with the failing line in err->line). */
static enum cxg_err copy_finish(struct store_pg_copy *c, int64_t *rows, struct cxg_error *err)
{
        enum cxg_err rc = CXG_OK;
        PGresult *r;

        if (c->b.len && PQputCopyData(c->conn, c->b.data, (int)c->b.len) != 1)
                rc = pg_fail(c->s, NULL, "copy", err);
        if (PQputCopyEnd(c->conn, rc ? "cxgarden: send failed" : NULL) != 1 && !rc)
                rc = pg_fail(c->s, NULL, "copy", err);
        while ((r = PQgetResult(c->conn))) {
                if (!rc && PQresultStatus(r) != PGRES_COMMAND_OK) {
                        rc = pg_fail(c->s, r, "copy", err);
                        if (err)
                                err->line = copy_line(r);
                } else if (!rc && rows) {
                        *rows = strtoll(PQcmdTuples(r), NULL, 10);
                }
                PQclear(r);
        }
        copy_free(c);
        return rc;
}

enum cxg_err store_pg_copy_end(struct store_pg_copy *c, int64_t *rows, struct cxg_error *err)
{
        return copy_finish(c, rows, err);
}

void store_pg_copy_abort(struct store_pg_copy *c)
{
        PGresult *r;

        if (!c)
                return;
        PQputCopyEnd(c->conn, "cxgarden: copy abandoned");
        while ((r = PQgetResult(c->conn)))
                PQclear(r);
        copy_free(c);
}

/* ---- the interaction batch ---- */

/* Reserve k ids from the interactions' identity sequence: the last one into *hi. */
static enum cxg_err reserve_ids(struct store *s, size_t k, int64_t *hi, struct cxg_error *err)
{
        struct sdb_stmt *st = store_stmt(s,
                                         "SELECT setval(pg_get_serial_sequence('interactions',"
                                         " 'id'), nextval(pg_get_serial_sequence('interactions',"
                                         " 'id')) + CAST(? AS BIGINT) - 1)",
                                         err);
        int rc;

        if (!st)
                return err && err->code ? err->code : CXG_ERR_STORE;
        sdb_bind_int64(st, 1, (int64_t)k);
        rc = sdb_step(st);
        *hi = rc == SDB_ROW ? sdb_column_int64(st, 0) : 0;
        sdb_reset(st);
        if (rc != SDB_ROW)
                return store_db_err(s, rc, "insert interactions: reserve ids", err);
        return CXG_OK;
}

static void put_interaction(struct store_pg_copy *c, int64_t id, const struct store_interaction *r)
{
        put_int(c, id);
        put_int(c, r->person_id);
        put_int(c, r->account_id);
        put_int(c, r->ts);
        put_int(c, r->channel);
        put_int(c, r->type_id);
        if (r->duration_ms >= 0)
                put_int(c, r->duration_ms);
        else
                put_null(c);
        put_int(c, r->outcome);
        put_double(c, r->value);
        if (r->attributes)
                put_text(c, r->attributes, strlen(r->attributes));
        else
                put_null(c);
}

enum cxg_err store_pg_copy_interactions(struct store *s, const struct store_interaction *rows,
                                        size_t k, size_t *bad, struct cxg_error *err)
{
        struct store_pg_copy *c = NULL;
        int64_t hi, lo, acc = k ? rows[0].account_id : 0;
        enum cxg_err rc;

        *bad = 0;
        if (k == 0)
                return CXG_OK;
        if ((rc = reserve_ids(s, k, &hi, err)))
                return rc;
        lo = hi - (int64_t)k + 1;
        if ((rc = store_pg_copy_begin(s, "interactions",
                                      "id, person_id, account_id, ts, channel, type_id,"
                                      " duration_ms, outcome, value, attributes",
                                      &c, err)))
                return rc;
        for (size_t i = 0; i < k; i++) {
                put_interaction(c, lo + (int64_t)i, &rows[i]);
                if ((rc = row_end(c, err))) {
                        *bad = i;
                        store_pg_copy_abort(c);
                        return rc;
                }
                if (rows[i].account_id != acc)
                        acc = 0;
        }
        if ((rc = copy_finish(c, NULL, err))) {
                if (err && err->line > 0 && (size_t)err->line <= k)
                        *bad = (size_t)err->line - 1;
                if (err)
                        err->line = 0;
                return rc;
        }
        return store_change_note(s, STORE_E_INTERACTION, STORE_OP_INSERT, lo, hi, acc, err);
}

/* ---- COPY TO STDOUT: the interaction scan ---- */

/* Undo COPY's text escapes of p[0..n) in place; the new length. */
static size_t unescape(char *p, size_t n)
{
        size_t o = 0;

        for (size_t i = 0; i < n; i++) {
                char ch = p[i];

                if (ch == '\\' && i + 1 < n) {
                        ch = p[++i];
                        ch = ch == 't'   ? '\t'
                             : ch == 'n' ? '\n'
                             : ch == 'r' ? '\r'
                             : ch == 'b' ? '\b'
                             : ch == 'f' ? '\f'
                             : ch == 'v' ? '\v'
                                         : ch;
                }
                p[o++] = ch;
        }
        return o;
}

static int64_t num(const char *p)
{
        int neg = *p == '-';
        uint64_t v = 0;

        for (p += neg; *p >= '0' && *p <= '9'; p++)
                v = v * 10 + (uint64_t)(*p - '0');
        return neg ? (int64_t)((uint64_t)0 - v) : (int64_t)v;
}

/* Split one row (n bytes, ending in a newline) into its fields, NUL-terminated; NULL: NULL. */
static int split(char *row, int n, char **f, int max)
{
        int k = 0;
        char *p = row, *end = row + n;

        if (n > 0 && end[-1] == '\n')
                *--end = '\0';
        while (k < max) {
                char *t = memchr(p, '\t', (size_t)(end - p));
                char *stop = t ? t : end;

                *stop = '\0';
                if (stop - p == 2 && p[0] == '\\' && p[1] == 'N')
                        f[k++] = NULL;
                else
                        f[k++] = p, p[unescape(p, (size_t)(stop - p))] = '\0';
                if (!t)
                        break;
                p = t + 1;
        }
        return k;
}

/* Hand one COPY row to cb. */
static enum cxg_err scan_row(char *row, int n, store_interaction_cb cb, void *ctx,
                             struct cxg_error *err)
{
        struct store_interaction r;
        char *f[SCAN_COLS];

        if (split(row, n, f, SCAN_COLS) != SCAN_COLS || !f[0] || !f[1] || !f[2] || !f[3] || !f[4] ||
            !f[5] || !f[7])
                return cxg_error_set(err, CXG_ERR_STORE, "scan interactions: malformed COPY row");
        r.id = num(f[0]);
        r.person_id = num(f[1]);
        r.account_id = num(f[2]);
        r.ts = num(f[3]);
        r.channel = (uint8_t)num(f[4]);
        r.type_id = (int32_t)num(f[5]);
        r.duration_ms = f[6] ? num(f[6]) : -1;
        r.outcome = (uint8_t)num(f[7]);
        r.value = f[8] ? strtod(f[8], NULL) : NAN;
        r.ext_id = f[9];
        r.attributes = f[10];
        return cb(ctx, &r);
}

/*
 * COPY the interactions with lo <= id <= hi (of the shards that set_shards chose, when
 * shards is set) TO STDOUT, in id order, and hand each row to cb.
 */
static enum cxg_err copy_scan(struct store *s, int64_t lo, int64_t hi, int shards,
                              store_interaction_cb cb, void *ctx, struct cxg_error *err)
{
        PGconn *conn = s->pg ? store_pg_conn(s) : NULL;
        enum cxg_err rc = CXG_OK;
        char sql[768], *row = NULL;
        PGresult *r;
        int n;

        if (!conn)
                return cxg_error_set(err, CXG_ERR_INTERNAL, "scan interactions: no connection");
        if ((n = store_pg_ready(s)) != SDB_OK)
                return store_db_err(s, n, "scan interactions", err);
        if (shards)
                snprintf(sql, sizeof(sql),
                         "COPY (SELECT id, person_id, account_id, ts, channel, type_id,"
                         " duration_ms, outcome, value, ext_id, attributes FROM interactions"
                         " WHERE id BETWEEN %" PRId64 " AND %" PRId64 " AND account_id IN"
                         " (SELECT id FROM accounts WHERE shard_key %%"
                         " CAST(current_setting('cxg.scan_n') AS BIGINT) = ANY(CAST("
                         "string_to_array(current_setting('cxg.scan_shards'), ',') AS BIGINT[])))"
                         " ORDER BY id) TO STDOUT",
                         lo, hi);
        else
                snprintf(sql, sizeof(sql),
                         "COPY (SELECT id, person_id, account_id, ts, channel, type_id,"
                         " duration_ms, outcome, value, ext_id, attributes FROM interactions"
                         " WHERE id BETWEEN %" PRId64 " AND %" PRId64 " ORDER BY id) TO STDOUT",
                         lo, hi);
        r = PQexec(conn, sql);
        if (PQresultStatus(r) != PGRES_COPY_OUT) {
                rc = pg_fail(s, r, "scan interactions", err);
                PQclear(r);
                return rc;
        }
        PQclear(r);
        /* after a callback's failure, the rest is read and dropped so the connection is free */
        while ((n = PQgetCopyData(conn, &row, 0)) > 0) {
                if (!rc)
                        rc = scan_row(row, n, cb, ctx, err);
                PQfreemem(row);
        }
        if (n == -2 && !rc)
                rc = pg_fail(s, NULL, "scan interactions", err);
        while ((r = PQgetResult(conn))) {
                if (!rc && PQresultStatus(r) != PGRES_COMMAND_OK)
                        rc = pg_fail(s, r, "scan interactions", err);
                PQclear(r);
        }
        return rc;
}

enum cxg_err store_pg_scan_interactions(struct store *s, int64_t lo, int64_t hi,
                                        store_interaction_cb cb, void *ctx, struct cxg_error *err)
{
        return copy_scan(s, lo, hi, 0, cb, ctx, err);
}

/*
 * The shard filter of store_pg_scan_interactions_shards: COPY takes no parameters, so the
 * count and the list go through session settings set with bound parameters.
 */
static enum cxg_err set_shards(struct store *s, uint32_t n, const char *list, struct cxg_error *err)
{
        struct sdb_stmt *st = store_stmt(s,
                                         "SELECT set_config('cxg.scan_n', CAST(?1 AS TEXT), false),"
                                         " set_config('cxg.scan_shards', CAST(?2 AS TEXT), false)",
                                         err);
        int rc;

        if (!st)
                return err && err->code ? err->code : CXG_ERR_STORE;
        sdb_bind_int64(st, 1, n);
        sdb_bind_text(st, 2, list, -1, SDB_STATIC);
        rc = sdb_step(st);
        sdb_reset(st);
        return rc == SDB_ROW ? CXG_OK : store_db_err(s, rc, "scan interactions: set shards", err);
}

enum cxg_err store_pg_scan_interactions_shards(struct store *s, int64_t lo, uint32_t n,
                                               const char *list, store_interaction_cb cb, void *ctx,
                                               struct cxg_error *err)
{
        enum cxg_err rc = set_shards(s, n, list, err);

        return rc ? rc : copy_scan(s, lo, INT64_MAX, 1, cb, ctx, err);
}
