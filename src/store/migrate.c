/*
 * migrate.c: copy a whole store into another (SQLite or PostgreSQL on either side) and
 * verify it per table with a row count and an order-independent checksum computed the same
 * way on both sides from the values read through db.h. See store_migrate.h for what is
 * copied and what is not.
 */
#include <sodium.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "core/banned.h"
#include "store/pg_copy.h"
#include "store/store_int.h"
#include "store/store_migrate.h"

#define MAX_COLS 48
#define COL_NAME 64
#define SQL_CAP 4096
#define ROW_HASH_BYTES 16

/* Table flags. */
enum {
        T_SEEDED = 1,  /* the migrations insert rows: the target's are replaced */
        T_META = 2,    /* skip the key 'store.id' (each store keeps its identity) */
        T_CHANGES = 4, /* the change log: copied last, after the triggers' rows are dropped */
        T_APPEND = 8,  /* append-only (a trigger refuses DELETE) */
        /*
         * the scale-out cluster's state (migration 8): derived from the other tables and
         * rebuilt by the nodes, so neither copied nor verified; the target's rows describe
         * other data and are deleted (but the publication counter, T_SEEDED, which only grows)
         */
        T_DERIVED = 16,
};

struct table {
        const char *name;
        const char *order; /* primary key columns: the copy's order */
        const char *ident; /* the identity column (PostgreSQL sequence), or NULL */
        unsigned flags;
};

/* Dependency order: a table comes after every table it references. */
static const struct table tables[] = {
    {"meta", "key", NULL, T_META},
    {"accounts", "id", "id", 0},
    {"people", "id", "id", 0},
    {"subscriptions", "id", "id", 0},
    {"interaction_types", "id", "id", 0},
    {"interactions", "id", "id", 0},
    {"feedback", "id", "id", 0},
    {"capabilities", "id", "id", 0},
    {"objectives", "id", "id", 0},
    {"users", "id", "id", 0},
    {"sessions", "id", "id", 0},
    {"api_tokens", "id", "id", 0},
    {"audit_log", "id", "id", T_APPEND},
    {"score_history", "account_id, at, scorecard", NULL, 0},
    {"alerts", "id", "id", 0},
    {"tasks", "id", "id", 0},
    {"webhooks", "id", "id", 0},
    {"webhook_deliveries", "id", "id", 0},
    {"gardens", "id", "id", 0},
    {"garden_members", "id", "id", 0},
    {"ideas", "id", "id", 0},
    {"idea_votes", "idea_id, user_id", NULL, 0},
    {"idea_comments", "id", "id", 0},
    {"idea_transitions", "id", "id", 0},
    {"idea_approvals", "idea_id, review_round, user_id", NULL, 0},
    {"experiments", "id", "id", 0},
    {"experiment_accounts", "experiment_id, account_id", NULL, 0},
    {"rollouts", "id", "id", 0},
    {"rollout_accounts", "rollout_id, account_id", NULL, 0},
    {"ledger", "id", "id", T_APPEND},
    {"ledger_points", "kind", NULL, T_SEEDED},
    {"ingest_rejects", "id", "id", 0},
    {"collect_seen", "token_id, message_id", NULL, 0},
    {"read_gen", "id", NULL, T_SEEDED},
    {"login_failures", "key", NULL, 0}, /* migration 7: kept, they expire by themselves */
    {"node_leases", "name", NULL, 0},
    {"cluster_meta", "id", NULL, T_DERIVED},
    {"cluster_nodes", "name", NULL, T_DERIVED},
    {"shard_leases", "shard", NULL, T_DERIVED},
    {"shard_partials", "shard", NULL, T_DERIVED},
    {"cluster_state", "kind, id", NULL, T_DERIVED},
    {"cluster_pub", "id", NULL, T_DERIVED | T_SEEDED},
    {"changes", "seq", "seq", T_CHANGES},
};
#define N_TABLES (sizeof(tables) / sizeof(tables[0]))

const char *store_migrate_table(size_t i)
{
        return i < N_TABLES ? tables[i].name : NULL;
}

/* The columns a table has on both sides, in the source's order. */
struct cols {
        size_t n;
        char name[MAX_COLS][COL_NAME];
        char list[SQL_CAP]; /* "a, b, c" */
};

enum cxg_err store_read_begin(struct store *s, struct cxg_error *err)
{
        int rc =
            sdb_exec(s, store_sql(s, "BEGIN", "BEGIN ISOLATION LEVEL REPEATABLE READ, READ ONLY"));

        return rc == SDB_OK ? CXG_OK : store_db_err(s, rc, "begin read", err);
}

void store_read_end(struct store *s)
{
        if (sdb_in_tx(s))
                sdb_exec(s, "ROLLBACK");
}

/* The column names of table on s, in their order; n = 0 when the table does not exist. */
static enum cxg_err table_cols(struct store *s, const char *table, struct cols *c,
                               struct cxg_error *err)
{
        struct sdb_stmt *st = NULL;
        int rc = sdb_prepare(s,
                             store_sql(s, "SELECT name FROM pragma_table_info(?1) ORDER BY cid",
                                       "SELECT column_name FROM information_schema.columns"
                                       " WHERE table_schema = current_schema()"
                                       " AND table_name = CAST(?1 AS TEXT)"
                                       " ORDER BY ordinal_position"),
                             &st);

        c->n = 0;
        if (rc != SDB_OK) {
                sdb_finalize(st);
                return store_db_err(s, rc, "read the schema", err);
        }
        sdb_bind_text(st, 1, table, -1, SDB_STATIC);
        while ((rc = sdb_step(st)) == SDB_ROW && c->n < MAX_COLS) {
                const char *name = (const char *)sdb_column_text(st, 0);

                /* column names go into the copy's SQL: plain identifiers only */
                if (!name ||
                    strspn(name, "abcdefghijklmnopqrstuvwxyz0123456789_") != strlen(name) ||
                    strlen(name) >= COL_NAME) {
                        sdb_finalize(st);
                        return cxg_error_set(err, CXG_ERR_INVALID,
                                             "migrate: table %s has a column named %.40s that "
                                             "is not a plain identifier",
                                             table, name ? name : "(null)");
                }
                snprintf(c->name[c->n++], COL_NAME, "%s", name);
        }
        sdb_finalize(st);
        if (rc != SDB_DONE && rc != SDB_ROW)
                return store_db_err(s, rc, "read the schema", err);
        if (rc == SDB_ROW)
                return cxg_error_set(err, CXG_ERR_INTERNAL,
                                     "migrate: table %s has more than %d columns", table, MAX_COLS);
        return CXG_OK;
}

/* The source's columns that the target has too, as a list for SQL. */
static enum cxg_err common_cols(struct store *from, struct store *to, const char *table,
                                struct cols *c, struct cxg_error *err)
{
        struct cols t;
        size_t k = 0, len = 0;
        enum cxg_err rc;

        if ((rc = table_cols(from, table, c, err)) || (rc = table_cols(to, table, &t, err)))
                return rc;
        if (!c->n || !t.n)
                return cxg_error_set(err, CXG_ERR_INVALID,
                                     "migrate: table %s is missing in %s (are both stores at "
                                     "the same schema version?)",
                                     table, c->n ? "the target" : "the source");
        for (size_t i = 0; i < c->n; i++) {
                int found = 0;

                for (size_t j = 0; j < t.n && !found; j++)
                        found = strcmp(c->name[i], t.name[j]) == 0;
                if (found && k != i)
                        memcpy(c->name[k], c->name[i], COL_NAME);
                k += found;
        }
        c->n = k;
        c->list[0] = '\0';
        for (size_t i = 0; i < c->n; i++)
                len += (size_t)snprintf(c->list + len, len < SQL_CAP ? SQL_CAP - len : 0, "%s%s",
                                        i ? ", " : "", c->name[i]);
        if (len >= SQL_CAP)
                return cxg_error_set(err, CXG_ERR_INTERNAL, "migrate: %s: column list too long",
                                     table);
        return CXG_OK;
}

/* Bind column i of the row of src as parameter i + 1 of dst, keeping its type. */
static int bind_value(struct sdb_stmt *dst, struct sdb_stmt *src, int i)
{
        switch (sdb_column_type(src, i)) {
        case SDB_NULL:
                return sdb_bind_null(dst, i + 1);
        case SQLITE_INTEGER:
                return sdb_bind_int64(dst, i + 1, sdb_column_int64(src, i));
        case SQLITE_FLOAT:
                return sdb_bind_double(dst, i + 1, sdb_column_double(src, i));
        case SQLITE_BLOB:
                return sdb_bind_blob(dst, i + 1, sdb_column_blob(src, i), sdb_column_bytes(src, i),
                                     SDB_TRANSIENT);
        default:
                return sdb_bind_text(dst, i + 1, (const char *)sdb_column_text(src, i),
                                     sdb_column_bytes(src, i), SDB_TRANSIENT);
        }
}

/* Whether this row of a T_META table is the store's identity (never copied nor summed). */
static int skip_row(const struct table *t, struct sdb_stmt *st, const struct cols *c)
{
        const unsigned char *k;

        if (!(t->flags & T_META) || strcmp(c->name[0], "key") != 0)
                return 0;
        k = sdb_column_text(st, 0);
        return k && strcmp((const char *)k, "store.id") == 0;
}

/* Hash one row's canonical form into out (ROW_HASH_BYTES). */
static void row_hash(struct sdb_stmt *st, size_t ncols, unsigned char *out)
{
        crypto_generichash_state h;

        crypto_generichash_init(&h, NULL, 0, ROW_HASH_BYTES);
        for (size_t i = 0; i < ncols; i++) {
                int type = sdb_column_type(st, (int)i);
                unsigned char tag;
                uint64_t v = 0;
                const void *p = NULL;

                if (type == SDB_NULL) {
                        tag = 'n';
                } else if (type == SQLITE_INTEGER) {
                        int64_t x = sdb_column_int64(st, (int)i);

                        tag = 'i';
                        memcpy(&v, &x, sizeof(v));
                } else if (type == SQLITE_FLOAT) {
                        double d = sdb_column_double(st, (int)i);

                        tag = 'f';
                        memcpy(&v, &d, sizeof(v));
                } else {
                        /* text and bytes alike: BYTEA and BLOB, TEXT and TEXT */
                        tag = 's';
                        p = type == SQLITE_BLOB ? sdb_column_blob(st, (int)i)
                                                : (const void *)sdb_column_text(st, (int)i);
                        v = (uint64_t)sdb_column_bytes(st, (int)i);
                }
                crypto_generichash_update(&h, &tag, 1);
                crypto_generichash_update(&h, (const unsigned char *)&v, sizeof(v));
                if (p && v)
                        crypto_generichash_update(&h, p, (unsigned long long)v);
        }
        crypto_generichash_final(&h, out, ROW_HASH_BYTES);
}

/* Count and checksum table t on s over the columns c. */
static enum cxg_err table_sum(struct store *s, const struct table *t, const struct cols *c,
                              struct store_table_sum *out, struct cxg_error *err)
{
        char sql[SQL_CAP + 256];
        struct sdb_stmt *st = NULL;
        unsigned char hb[ROW_HASH_BYTES];
        uint64_t lane[2];
        int rc;

        memset(out, 0, sizeof(*out));
        out->table = t->name;
        snprintf(sql, sizeof(sql), "SELECT %s FROM %s", c->list, t->name);
        if ((rc = sdb_prepare(s, sql, &st)) != SDB_OK) {
                sdb_finalize(st);
                return store_db_err(s, rc, "checksum", err);
        }
        while ((rc = sdb_step(st)) == SDB_ROW) {
                if (skip_row(t, st, c))
                        continue;
                row_hash(st, c->n, hb);
                memcpy(lane, hb, sizeof(lane));
                out->sum[0] += lane[0];
                out->sum[1] += lane[1];
                out->rows++;
        }
        sdb_finalize(st);
        if (rc != SDB_DONE)
                return store_db_err(s, rc, "checksum", err);
        return CXG_OK;
}

/* Run one statement built from fmt on s; what names it in an error. */
static enum cxg_err run_sql(struct store *s, const char *what, struct cxg_error *err,
                            const char *fmt, ...) __attribute__((format(printf, 4, 5)));

static enum cxg_err run_sql(struct store *s, const char *what, struct cxg_error *err,
                            const char *fmt, ...)
{
        char sql[SQL_CAP + 256];
        struct sdb_stmt *st = NULL;
        va_list ap;
        int rc;

        va_start(ap, fmt);
        vsnprintf(sql, sizeof(sql), fmt, ap);
        va_end(ap);
        if ((rc = sdb_prepare(s, sql, &st)) == SDB_OK) {
                while ((rc = sdb_step(st)) == SDB_ROW)
                        ;
        }
        sdb_finalize(st);
        return rc == SDB_DONE || rc == SDB_OK ? CXG_OK : store_db_err(s, rc, what, err);
}

/* Whether table t holds a row on s (meta: a row other than the identity). */
static enum cxg_err has_rows(struct store *s, const struct table *t, int *yes,
                             struct cxg_error *err)
{
        char sql[256];
        struct sdb_stmt *st = NULL;
        int rc;

        snprintf(sql, sizeof(sql), "SELECT 1 FROM %s%s LIMIT 1", t->name,
                 (t->flags & T_META) ? " WHERE key <> 'store.id'" : "");
        if ((rc = sdb_prepare(s, sql, &st)) == SDB_OK)
                rc = sdb_step(st);
        sdb_finalize(st);
        *yes = rc == SDB_ROW;
        return rc == SDB_ROW || rc == SDB_DONE ? CXG_OK : store_db_err(s, rc, "read target", err);
}

/* Refuse a target with rows, or (replace) delete them in reverse dependency order. */
static enum cxg_err prepare_target(struct store *to, unsigned flags, struct cxg_error *err)
{
        enum cxg_err rc;
        int yes;

        for (size_t k = N_TABLES; k-- > 0;) {
                const struct table *t = &tables[k];

                if (t->flags & T_DERIVED)
                        continue;
                if ((rc = has_rows(to, t, &yes, err)))
                        return rc;
                if (!yes || (t->flags & T_SEEDED))
                        continue;
                if (!(flags & STORE_MIGRATE_REPLACE))
                        return cxg_error_set(err, CXG_ERR_CONFLICT,
                                             "migrate: the target is not empty (table %s has "
                                             "rows): use a fresh database, or --replace to "
                                             "overwrite it",
                                             t->name);
                if (t->flags & T_APPEND)
                        return cxg_error_set(err, CXG_ERR_CONFLICT,
                                             "migrate: the target's table %s is append-only and "
                                             "has rows, so --replace cannot empty it: use a "
                                             "fresh database",
                                             t->name);
                if ((rc = run_sql(to, "empty the target", err, "DELETE FROM %s%s", t->name,
                                  (t->flags & T_META) ? " WHERE key <> 'store.id'" : "")))
                        return rc;
        }
        return CXG_OK;
}

/* Copy the rows of t (columns c) from from into to, by INSERT or (PostgreSQL) COPY. */
static enum cxg_err copy_rows(struct store *from, struct store *to, const struct table *t,
                              const struct cols *c, int64_t *copied, struct cxg_error *err)
{
        char sel[SQL_CAP + 256], ins[2 * SQL_CAP];
        struct sdb_stmt *src = NULL, *dst = NULL;
        struct store_pg_copy *pc = NULL;
        enum cxg_err e = CXG_OK;
        size_t len;
        int rc;

        snprintf(sel, sizeof(sel), "SELECT %s FROM %s ORDER BY %s", c->list, t->name, t->order);
        len = (size_t)snprintf(ins, sizeof(ins), "INSERT INTO %s(%s) VALUES (", t->name, c->list);
        for (size_t i = 0; i < c->n && len < sizeof(ins); i++)
                len += (size_t)snprintf(ins + len, sizeof(ins) - len, "%s?", i ? ", " : "");
        if (len < sizeof(ins))
                snprintf(ins + len, sizeof(ins) - len, ")%s",
                         (t->flags & T_META)
                             ? " ON CONFLICT(key) DO UPDATE SET value = excluded.value"
                             : "");
        if ((rc = sdb_prepare(from, sel, &src)) != SDB_OK) {
                e = store_db_err(from, rc, "read source", err);
                goto done;
        }
        if (to->pg && !(t->flags & T_META))
                e = store_pg_copy_begin(to, t->name, c->list, &pc, err);
        else if ((rc = sdb_prepare(to, ins, &dst)) != SDB_OK)
                e = store_db_err(to, rc, "write target", err);
        if (e)
                goto done;
        while (!e && (rc = sdb_step(src)) == SDB_ROW) {
                if (skip_row(t, src, c))
                        continue;
                if (pc) {
                        e = store_pg_copy_stmt_row(pc, src, (int)c->n, err);
                } else {
                        for (size_t i = 0; i < c->n; i++)
                                bind_value(dst, src, (int)i);
                        rc = sdb_step(dst);
                        sdb_reset(dst);
                        if (rc != SDB_DONE)
                                e = store_db_err(to, rc, "write target", err);
                }
                (*copied)++;
        }
        if (!e && rc != SDB_DONE)
                e = store_db_err(from, rc, "read source", err);
        if (pc)
                e = e ? (store_pg_copy_abort(pc), e) : store_pg_copy_end(pc, NULL, err);
        pc = NULL;
done:
        if (e && err && !strstr(err->msg, t->name)) {
                char msg[sizeof(err->msg)];

                memcpy(msg, err->msg, sizeof(msg));
                msg[sizeof(msg) - 64] = '\0';
                snprintf(err->msg, sizeof(err->msg), "migrate: table %.40s: %.440s", t->name, msg);
        }
        sdb_finalize(src);
        sdb_finalize(dst);
        return e;
}

/* After the copy: sequences past the largest id (PostgreSQL), the change log's head (SQLite). */
static enum cxg_err fix_sequences(struct store *to, struct cxg_error *err)
{
        enum cxg_err rc = CXG_OK;

        if (!to->pg)
                return run_sql(to, "set the change log head", err,
                               "UPDATE sqlite_sequence SET seq = (SELECT coalesce(max(seq), 0)"
                               " FROM changes) WHERE name = 'changes'");
        for (size_t k = 0; k < N_TABLES && !rc; k++) {
                const struct table *t = &tables[k];

                if (!t->ident)
                        continue;
                rc = run_sql(to, "set an identity sequence", err,
                             "SELECT setval(pg_get_serial_sequence('%s', '%s'),"
                             " coalesce(max(%s), 0) + 1, false) FROM %s",
                             t->name, t->ident, t->ident, t->name);
        }
        return rc;
}

enum cxg_err store_migrate_copy(struct store *from, struct store *to, unsigned flags,
                                struct store_migrate_report *rep, struct cxg_error *err)
{
        struct cols c;
        enum cxg_err rc;

        memset(rep, 0, sizeof(*rep));
        if (store_schema_version(from) != store_schema_version(to))
                return cxg_error_set(err, CXG_ERR_INVALID,
                                     "migrate: the source has schema version %d, the target %d: "
                                     "open both with the same cxgarden first",
                                     store_schema_version(from), store_schema_version(to));
        if ((rc = prepare_target(to, flags, err)))
                return rc;
        for (size_t k = 0; k < N_TABLES; k++) {
                const struct table *t = &tables[k];

                if (t->flags & T_DERIVED) {
                        if (!(t->flags & T_SEEDED) &&
                            (rc = run_sql(to, "empty the target", err, "DELETE FROM %s", t->name)))
                                return rc;
                        continue;
                }
                if ((rc = common_cols(from, to, t->name, &c, err)))
                        return rc;
                /* the seeded rows, and the change log the triggers wrote during the copy */
                if ((t->flags & (T_SEEDED | T_CHANGES)) &&
                    (rc = run_sql(to, "empty the target", err, "DELETE FROM %s", t->name)))
                        return rc;
                if ((rc = copy_rows(from, to, t, &c, &rep->copied, err)))
                        return rc;
        }
        return fix_sequences(to, err);
}

enum cxg_err store_migrate_verify(struct store *from, struct store *to,
                                  struct store_migrate_report *rep, struct cxg_error *err)
{
        struct cols c;
        enum cxg_err rc;
        const char *bad = NULL;

        rep->n = 0;
        for (size_t k = 0; k < N_TABLES; k++) {
                const struct table *t = &tables[k];
                struct store_table_sum *a = &rep->from[rep->n], *b = &rep->to[rep->n];

                if (t->flags & T_DERIVED)
                        continue;
                if ((rc = common_cols(from, to, t->name, &c, err)) ||
                    (rc = table_sum(from, t, &c, a, err)) || (rc = table_sum(to, t, &c, b, err)))
                        return rc;
                rep->n++;
                if (!bad &&
                    (a->rows != b->rows || a->sum[0] != b->sum[0] || a->sum[1] != b->sum[1]))
                        bad = t->name;
        }
        if (bad)
                return cxg_error_set(err, CXG_ERR_CONFLICT,
                                     "migrate: verification failed: table %s differs between "
                                     "source and target",
                                     bad);
        return CXG_OK;
}
