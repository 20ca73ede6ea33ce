/*
 * pg_stmt.c: PostgreSQL statements behind db.h. The SQL's ?/?N parameters become $N; a
 * statement is prepared by name on the connection at its first step (with the types of the
 * values bound then) and prepared again after a reconnection or when a value of another type
 * is bound; parameters go as text (blobs as binary bytea); the first step runs it
 * (PQexecPrepared) and the steps walk the rows of the result, read as text.
 */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/alloc.h"
#include "core/banned.h"
#include "store/pg_int.h"

/* Type Oids of pg_type.h (server headers are not needed for these stable values). */
#define OID_BOOL 16
#define OID_BYTEA 17
#define OID_INT8 20
#define OID_INT2 21
#define OID_INT4 23
#define OID_FLOAT4 700
#define OID_FLOAT8 701
#define OID_NUMERIC 1700
#define OID_TEXT 25

/* Most parameters one statement may have (libpq's protocol limit). */
#define MAX_PARAMS 65535

/* ---- ?/?N -> $N ---- */

/* Length of the quoted token at p (quote q), or of the rest of the text when unterminated. */
static size_t quoted_len(const char *p, char q)
{
        size_t i = 1;

        for (; p[i]; i++)
                if (p[i] == q) {
                        if (p[i + 1] != q)
                                return i + 1;
                        i++;
                }
        return i;
}

/* Length of a $tag$ ... $tag$ string at p, or 0 when p is not a dollar quote. */
static size_t dollar_len(const char *p)
{
        size_t t = 1;
        const char *end;

        while (p[t] == '_' || (p[t] >= 'a' && p[t] <= 'z') || (p[t] >= 'A' && p[t] <= 'Z'))
                t++;
        if (p[t] != '$')
                return 0;
        t++;
        for (end = p + t; (end = strchr(end, '$')); end++)
                if (strncmp(end, p, t) == 0)
                        return (size_t)(end - p) + t;
        return strlen(p);
}

/* Length of the comment at p, or 0. */
static size_t comment_len(const char *p)
{
        const char *e;

        if (p[0] == '-' && p[1] == '-')
                return strcspn(p, "\n");
        if (p[0] == '/' && p[1] == '*')
                return (e = strstr(p + 2, "*/")) ? (size_t)(e - p) + 2 : strlen(p);
        return 0;
}

/*
 * Rewrite sql's parameters outside quotes and comments: ?N -> $N, ? -> $(largest so far + 1)
 * as SQLite numbers them. *out is allocated; *nparams is the largest number. 0, -1 out of
 * memory, -2 a parameter number out of range.
 */
static int rewrite(const char *sql, char **out, int *nparams, unsigned char **used)
{
        size_t cap = strlen(sql) + 16, n = 0, k, nq = 0, nn = 0;
        char *o = NULL;
        int max = 0, *nums = NULL, rc = -1;

        for (const char *q = strchr(sql, '?'); q; q = strchr(q + 1, '?'))
                nq++;
        cap += 6 * nq; /* "?" -> "$65535" */
        if (!(o = cxg_malloc(cap)) || !(nums = cxg_calloc(nq + 1, sizeof(*nums))))
                goto done;
        for (const char *p = sql; *p;) {
                long v;

                if (*p == '\'' || *p == '"')
                        k = quoted_len(p, *p);
                else if (*p == '$')
                        k = dollar_len(p);
                else
                        k = comment_len(p);
                if (k) {
                        memcpy(o + n, p, k);
                        n += k, p += k;
                        continue;
                }
                if (*p != '?') {
                        o[n++] = *p++;
                        continue;
                }
                p++;
                if (*p >= '0' && *p <= '9') {
                        char *end;

                        v = strtol(p, &end, 10);
                        p = end;
                } else {
                        v = max + 1;
                }
                if (v < 1 || v > MAX_PARAMS) {
                        rc = -2;
                        goto done;
                }
                if (v > max)
                        max = (int)v;
                nums[nn++] = (int)v;
                n += (size_t)snprintf(o + n, cap - n, "$%ld", v);
        }
        o[n] = '\0';
        /* which numbers the text uses: the server cannot type the others */
        if (!(*used = cxg_calloc((size_t)max + 1, 1)))
                goto done;
        for (size_t i = 0; i < nn; i++)
                (*used)[nums[i] - 1] = 1;
        *out = o;
        o = NULL;
        *nparams = max;
        rc = 0;
done:
        cxg_free(o);
        cxg_free(nums);
        return rc;
}

/* ---- prepare, finalize ---- */

static void free_blobs(struct store_pgstmt *st)
{
        if (!st->blobs)
                return;
        for (int i = 0; i < st->ncols; i++) {
                cxg_free(st->blobs[i]);
                st->blobs[i] = NULL;
        }
        cxg_free(st->blobs);
        cxg_free(st->blob_lens);
        st->blobs = NULL;
        st->blob_lens = NULL;
        st->ncols = 0;
}

static void clear_result(struct store_pgstmt *st)
{
        free_blobs(st);
        PQclear(st->res);
        st->res = NULL;
        st->row = -1;
        st->ntuples = 0;
        st->done = 0;
}

void store_pg_finalize(struct store_pgstmt *st)
{
        struct store_pg *pg;

        if (!st)
                return;
        clear_result(st);
        pg = st->s->pg;
        if (pg && st->gen == pg->gen && !pg->lost &&
            PQtransactionStatus(pg->conn) != PQTRANS_INERROR) {
                char sql[48];

                snprintf(sql, sizeof(sql), "DEALLOCATE %s", st->name);
                PQclear(PQexec(pg->conn, sql));
        }
        for (int i = 0; st->values && i < st->nparams; i++)
                cxg_free(st->values[i]);
        cxg_free(st->values);
        cxg_free(st->lengths);
        cxg_free(st->formats);
        cxg_free(st->types);
        cxg_free(st->prep_types);
        cxg_free(st->used);
        cxg_free(st->sql);
        cxg_free(st);
}

int store_pg_prepare(struct store *s, const char *sql, struct sdb_stmt **out)
{
        struct store_pgstmt *st = cxg_calloc(1, sizeof(*st));
        struct sdb_stmt *h = cxg_calloc(1, sizeof(*h));
        size_t np;
        int rc;

        *out = NULL;
        if (!st || !h)
                goto nomem;
        st->s = s;
        st->row = -1;
        if ((rc = rewrite(sql, &st->sql, &st->nparams, &st->used)) != 0) {
                if (rc == -2) {
                        snprintf(s->pg->errmsg, sizeof(s->pg->errmsg),
                                 "a statement has a parameter number out of range");
                        snprintf(s->pg->sqlstate, sizeof(s->pg->sqlstate), "42P02");
                        cxg_free(st);
                        cxg_free(h);
                        return SQLITE_RANGE;
                }
        }
        np = st->nparams ? (size_t)st->nparams : 1;
        st->values = cxg_calloc(np, sizeof(*st->values));
        st->lengths = cxg_calloc(np, sizeof(*st->lengths));
        st->formats = cxg_calloc(np, sizeof(*st->formats));
        st->types = cxg_calloc(np, sizeof(*st->types));
        st->prep_types = cxg_calloc(np, sizeof(*st->prep_types));
        if (!st->sql || !st->used || !st->values || !st->lengths || !st->formats || !st->types ||
            !st->prep_types)
                goto nomem;
        snprintf(st->name, sizeof(st->name), "cxg_%u", ++s->pg->next_name);
        h->pg = st;
        *out = h;
        return SQLITE_OK;
nomem:
        if (st) {
                st->s = s;
                store_pg_finalize(st);
        }
        cxg_free(h);
        return SQLITE_NOMEM;
}

/* ---- bindings ---- */

/* Keep a copy of v (n bytes) as parameter i with its format and type. */
static int bind(struct store_pgstmt *st, int i, const void *v, size_t n, int format, unsigned type)
{
        char *copy = NULL;

        if (i < 1 || i > st->nparams)
                return SQLITE_RANGE;
        if (n > INT32_MAX - 1)
                return SQLITE_TOOBIG;
        if (v) {
                if (!(copy = cxg_malloc(n + 1)))
                        return SQLITE_NOMEM;
                memcpy(copy, v, n);
                copy[n] = '\0';
        }
        cxg_free(st->values[i - 1]);
        st->values[i - 1] = copy;
        st->lengths[i - 1] = (int)n;
        st->formats[i - 1] = format;
        st->types[i - 1] = type;
        return SQLITE_OK;
}

int store_pg_bind_int64(struct store_pgstmt *st, int i, int64_t v)
{
        char buf[24];
        int n = snprintf(buf, sizeof(buf), "%lld", (long long)v);

        return bind(st, i, buf, (size_t)n, 0, OID_INT8);
}

int store_pg_bind_double(struct store_pgstmt *st, int i, double v)
{
        char buf[40];
        int n;

        if (isnan(v))
                return bind(st, i, NULL, 0, 0, 0);
        if (isinf(v))
                n = snprintf(buf, sizeof(buf), "%s", v > 0 ? "Infinity" : "-Infinity");
        else
                n = snprintf(buf, sizeof(buf), "%.17g", v);
        return bind(st, i, buf, (size_t)n, 0, OID_FLOAT8);
}

int store_pg_bind_null(struct store_pgstmt *st, int i)
{
        return bind(st, i, NULL, 0, 0, 0);
}

int store_pg_bind_text(struct store_pgstmt *st, int i, const char *v, int n)
{
        if (!v)
                return bind(st, i, NULL, 0, 0, 0);
        return bind(st, i, v, n < 0 ? strlen(v) : (size_t)n, 0, 0);
}

int store_pg_bind_blob(struct store_pgstmt *st, int i, const void *v, int n)
{
        if (!v && n > 0)
                return bind(st, i, NULL, 0, 0, 0);
        return bind(st, i, v ? v : "", n < 0 ? 0 : (size_t)n, 1, OID_BYTEA);
}

int store_pg_bind_parameter_count(struct store_pgstmt *st)
{
        return st->nparams;
}

/* ---- running ---- */

/*
 * Whether the statement must be prepared (again): never prepared on this connection, or a
 * value of another type than it was prepared with is bound (NULL fits any type).
 */
static int needs_prepare(const struct store_pgstmt *st)
{
        if (st->gen != st->s->pg->gen)
                return 1;
        for (int i = 0; i < st->nparams; i++)
                if (st->values[i] && st->used[i] && st->types[i] != st->prep_types[i])
                        return 1;
        return 0;
}

static int prepare_now(struct store_pgstmt *st)
{
        struct store *s = st->s;
        PGresult *res;
        int rc = SQLITE_OK;

        if (st->gen == s->pg->gen) { /* prepared under another signature */
                char sql[48];

                snprintf(sql, sizeof(sql), "DEALLOCATE %s", st->name);
                res = PQexec(s->pg->conn, sql);
                if (PQresultStatus(res) != PGRES_COMMAND_OK)
                        rc = store_pg_fail(s, res);
                PQclear(res);
                if (rc)
                        return rc;
        }
        for (int i = 0; i < st->nparams; i++)
                st->prep_types[i] = st->values[i] ? st->types[i] : st->used[i] ? 0 : OID_TEXT;
        res = PQprepare(s->pg->conn, st->name, st->sql, st->nparams, (const Oid *)st->prep_types);
        if (PQresultStatus(res) != PGRES_COMMAND_OK)
                rc = store_pg_fail(s, res);
        else
                st->gen = s->pg->gen;
        PQclear(res);
        return rc;
}

static int is_write(const char *status)
{
        return strncmp(status, "INSERT", 6) == 0 || strncmp(status, "UPDATE", 6) == 0 ||
               strncmp(status, "DELETE", 6) == 0 || strncmp(status, "MERGE", 5) == 0;
}

static void pause_ms(int ms)
{
        struct timespec ts = {ms / 1000, (long)(ms % 1000) * 1000000L};

        while (nanosleep(&ts, &ts) != 0 && errno == EINTR)
                ;
}

/* Run the statement once: SDB_ROW/SDB_DONE with the result kept, or an error code. */
static int execute(struct store_pgstmt *st)
{
        struct store *s = st->s;
        struct store_pg *pg = s->pg;
        int autocommit = PQtransactionStatus(pg->conn) == PQTRANS_IDLE;
        int rc;

        if (needs_prepare(st) && (rc = prepare_now(st)) != SQLITE_OK)
                return rc;
        st->res = PQexecPrepared(pg->conn, st->name, st->nparams, (const char *const *)st->values,
                                 st->lengths, st->formats, 0);
        switch (PQresultStatus(st->res)) {
        case PGRES_COMMAND_OK:
        case PGRES_TUPLES_OK:
                break;
        default:
                rc = store_pg_fail(s, st->res);
                clear_result(st);
                /* an autocommit statement undone by a deadlock or serialization failure */
                if (rc == SQLITE_BUSY && autocommit &&
                    (strcmp(pg->sqlstate, "40001") == 0 || strcmp(pg->sqlstate, "40P01") == 0))
                        return -rc;
                return rc;
        }
        if (is_write(PQcmdStatus(st->res)))
                pg->changes = strtoll(PQcmdTuples(st->res), NULL, 10);
        st->ntuples = PQntuples(st->res);
        st->row = 0;
        if (st->ntuples > 0)
                return SDB_ROW;
        st->done = 1;
        return SDB_DONE;
}

int store_pg_step(struct store_pgstmt *st)
{
        int rc;

        if (st->res && !st->done) {
                if (++st->row < st->ntuples)
                        return SDB_ROW;
                st->done = 1;
                return SDB_DONE;
        }
        if (st->res) /* stepped past the end: run again, as SQLite does */
                clear_result(st);
        if (!st->s->in_tx && (rc = store_pg_ready(st->s)) != SQLITE_OK)
                return rc;
        for (int k = 1;; k++) {
                rc = execute(st);
                if (rc >= 0)
                        return rc;
                if (k > STORE_PG_RETRIES)
                        return -rc;
                pause_ms(k * STORE_PG_RETRY_PAUSE_MS);
        }
}

int store_pg_reset(struct store_pgstmt *st)
{
        clear_result(st);
        return SQLITE_OK;
}

/* ---- columns ---- */

static int has_value(const struct store_pgstmt *st, int i)
{
        return st->res && st->row >= 0 && st->row < st->ntuples && i >= 0 &&
               i < PQnfields(st->res) && !PQgetisnull(st->res, st->row, i);
}

static int hexval(int c)
{
        if (c >= '0' && c <= '9')
                return c - '0';
        if (c >= 'a' && c <= 'f')
                return c - 'a' + 10;
        if (c >= 'A' && c <= 'F')
                return c - 'A' + 10;
        return -1;
}

/* The bytes of bytea column i of the current row (decoded from \x hex), or NULL. */
static const unsigned char *bytea_value(struct store_pgstmt *st, int i, int *len)
{
        const char *v = PQgetvalue(st->res, st->row, i);
        int n = PQgetlength(st->res, st->row, i);
        unsigned char *b;
        int k;

        if (!st->blobs || st->blob_row != st->row) {
                free_blobs(st);
                st->ncols = PQnfields(st->res);
                st->blobs = cxg_calloc((size_t)st->ncols, sizeof(*st->blobs));
                st->blob_lens = cxg_calloc((size_t)st->ncols, sizeof(*st->blob_lens));
                if (!st->blobs || !st->blob_lens) {
                        free_blobs(st);
                        return NULL;
                }
                st->blob_row = st->row;
        }
        if (st->blobs[i]) {
                *len = st->blob_lens[i];
                return st->blobs[i];
        }
        if (n < 2 || v[0] != '\\' || v[1] != 'x')
                return NULL; /* bytea_output = escape is not used by this session */
        if (!(b = cxg_malloc((size_t)(n - 2) / 2 + 1)))
                return NULL;
        for (k = 0; 2 + 2 * k + 1 < n; k++)
                b[k] = (unsigned char)(hexval(v[2 + 2 * k]) << 4 | hexval(v[3 + 2 * k]));
        b[k] = '\0';
        st->blobs[i] = b;
        st->blob_lens[i] = k;
        *len = k;
        return b;
}

int64_t store_pg_column_int64(struct store_pgstmt *st, int i)
{
        const char *v;
        char *end;
        long long x;

        if (!has_value(st, i))
                return 0;
        v = PQgetvalue(st->res, st->row, i);
        if (PQftype(st->res, i) == OID_BOOL)
                return v[0] == 't';
        errno = 0;
        x = strtoll(v, &end, 10);
        if (*end == '.' || *end == 'e' || *end == 'E' || errno == ERANGE) {
                double d = strtod(v, NULL);

                if (isnan(d))
                        return 0;
                if (d >= 9223372036854775807.0)
                        return INT64_MAX;
                if (d <= -9223372036854775808.0)
                        return INT64_MIN;
                return (int64_t)d;
        }
        return x;
}

double store_pg_column_double(struct store_pgstmt *st, int i)
{
        const char *v;

        if (!has_value(st, i))
                return 0;
        v = PQgetvalue(st->res, st->row, i);
        if (PQftype(st->res, i) == OID_BOOL)
                return v[0] == 't';
        return strtod(v, NULL);
}

const unsigned char *store_pg_column_text(struct store_pgstmt *st, int i)
{
        int n;

        if (!has_value(st, i))
                return NULL;
        if (PQftype(st->res, i) == OID_BYTEA)
                return bytea_value(st, i, &n);
        return (const unsigned char *)PQgetvalue(st->res, st->row, i);
}

const void *store_pg_column_blob(struct store_pgstmt *st, int i)
{
        int n;

        if (!has_value(st, i))
                return NULL;
        if (PQftype(st->res, i) == OID_BYTEA)
                return bytea_value(st, i, &n);
        return PQgetvalue(st->res, st->row, i);
}

int store_pg_column_bytes(struct store_pgstmt *st, int i)
{
        int n = 0;

        if (!has_value(st, i))
                return 0;
        if (PQftype(st->res, i) == OID_BYTEA)
                return bytea_value(st, i, &n) ? n : 0;
        return PQgetlength(st->res, st->row, i);
}

int store_pg_column_type(struct store_pgstmt *st, int i)
{
        if (!has_value(st, i))
                return SQLITE_NULL;
        switch (PQftype(st->res, i)) {
        case OID_BOOL:
        case OID_INT2:
        case OID_INT4:
        case OID_INT8:
                return SQLITE_INTEGER;
        case OID_FLOAT4:
        case OID_FLOAT8:
        case OID_NUMERIC:
                return SQLITE_FLOAT;
        case OID_BYTEA:
                return SQLITE_BLOB;
        default:
                return SQLITE_TEXT;
        }
}

int store_pg_column_count(struct store_pgstmt *st)
{
        PGresult *res;
        int n;

        if (st->res)
                return PQnfields(st->res);
        /* before the first step: describe the statement, prepared for the values bound */
        if (st->ncols_gen == st->s->pg->gen && !needs_prepare(st))
                return st->ncols_desc;
        if ((needs_prepare(st) && prepare_now(st) != SQLITE_OK))
                return 0;
        res = PQdescribePrepared(st->s->pg->conn, st->name);
        n = PQresultStatus(res) == PGRES_COMMAND_OK ? PQnfields(res) : 0;
        PQclear(res);
        st->ncols_desc = n;
        st->ncols_gen = st->s->pg->gen;
        return n;
}
