/*
 * raw_insert.c: the baseline of bench/import.sh: how fast SQLite itself takes the same
 * interaction rows into the same schema, with the same pragmas as the store, one prepared
 * statement and one transaction. The CSV is parsed and references resolved before the clock
 * starts, so the figure is SQLite's insert rate alone.
 *
 * usage: raw_insert DB interactions.csv [K]   (columns person_id,ts,channel,type,duration_ms,
 * outcome,value as written by bench/import.sh; people and accounts already in DB). K > 1
 * binds K rows per statement (INSERT ... VALUES (...), (...), ...), the trick the store's
 * batch insert uses, for a second, harder baseline.
 * prints: rows seconds rows_per_second
 */
#define _POSIX_C_SOURCE 200809L
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

struct row {
        long long person, account, ts, duration;
        double value;
        int channel, type, outcome;
};

static const char *const channels[] = {"web",     "app",     "email",     "phone", "chat",
                                       "support", "meeting", "community", "event", "other"};

static double now(void)
{
        struct timespec t;

        clock_gettime(CLOCK_MONOTONIC, &t);
        return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

static void die(sqlite3 *db, const char *what)
{
        fprintf(stderr, "raw_insert: %s: %s\n", what, db ? sqlite3_errmsg(db) : "");
        exit(1);
}

int main(int argc, char **argv)
{
        sqlite3 *db;
        sqlite3_stmt *st;
        FILE *f;
        char line[512], types[64][64];
        long long *pacc = NULL, npeople = 0;
        struct row *rows = NULL;
        size_t n = 0, cap = 0;
        int ntypes = 0;
        double t0, t1;

        int k = argc > 3 ? atoi(argv[3]) : 1;

        if (argc < 3 || argc > 4 || k < 1 || k > 100) {
                fprintf(stderr, "usage: raw_insert DB interactions.csv [ROWS_PER_STATEMENT]\n");
                return 2;
        }
        if (sqlite3_open(argv[1], &db) != SQLITE_OK)
                die(db, "open");
        /* the store's pragmas (src/store/sqlite.c) */
        if (sqlite3_exec(db,
                         "PRAGMA foreign_keys = ON; PRAGMA cache_size = -65536;"
                         " PRAGMA temp_store = MEMORY; PRAGMA journal_mode = WAL;"
                         " PRAGMA synchronous = NORMAL; PRAGMA busy_timeout = 5000",
                         NULL, NULL, NULL) != SQLITE_OK)
                die(db, "pragmas");
        /* person p<N> -> (id, account id), as the importer resolves it */
        if (sqlite3_prepare_v2(db, "SELECT max(id) FROM people", -1, &st, NULL) != SQLITE_OK ||
            sqlite3_step(st) != SQLITE_ROW)
                die(db, "people");
        npeople = sqlite3_column_int64(st, 0);
        sqlite3_finalize(st);
        pacc = calloc((size_t)npeople + 1, sizeof(*pacc));
        long long *pid = calloc((size_t)npeople + 1, sizeof(*pid));
        if (!pacc || !pid)
                die(NULL, "out of memory");
        if (sqlite3_prepare_v2(db, "SELECT ext_id, id, account_id FROM people", -1, &st, NULL))
                die(db, "people");
        while (sqlite3_step(st) == SQLITE_ROW) {
                long long k = atoll((const char *)sqlite3_column_text(st, 0) + 1);

                if (k >= 1 && k <= npeople) {
                        pid[k] = sqlite3_column_int64(st, 1);
                        pacc[k] = sqlite3_column_int64(st, 2);
                }
        }
        sqlite3_finalize(st);
        f = fopen(argv[2], "r");
        if (!f || !fgets(line, sizeof(line), f))
                die(NULL, "cannot read the CSV");
        while (fgets(line, sizeof(line), f)) {
                char ch[32], ty[64], out[32];
                long long p;
                struct row r;
                int c, t;

                if (sscanf(line, "p%lld,%lld,%31[^,],%63[^,],%lld,%31[^,],%lf", &p, &r.ts, ch, ty,
                           &r.duration, out, &r.value) != 7 ||
                    p < 1 || p > npeople)
                        die(NULL, "unexpected CSV line");
                for (c = 0; c < 10 && strcmp(ch, channels[c]); c++)
                        ;
                for (t = 0; t < ntypes && strcmp(ty, types[t]); t++)
                        ;
                if (t == ntypes) {
                        if (ntypes == 64)
                                die(NULL, "too many types");
                        snprintf(types[ntypes++], sizeof(types[0]), "%s", ty);
                }
                r.person = pid[p];
                r.account = pacc[p];
                r.channel = c;
                r.type = t + 1;
                r.outcome = strcmp(out, "ok") == 0 ? 1 : strcmp(out, "failed") == 0 ? 2 : 3;
                if (n == cap) {
                        cap = cap ? cap * 2 : 1 << 16;
                        rows = realloc(rows, cap * sizeof(*rows));
                        if (!rows)
                                die(NULL, "out of memory");
                }
                rows[n++] = r;
        }
        fclose(f);
        for (int t = 0; t < ntypes; t++) {
                char sql[160];

                snprintf(sql, sizeof(sql),
                         "INSERT OR IGNORE INTO interaction_types(id, name) VALUES (%d, '%s')",
                         t + 1, types[t]);
                if (sqlite3_exec(db, sql, NULL, NULL, NULL) != SQLITE_OK)
                        die(db, "types");
        }
        {
                static char sql[16384];
                size_t o =
                    (size_t)snprintf(sql, sizeof(sql),
                                     "INSERT INTO interactions(ext_id, person_id, account_id,"
                                     " ts, channel, type_id, duration_ms, outcome, value,"
                                     " attributes) VALUES ");

                for (int j = 0; j < k; j++)
                        o += (size_t)snprintf(sql + o, sizeof(sql) - o,
                                              "%s(NULL, ?, ?, ?, ?, ?, ?, ?, ?, NULL)",
                                              j ? ", " : "");
                if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK)
                        die(db, "prepare");
        }
        t0 = now();
        if (sqlite3_exec(db, "BEGIN IMMEDIATE", NULL, NULL, NULL) != SQLITE_OK)
                die(db, "begin");
        for (size_t i = 0; i < n;) {
                int m = n - i >= (size_t)k ? k : 1;

                if (m != k) { /* the tail: one row at a time with a one-row statement */
                        sqlite3_finalize(st);
                        k = 1;
                        if (sqlite3_prepare_v2(db,
                                               "INSERT INTO interactions(ext_id, person_id,"
                                               " account_id, ts, channel, type_id, duration_ms,"
                                               " outcome, value, attributes) VALUES (NULL, ?, ?,"
                                               " ?, ?, ?, ?, ?, ?, NULL)",
                                               -1, &st, NULL) != SQLITE_OK)
                                die(db, "prepare");
                }
                for (int j = 0; j < m; j++) {
                        const struct row *r = &rows[i + (size_t)j];
                        int b = j * 8;

                        sqlite3_bind_int64(st, b + 1, r->person);
                        sqlite3_bind_int64(st, b + 2, r->account);
                        sqlite3_bind_int64(st, b + 3, r->ts);
                        sqlite3_bind_int(st, b + 4, r->channel);
                        sqlite3_bind_int(st, b + 5, r->type);
                        sqlite3_bind_int64(st, b + 6, r->duration);
                        sqlite3_bind_int(st, b + 7, r->outcome);
                        sqlite3_bind_double(st, b + 8, r->value);
                }
                if (sqlite3_step(st) != SQLITE_DONE)
                        die(db, "insert");
                sqlite3_reset(st);
                i += (size_t)m;
        }
        if (sqlite3_exec(db, "COMMIT", NULL, NULL, NULL) != SQLITE_OK)
                die(db, "commit");
        t1 = now();
        sqlite3_finalize(st);
        sqlite3_close(db);
        printf("%zu %.3f %.0f\n", n, t1 - t0, (double)n / (t1 - t0));
        free(rows);
        free(pacc);
        free(pid);
        return 0;
}
