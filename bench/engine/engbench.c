/*
 * engbench.c: the engine benchmark's C side (bench/engine/run.sh). On a database made by
 * `cxgarden generate`, times the same computation four ways:
 *   (a) the engine (eng_compute, core: per-person decayed weighted activity over the window,
 *       channel breadth, engagement, seniority-weighted account engagement) on 2 threads,
 *   (b) the same as one SQL statement in SQLite,
 *   (d) a plain sequential read of the same columns over the same rows (2 threads),
 * and exports the tables for (c), DuckDB (duck.mjs). Results agree to 1e-3 points or the run
 * fails. Prints "name seconds checksum" lines.
 *
 * usage: engbench DB OUTDIR [threads]
 */
#include <math.h>
#include <pthread.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engine/engine.h"
#include "engine/score.h"
#include "engine/snapshot.h"
#include "store/store.h"

static struct eng_snapshot snap;
static struct eng_params params;
static int64_t at;

/* The engine's formula in SQL; identical for SQLite and DuckDB (:AT, :WIN, :HL spliced). */
static const char *sql_template =
    "WITH w AS (SELECT i.person_id AS pid, i.channel AS ch,"
    "  tw.w * cw.w * pow(2.0, -(floor((AT - i.ts) / 3600.0) / 24.0) / HL) AS x"
    "  FROM interactions i JOIN tw ON tw.id = i.type_id JOIN cw ON cw.ch = i.channel"
    "  WHERE i.ts > AT - WIN AND i.ts <= AT),"
    " p AS (SELECT pid, sum(x) AS act, count(DISTINCT ch) AS nch FROM w GROUP BY pid),"
    " e AS (SELECT pe.account_id AS aid, sw.w AS sw,"
    "  100.0 * (0.6 * (1 - exp(-coalesce(p.act, 0) / 10.0))"
    "   + 0.25 * least(coalesce(p.nch, 0) / 3.0, 1.0)) / 0.85 AS eng"
    "  FROM people pe JOIN sw ON sw.sen = pe.seniority LEFT JOIN p ON p.pid = pe.id"
    "  WHERE (pe.created_at IS NULL OR pe.created_at <= AT)"
    "   AND (pe.left_at IS NULL OR pe.left_at > AT))"
    " SELECT aid, sum(sw * eng) / sum(sw) AS score FROM e GROUP BY aid ORDER BY aid";

static void fill_sql(char *out, size_t cap, const char *least)
{
        char at_s[32], win_s[32], hl_s[32];
        const char *p = sql_template;
        size_t n = 0;

        snprintf(at_s, sizeof(at_s), "%lld", (long long)at);
        snprintf(win_s, sizeof(win_s), "%lld", (long long)(params.window_days * 86400));
        snprintf(hl_s, sizeof(hl_s), "%.17g", params.half_life_days);
        while (*p && n + 40 < cap) {
                const char *rep = NULL;
                size_t skip = 0;

                if (strncmp(p, "AT", 2) == 0 &&
                    (p == sql_template || p[-1] == ' ' || p[-1] == '(')) {
                        rep = at_s;
                        skip = 2;
                } else if (strncmp(p, "WIN", 3) == 0) {
                        rep = win_s;
                        skip = 3;
                } else if (strncmp(p, "HL)", 3) == 0) {
                        rep = hl_s;
                        skip = 2;
                } else if (strncmp(p, "least(", 6) == 0) {
                        rep = least;
                        skip = 5;
                }
                if (rep) {
                        n += (size_t)snprintf(out + n, cap - n, "%s", rep);
                        p += skip;
                } else {
                        out[n++] = *p++;
                }
        }
        out[n] = 0;
}

static double now(void)
{
        return eng_now();
}

/* ---- (d) sequential read of the same columns over the same rows ---- */

struct seq {
        uint32_t a0, a1;
        uint64_t sum;
};

static void *seq_run(void *arg)
{
        struct seq *q = arg;
        int64_t from = at - (int64_t)(params.window_days * 86400) + 1;
        uint64_t sum = 0;

        for (uint32_t a = q->a0; a < q->a1; a++) {
                uint64_t lo, hi;

                eng_account_range(&snap, a, from, at, &lo, &hi);
                for (uint64_t j = lo; j < hi; j++)
                        sum += (uint64_t)snap.main.ts[j] + snap.main.person[j] + snap.main.type[j] +
                               snap.main.channel[j];
        }
        q->sum = sum;
        return NULL;
}

static double seq_read(int threads, uint64_t *checksum)
{
        struct seq q[64];
        pthread_t th[64];
        uint64_t total = snap.main.n, done = 0;
        uint32_t a = 0;
        double t0;

        for (int t = 0; t < threads; t++) {
                uint64_t goal = total * (uint64_t)(t + 1) / (uint64_t)threads;

                q[t].a0 = a;
                while (a < snap.n_accounts && (done < goal || t == threads - 1)) {
                        done += snap.a_ioff[a + 1] - snap.a_ioff[a];
                        a++;
                }
                q[t].a1 = a;
        }
        t0 = now();
        for (int t = 1; t < threads; t++)
                pthread_create(&th[t], NULL, seq_run, &q[t]);
        seq_run(&q[0]);
        for (int t = 1; t < threads; t++)
                pthread_join(th[t], NULL);
        *checksum = 0;
        for (int t = 0; t < threads; t++)
                *checksum += q[t].sum;
        return now() - t0;
}

/* ---- (b) SQLite ---- */

static double run_sqlite(const char *db, const double *expect, double *maxdiff)
{
        sqlite3 *h;
        sqlite3_stmt *st;
        char sql[4096], ddl[8192];
        size_t off = 0;
        double t0, t;
        int rc;

        if (sqlite3_open_v2(db, &h, SQLITE_OPEN_READWRITE, NULL) != SQLITE_OK)
                return -1;
        /* weight tables, as temporary tables */
        off += (size_t)snprintf(ddl + off, sizeof(ddl) - off,
                                "CREATE TEMP TABLE tw (id INTEGER PRIMARY KEY, w REAL);"
                                "CREATE TEMP TABLE cw (ch INTEGER PRIMARY KEY, w REAL);"
                                "CREATE TEMP TABLE sw (sen INTEGER PRIMARY KEY, w REAL);");
        for (int ch = 0; ch < CXG_CH__COUNT; ch++)
                off += (size_t)snprintf(ddl + off, sizeof(ddl) - off,
                                        "INSERT INTO cw VALUES (%d, %.17g);", ch,
                                        params.ch_weight[ch]);
        for (int s = 0; s < CXG_SEN__COUNT; s++)
                off +=
                    (size_t)snprintf(ddl + off, sizeof(ddl) - off,
                                     "INSERT INTO sw VALUES (%d, %.17g);", s, params.sen_weight[s]);
        if (sqlite3_exec(h, ddl, NULL, NULL, NULL) != SQLITE_OK ||
            sqlite3_exec(h, "INSERT INTO tw SELECT id, 1.0 FROM interaction_types", NULL, NULL,
                         NULL) != SQLITE_OK) {
                fprintf(stderr, "engbench: sqlite: %s\n", sqlite3_errmsg(h));
                sqlite3_close(h);
                return -1;
        }
        fill_sql(sql, sizeof(sql), "min");
        t0 = now();
        rc = sqlite3_prepare_v2(h, sql, -1, &st, NULL);
        if (rc != SQLITE_OK) {
                fprintf(stderr, "engbench: sqlite: %s\n", sqlite3_errmsg(h));
                sqlite3_close(h);
                return -1;
        }
        *maxdiff = 0;
        while (sqlite3_step(st) == SQLITE_ROW) {
                int64_t id = sqlite3_column_int64(st, 0);
                double v = sqlite3_column_double(st, 1);
                uint32_t a = id < (int64_t)snap.a_by_id_cap ? snap.a_by_id[id] : ENG_NONE;

                if (a != ENG_NONE && !isnan(expect[a]) && fabs(v - expect[a]) > *maxdiff)
                        *maxdiff = fabs(v - expect[a]);
        }
        t = now() - t0;
        sqlite3_finalize(st);
        sqlite3_close(h);
        return t;
}

/* ---- export for DuckDB ---- */

static int export_tables(const char *dir)
{
        char path[1024];
        FILE *f;

        snprintf(path, sizeof(path), "%s/interactions.csv", dir);
        f = fopen(path, "w");
        if (!f)
                return -1;
        /* every row, like the SQLite table: DuckDB filters the window itself */
        for (size_t j = 0; j < snap.main.n; j++)
                fprintf(f, "%lld,%u,%lld,%u,%u\n", (long long)snap.p_id[snap.main.person[j]],
                        (unsigned)snap.main.channel[j], (long long)snap.main.ts[j] + ENG_EPOCH,
                        (unsigned)snap.main.type[j], 0u);
        fclose(f);
        snprintf(path, sizeof(path), "%s/people.csv", dir);
        f = fopen(path, "w");
        if (!f)
                return -1;
        for (size_t p = 0; p < snap.n_people; p++) {
                fprintf(f, "%lld,%lld,%u,", (long long)snap.p_id[p],
                        (long long)snap.a_id[snap.p_account[p]], (unsigned)snap.p_seniority[p]);
                if (snap.p_created[p] != CXG_TS_NONE)
                        fprintf(f, "%lld", (long long)snap.p_created[p]);
                fputc(',', f);
                if (snap.p_left[p] != CXG_TS_NONE)
                        fprintf(f, "%lld", (long long)snap.p_left[p]);
                fputc('\n', f);
        }
        fclose(f);
        snprintf(path, sizeof(path), "%s/query.sql", dir);
        f = fopen(path, "w");
        if (!f)
                return -1;
        {
                char sql[4096];

                fill_sql(sql, sizeof(sql), "least");
                fputs(sql, f);
        }
        fclose(f);
        snprintf(path, sizeof(path), "%s/weights.sql", dir);
        f = fopen(path, "w");
        if (!f)
                return -1;
        fprintf(f,
                "CREATE TABLE tw AS SELECT range::INTEGER AS id, 1.0::DOUBLE AS w FROM "
                "range(0, %u);\n",
                snap.types.n + 1);
        fprintf(f, "CREATE TABLE cw (ch INTEGER, w DOUBLE);\nINSERT INTO cw VALUES ");
        for (int ch = 0; ch < CXG_CH__COUNT; ch++)
                fprintf(f, "%s(%d, %.17g)", ch ? ", " : "", ch, params.ch_weight[ch]);
        fprintf(f, ";\nCREATE TABLE sw (sen INTEGER, w DOUBLE);\nINSERT INTO sw VALUES ");
        for (int s = 0; s < CXG_SEN__COUNT; s++)
                fprintf(f, "%s(%d, %.17g)", s ? ", " : "", s, params.sen_weight[s]);
        fprintf(f, ";\n");
        fclose(f);
        snprintf(path, sizeof(path), "%s/expect.csv", dir);
        return 0;
}

int main(int argc, char **argv)
{
        struct store *st = NULL;
        struct cxg_error err;
        struct eng_scores r;
        struct eng_compute_opts o = {0};
        double t0, t_load, t_eng = 1e9, t_full = 1e9, t_seq = 1e9, t_sql, maxdiff;
        double *expect;
        uint64_t check = 0;
        int threads = argc > 3 ? atoi(argv[3]) : 2;
        size_t ib, ob;
        char path[1024];
        FILE *f;

        if (argc < 3) {
                fprintf(stderr, "usage: engbench DB OUTDIR [threads]\n");
                return 2;
        }
        if (store_open(argv[1], STORE_READONLY, &st, &err)) {
                fprintf(stderr, "engbench: %s\n", err.msg);
                return 1;
        }
        eng_snapshot_init(&snap, NULL);
        t0 = now();
        if (eng_snapshot_load(&snap, st, &err)) {
                fprintf(stderr, "engbench: %s\n", err.msg);
                return 1;
        }
        t_load = now() - t0;
        store_close(st);
        /* the comparison leaves out capabilities and feedback (not in the SQL) */
        snap.n_caps = 0;
        eng_params_init(&params);
        params.w_feedback = 0;
        at = snap.max_ts;
        eng_snapshot_memory(&snap, &ib, &ob);
        printf("rows %zu accounts %zu people %zu memory_mib %.1f load_s %.3f\n", snap.main.n,
               snap.n_accounts, snap.n_people, (ib + ob) / 1048576.0, t_load);

        o.at = at;
        o.threads = threads;
        o.core_only = 1;
        for (int k = 0; k < 15; k++) {
                double t;

                eng_scores_init(&r);
                t0 = now();
                if (eng_compute(&snap, &params, &o, &r, &err)) {
                        fprintf(stderr, "engbench: %s\n", err.msg);
                        return 1;
                }
                t = now() - t0;
                if (t < t_eng)
                        t_eng = t;
                if (k < 14)
                        eng_scores_release(&r);
        }
        expect = malloc(snap.n_accounts * sizeof(double));
        if (!expect)
                return 1;
        for (size_t a = 0; a < snap.n_accounts; a++)
                expect[a] = r.acc[a].engagement;
        eng_scores_release(&r);
        o.core_only = 0;
        for (int k = 0; k < 3; k++) {
                double t;

                eng_scores_init(&r);
                t0 = now();
                if (eng_compute(&snap, &params, &o, &r, &err)) {
                        fprintf(stderr, "engbench: %s\n", err.msg);
                        return 1;
                }
                t = now() - t0;
                if (t < t_full)
                        t_full = t;
                eng_scores_release(&r);
        }
        for (int k = 0; k < 15; k++) {
                double t = seq_read(threads, &check);

                if (t < t_seq)
                        t_seq = t;
        }
        printf("engine %.4f\n", t_eng);
        printf("engine_full %.4f\n", t_full);
        printf("seqread %.4f %llu\n", t_seq, (unsigned long long)check);
        fflush(stdout);
        /* expected values for the DuckDB side to check */
        snprintf(path, sizeof(path), "%s/expect.csv", argv[2]);
        f = fopen(path, "w");
        if (!f)
                return 1;
        for (size_t a = 0; a < snap.n_accounts; a++)
                if (!isnan(expect[a]))
                        fprintf(f, "%lld,%.6f\n", (long long)snap.a_id[a], expect[a]);
        fclose(f);
        if (getenv("ENGBENCH_SKIP_SQLITE") == NULL) {
                t_sql = run_sqlite(argv[1], expect, &maxdiff);
                if (t_sql < 0)
                        return 1;
                printf("sqlite %.4f maxdiff %.6f\n", t_sql, maxdiff);
                if (maxdiff > 1e-3) {
                        fprintf(stderr, "engbench: SQLite and the engine disagree by %g\n",
                                maxdiff);
                        return 1;
                }
        }
        fflush(stdout);
        if (export_tables(argv[2]))
                return 1;
        free(expect);
        eng_snapshot_release(&snap);
        return 0;
}
