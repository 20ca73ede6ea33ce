/*
 * pg.c: the PostgreSQL backend's connection (libpq): open with the session settings, commands
 * without results (sdb_exec), reconnection after the database went away, and the mapping of a
 * SQLSTATE to the SQLite result code of the same kind with the message kept on the handle for
 * store_db_err. Statements live in pg_stmt.c; migrations and transactions are the store's
 * (sqlite.c), written once for both backends.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/alloc.h"
#include "core/log.h"
#include "core/banned.h"
#include "store/pg_int.h"

int store_is_pg_url(const char *path)
{
        return path &&
               (strncmp(path, "postgres://", 11) == 0 || strncmp(path, "postgresql://", 13) == 0);
}

PGconn *store_pg_conn(struct store *s)
{
        return s && s->pg ? s->pg->conn : NULL;
}

int store_pg_is_lost(const struct store *s)
{
        return s && s->pg && s->pg->lost;
}

/* Append src[0..n) to out (cap bytes, NUL-terminated), as far as it fits. */
static void append(char *out, size_t cap, size_t *len, const char *src, size_t n)
{
        if (*len + 1 >= cap)
                return;
        if (n > cap - 1 - *len)
                n = cap - 1 - *len;
        memcpy(out + *len, src, n);
        *len += n;
        out[*len] = '\0';
}

void store_pg_redact(const char *addr, char *out, size_t cap)
{
        const char *p = strstr(addr, "://"), *auth, *end, *at = NULL, *colon = NULL, *q;
        size_t len = 0;

        if (!cap)
                return;
        out[0] = '\0';
        if (!p) {
                append(out, cap, &len, addr, strlen(addr));
                return;
        }
        auth = p + 3;
        end = auth + strcspn(auth, "/?");
        for (q = auth; q < end; q++)
                if (*q == '@')
                        at = q;
        if (at)
                for (q = auth; q < at && !colon; q++)
                        if (*q == ':')
                                colon = q;
        if (colon) {
                append(out, cap, &len, addr, (size_t)(colon - addr));
                append(out, cap, &len, at, strlen(at));
        } else {
                append(out, cap, &len, addr, strlen(addr));
        }
        /* drop password=... from the query part */
        for (p = strchr(out, '?'); p;) {
                char *param = (char *)p + 1;
                size_t plen = strcspn(param, "&");

                if (strncmp(param, "password=", 9) == 0) {
                        int last = param[plen] == '\0';

                        if (last) /* drop the separator before it too */
                                *(char *)p = '\0';
                        else
                                memmove(param, param + plen + 1, strlen(param + plen + 1) + 1);
                        if (last)
                                break;
                        continue;
                }
                p = param[plen] ? param + plen : NULL;
        }
}

/* ---- errors ---- */

int store_pg_code(const char *st)
{
        if (!st || strlen(st) != 5)
                return SQLITE_ERROR;
        if (strcmp(st, "23505") == 0)
                return SQLITE_CONSTRAINT_UNIQUE;
        if (strcmp(st, "23503") == 0)
                return SQLITE_CONSTRAINT_FOREIGNKEY;
        if (strcmp(st, "23502") == 0)
                return SQLITE_CONSTRAINT_NOTNULL;
        if (strcmp(st, "23514") == 0)
                return SQLITE_CONSTRAINT_CHECK;
        if (strncmp(st, "23", 2) == 0)
                return SQLITE_CONSTRAINT;
        if (strcmp(st, "40001") == 0 || strcmp(st, "40P01") == 0 || strcmp(st, "55P03") == 0)
                return SQLITE_BUSY;
        if (strcmp(st, "53100") == 0)
                return SQLITE_FULL;
        if (strcmp(st, "53200") == 0)
                return SQLITE_NOMEM;
        if (strcmp(st, "25006") == 0)
                return SQLITE_READONLY;
        if (strcmp(st, "22001") == 0 || strcmp(st, "54000") == 0)
                return SQLITE_TOOBIG;
        if (strncmp(st, "22", 2) == 0)
                return SQLITE_MISMATCH;
        if (strcmp(st, "57014") == 0)
                return SQLITE_INTERRUPT;
        if (strncmp(st, "08", 2) == 0 || strncmp(st, "57P", 3) == 0 || strcmp(st, "53300") == 0)
                return SQLITE_IOERR;
        if (strcmp(st, "58030") == 0)
                return SQLITE_IOERR;
        if (strncmp(st, "XX", 2) == 0)
                return SQLITE_CORRUPT;
        if (strcmp(st, "42501") == 0)
                return SQLITE_PERM;
        if (strcmp(st, "25P02") == 0)
                return SQLITE_ABORT;
        return SQLITE_ERROR;
}

/* The first line of a libpq message, without "ERROR:  " and the trailing newline. */
static void first_line(char *out, size_t cap, const char *msg)
{
        size_t n;

        if (!msg)
                msg = "";
        if (strncmp(msg, "ERROR:  ", 8) == 0)
                msg += 8;
        else if (strncmp(msg, "FATAL:  ", 8) == 0)
                msg += 8;
        n = strcspn(msg, "\n");
        snprintf(out, cap, "%.*s", (int)n, msg);
}

int store_pg_fail(struct store *s, const PGresult *res)
{
        struct store_pg *pg = s->pg;
        const char *st = res ? PQresultErrorField(res, PG_DIAG_SQLSTATE) : NULL;
        int rc;

        if (res && PQresultStatus(res) == PGRES_FATAL_ERROR && st)
                first_line(pg->errmsg, sizeof(pg->errmsg),
                           PQresultErrorField(res, PG_DIAG_MESSAGE_PRIMARY));
        else
                first_line(pg->errmsg, sizeof(pg->errmsg), PQerrorMessage(pg->conn));
        snprintf(pg->sqlstate, sizeof(pg->sqlstate), "%s", st ? st : "");
        if (PQstatus(pg->conn) == CONNECTION_BAD || !st) {
                /* no SQLSTATE: libpq itself failed (connection closed, out of memory) */
                if (PQstatus(pg->conn) != CONNECTION_BAD && strstr(pg->errmsg, "out of memory"))
                        return SQLITE_NOMEM;
                pg->lost = 1;
                pg->tx_seen = 0; /* the caller hears of the transaction's end from this error */
                return SQLITE_IOERR;
        }
        rc = store_pg_code(st);
        if (rc == SQLITE_IOERR && strncmp(st, "58", 2) != 0) {
                pg->lost = 1;
                pg->tx_seen = 0;
        }
        return rc;
}

/* ---- connection ---- */

/* Settings every session gets, again after a reconnection. */
static int session_setup(struct store *s)
{
        char sql[256];
        PGresult *res;
        int rc = SQLITE_OK;

        snprintf(sql, sizeof(sql),
                 "SET TimeZone = 'UTC'; SET client_min_messages = warning;"
                 " SET lock_timeout = %d%s",
                 STORE_PG_LOCK_TIMEOUT_MS,
                 (s->flags & STORE_READONLY) ? "; SET default_transaction_read_only = on" : "");
        res = PQexec(s->pg->conn, sql);
        if (PQresultStatus(res) != PGRES_COMMAND_OK)
                rc = store_pg_fail(s, res);
        PQclear(res);
        return rc;
}

int store_pg_ready(struct store *s)
{
        struct store_pg *pg = s->pg;
        /* read what arrived while idle: a server shutting down says so, then closes */
        if (PQstatus(pg->conn) == CONNECTION_OK && !PQconsumeInput(pg->conn))
                pg->lost = 1;
        if (!pg->lost && PQstatus(pg->conn) == CONNECTION_OK)
                return SQLITE_OK;
        /* a transaction (perhaps one begun with sdb_exec) ended with the connection: say so once */
        if (pg->tx_seen || (s->in_tx && PQtransactionStatus(pg->conn) != PQTRANS_IDLE)) {
                pg->lost = 1;
                pg->tx_seen = 0;
                snprintf(pg->errmsg, sizeof(pg->errmsg),
                         "the connection was lost inside a transaction (rolled back)");
                return SQLITE_IOERR;
        }
        pg->lost = 1;
        PQreset(pg->conn);
        if (PQstatus(pg->conn) != CONNECTION_OK)
                return store_pg_fail(s, NULL);
        pg->gen++;
        pg->lost = 0;
        return session_setup(s);
}

/* Warnings of the server (client_min_messages = warning) go to the log, not to stderr. */
static void on_notice(void *arg, const char *msg)
{
        (void)arg;
        cxg_log(CXG_LOG_WARN, "store: postgresql: %.*s", (int)strcspn(msg, "\n"), msg);
}

/* Connect to s->path: the URI, then our defaults where neither it nor PG* variables say. */
static PGconn *connect_to(const char *addr)
{
        const char *keys[4], *vals[4];
        PQconninfoOption *opts = PQconninfoParse(addr, NULL);
        int k = 0, timeout_given = getenv("PGCONNECT_TIMEOUT") != NULL;

        for (PQconninfoOption *o = opts; o && o->keyword; o++)
                if (strcmp(o->keyword, "connect_timeout") == 0 && o->val && o->val[0])
                        timeout_given = 1;
        PQconninfoFree(opts);
        keys[k] = "dbname", vals[k++] = addr;
        keys[k] = "application_name", vals[k++] = "cxgarden";
        if (!timeout_given)
                keys[k] = "connect_timeout", vals[k++] = STORE_PG_CONNECT_TIMEOUT;
        keys[k] = NULL, vals[k] = NULL;
        /* expand_dbname = 1: the address is a URI whose parts override the later keys */
        return PQconnectdbParams(keys, vals, 1);
}

enum cxg_err store_pg_open(struct store *s, struct cxg_error *err)
{
        char addr[sizeof(s->path)], why[256];
        struct store_pg *pg;

        memcpy(addr, s->path, sizeof(addr));
        store_pg_redact(addr, s->path, sizeof(s->path));
        if (!(pg = s->pg = cxg_calloc(1, sizeof(*pg))))
                return cxg_error_set(err, CXG_ERR_NOMEM, "open: %s: out of memory", s->path);
        pg->conn = connect_to(addr);
        memset(addr, 0, sizeof(addr));
        if (!pg->conn)
                return cxg_error_set(err, CXG_ERR_NOMEM, "open: %s: out of memory", s->path);
        if (PQstatus(pg->conn) != CONNECTION_OK) {
                first_line(why, sizeof(why), PQerrorMessage(pg->conn));
                if (strstr(why, "does not exist"))
                        return cxg_error_set(err, CXG_ERR_NOTFOUND,
                                             "open: %s: no such database (%s; create it with "
                                             "createdb)",
                                             s->path, why);
                if (strstr(why, "authentication") || strstr(why, "password"))
                        return cxg_error_set(err, CXG_ERR_AUTH,
                                             "open: %s: the database refused the login (%s)",
                                             s->path, why);
                return cxg_error_set(err, CXG_ERR_UNAVAILABLE,
                                     "open: database at %s is unreachable: %s", s->path, why);
        }
        PQsetNoticeProcessor(pg->conn, on_notice, NULL);
        snprintf(pg->where, sizeof(pg->where), "%s:%s/%s", PQhost(pg->conn), PQport(pg->conn),
                 PQdb(pg->conn));
        pg->gen = 1;
        if (session_setup(s) != SQLITE_OK)
                return cxg_error_set(err, CXG_ERR_STORE, "open: %s: %s", s->path, pg->errmsg);
        return CXG_OK;
}

void store_pg_close(struct store *s)
{
        if (!s->pg)
                return;
        if (s->pg->conn)
                PQfinish(s->pg->conn);
        cxg_free(s->pg);
        s->pg = NULL;
}

int store_pg_exec(struct store *s, const char *sql)
{
        PGresult *res;
        int rc;

        if (!s->in_tx && (rc = store_pg_ready(s)) != SQLITE_OK)
                return rc;
        res = PQexec(s->pg->conn, sql);
        switch (PQresultStatus(res)) {
        case PGRES_COMMAND_OK:
        case PGRES_TUPLES_OK:
        case PGRES_EMPTY_QUERY:
                rc = SQLITE_OK;
                break;
        default:
                rc = store_pg_fail(s, res);
                break;
        }
        PQclear(res);
        store_pg_after(s);
        return rc;
}

void store_pg_after(struct store *s)
{
        if (PQstatus(s->pg->conn) == CONNECTION_OK)
                s->pg->tx_seen = store_pg_in_tx(s);
}

int64_t store_pg_changes(struct store *s)
{
        return s->pg->changes;
}

int store_pg_in_tx(struct store *s)
{
        PGTransactionStatusType ts = PQtransactionStatus(s->pg->conn);

        return ts == PQTRANS_INTRANS || ts == PQTRANS_INERROR || ts == PQTRANS_ACTIVE;
}
