/*
 * incremental.c: the change-log applier's benchmark (issue 14): on a copy of a large database,
 * opens the engine, commits a delta of EVENTS new interactions spread over ACCOUNTS accounts
 * (in batches of 100, as the ingest path commits them), then times eng_engine_catch_up (read
 * the log and the rows, append, rescore the dirty accounts) against eng_engine_recompute (the
 * full recompute) in the same run. Prints "name value" lines; fails when the catch-up did not
 * apply every event or rescored other accounts than the ones written.
 *
 * usage: incremental DB [EVENTS [ACCOUNTS [threads]]]   (the database is written to: a copy)
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engine/engine.h"
#include "store/store.h"
#include "store/store_changes.h"

#define BATCH 100

static void die(const char *what, const struct cxg_error *e)
{
        fprintf(stderr, "incremental: %s: %s\n", what, e->msg);
        exit(1);
}

/* EVENTS rows for ACCOUNTS accounts spread over the snapshot, each by one of its people. */
static void write_delta(struct store *st, const struct eng_snapshot *s, int events, int accounts)
{
        struct store_interaction *r = calloc((size_t)events, sizeof(*r));
        struct cxg_error e;
        int32_t tid;
        size_t step = s->n_accounts / (size_t)accounts, ins = 0;

        if (!r || step == 0) {
                fprintf(stderr, "incremental: too few accounts\n");
                exit(1);
        }
        if (store_begin(st, &e) || store_type_id(st, "login", 5, &tid, &e) || store_commit(st, &e))
                die("type", &e);
        for (int k = 0; k < events; k++) {
                uint32_t a = (uint32_t)((size_t)(k % accounts) * step);

                while (s->a_poff[a] == s->a_poff[a + 1])
                        a++; /* an account with people */
                r[k].person_id = s->p_id[s->p_list[s->a_poff[a]]];
                r[k].account_id = s->a_id[a];
                r[k].ts = s->max_ts - k;
                r[k].duration_ms = 800 + k % 900;
                r[k].value = NAN;
                r[k].type_id = tid;
                r[k].channel = CXG_CH_WEB;
                r[k].outcome = CXG_OUT_OK;
        }
        for (int k = 0; k < events; k += BATCH) {
                size_t n = (size_t)(events - k < BATCH ? events - k : BATCH);

                if (store_begin(st, &e) || store_put_interactions(st, r + k, n, &ins, NULL, &e) ||
                    store_commit(st, &e))
                        die("insert", &e);
        }
        free(r);
}

int main(int argc, char **argv)
{
        struct store *st = NULL;
        struct eng_engine eng;
        struct eng_catchup out;
        struct cxg_error e;
        int events = argc > 2 ? atoi(argv[2]) : 1000, accounts = argc > 3 ? atoi(argv[3]) : 100;
        int threads = argc > 4 ? atoi(argv[4]) : 2;
        size_t rows0;
        double t0, t_catch, t_full;

        if (argc < 2 || events <= 0 || accounts <= 0) {
                fprintf(stderr, "usage: incremental DB [EVENTS [ACCOUNTS [threads]]]\n");
                return 2;
        }
        t0 = eng_now();
        if (store_open(argv[1], 0, &st, &e) ||
            eng_engine_open(&eng, st, NULL, CXG_TS_NONE, threads, &e))
                die("open", &e);
        printf("open_s %.3f\n", eng_now() - t0);
        printf("interactions %zu\naccounts %zu\npeople %zu\n", eng.snap.main.n + eng.snap.delta.n,
               eng.snap.n_accounts, eng.snap.n_people);
        rows0 = eng.snap.main.n + eng.snap.delta.n;
        /* anything committed before (an earlier run's delta) is in the load already */
        if (eng_engine_catch_up(&eng, st, 0, &out, &e))
                die("catch up", &e);
        write_delta(st, &eng.snap, events, accounts);

        t0 = eng_now();
        if (eng_engine_catch_up(&eng, st, 0, &out, &e))
                die("catch up", &e);
        t_catch = eng_now() - t0;
        t0 = eng_now();
        if (eng_engine_recompute(&eng, st, &e))
                die("recompute", &e);
        t_full = eng_now() - t0;
        printf("changes %zu\nrows_applied %zu\ndirty_accounts %zu\nreloaded %d\n", out.changes,
               out.rows, out.dirty_accounts, out.reloaded);
        printf("read_ms %.2f\napply_ms %.2f\nrescore_ms %.2f\n", out.read_s * 1e3,
               out.apply_s * 1e3, out.rescore_s * 1e3);
        printf("catch_up_ms %.2f\nfull_recompute_ms %.2f\nratio %.1f\n", t_catch * 1e3,
               t_full * 1e3, t_full / t_catch);
        if (out.reloaded || out.rows != (size_t)events || out.dirty_accounts > (size_t)accounts ||
            eng.snap.main.n + eng.snap.delta.n != rows0 + (size_t)events) {
                fprintf(stderr, "incremental: the catch-up did not apply the delta as expected\n");
                return 1;
        }
        eng_engine_release(&eng);
        store_close(st);
        return 0;
}
