/*
 * cmd_score.c: `cxgarden score [--at DATE] [--threads N] [--json]`: load the snapshot,
 * recompute every score, append them to the score history and print a summary with timings.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "app/view_account.h"
#include "cli/cmd_engine.h"
#include "core/alloc.h"
#include "core/banned.h"
#include "core/buf.h"
#include "store/store_scores.h"

static void usage(FILE *f)
{
        fprintf(f, "usage: cxgarden [--db PATH] [--config FILE] score [--at DATE] [--threads N] "
                   "[--json]\n");
}

/* Append every account's scores to the history in one transaction. */
static enum cxg_err write_history(struct store *st, const struct eng_scores *r,
                                  struct cxg_error *err)
{
        const struct eng_snapshot *s = r->snap;
        struct store_score_row *rows = NULL;
        struct cxg_buf *bufs = NULL;
        size_t chunk = 4096;
        int64_t now = (int64_t)time(NULL);
        enum cxg_err rc = CXG_OK;

        rows = cxg_calloc(chunk, sizeof(*rows));
        bufs = cxg_calloc(chunk, sizeof(*bufs));
        if (!rows || !bufs) {
                rc = cxg_error_set(err, CXG_ERR_NOMEM, "score: out of memory");
                goto done;
        }
        for (size_t k = 0; k < chunk; k++)
                cxg_buf_init(&bufs[k], 64 * 1024);
        if ((rc = store_begin(st, err)))
                goto done;
        for (size_t a0 = 0; a0 < s->n_accounts && !rc; a0 += chunk) {
                size_t n = s->n_accounts - a0 < chunk ? s->n_accounts - a0 : chunk;

                for (size_t k = 0; k < n && !rc; k++) {
                        uint32_t a = (uint32_t)(a0 + k);
                        const struct eng_account_score *as = &r->acc[a];

                        cxg_buf_clear(&bufs[k]);
                        if ((rc = view_components_json(r, a, &bufs[k]))) {
                                cxg_error_set(err, rc, "score: components of account %s: %s",
                                              s->a_ext[a], cxg_strerror(rc));
                                break;
                        }
                        rows[k].account_id = s->a_id[a];
                        rows[k].at = r->at;
                        rows[k].computed_at = now;
                        rows[k].scorecard = r->params.cards[as->card].name;
                        rows[k].health = as->health;
                        rows[k].robustness = as->robustness;
                        rows[k].engagement = as->engagement;
                        rows[k].band = eng_band_name(as->band);
                        rows[k].components = bufs[k].data;
                }
                if (!rc)
                        rc = store_scores_put(st, rows, n, err);
        }
        if (rc)
                store_rollback(st);
        else
                rc = store_commit(st, err);
done:
        if (bufs)
                for (size_t k = 0; k < chunk; k++)
                        cxg_buf_release(&bufs[k]);
        cxg_free(bufs);
        cxg_free(rows);
        return rc;
}

int cli_score(struct cli *c)
{
        int64_t at = CXG_TS_NONE;
        int threads = 2, json = 0, code, bands[4] = {0};
        struct store *st = NULL;
        struct eng_engine e;
        struct cxg_error err;
        double t0, write_s, hsum = 0, rsum = 0;
        size_t hn = 0, rn = 0, ib, ob;
        const struct eng_scores *r;
        char date[16];

        for (int i = 1; i < c->argc; i++) {
                const char *a = c->argv[i];

                if (strcmp(a, "--json") == 0) {
                        json = 1;
                } else if (strcmp(a, "--at") == 0 && i + 1 < c->argc) {
                        if ((code = cmd_parse_at("score", c->argv[++i], &at)))
                                return code;
                } else if (strcmp(a, "--threads") == 0 && i + 1 < c->argc) {
                        if ((code = cmd_parse_threads("score", c->argv[++i], &threads)))
                                return code;
                } else if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0) {
                        usage(stdout);
                        return CLI_OK;
                } else {
                        cli_errorf("score: unknown argument '%s'", a);
                        usage(stderr);
                        return CLI_USAGE;
                }
        }
        if ((code = cmd_engine_open(c, "score", at, threads, 1, &st, &e)))
                return code;
        r = &e.scores;
        cxg_error_clear(&err);
        t0 = eng_now();
        if (write_history(st, r, &err)) {
                cli_errorf("score: %s", err.msg);
                eng_engine_release(&e);
                store_close(st);
                return CLI_FAIL;
        }
        write_s = eng_now() - t0;
        for (size_t a = 0; a < r->n_accounts; a++) {
                bands[r->acc[a].band]++;
                if (!isnan(r->acc[a].health)) {
                        hsum += r->acc[a].health;
                        hn++;
                }
                if (!isnan(r->acc[a].robustness)) {
                        rsum += r->acc[a].robustness;
                        rn++;
                }
        }
        eng_snapshot_memory(&e.snap, &ib, &ob);
        cxg_date_format(r->at, date);
        if (json) {
                printf("{\"at\":\"%s\",\"accounts\":%zu,\"people\":%zu,\"interactions\":%zu,"
                       "\"bands\":{\"good\":%d,\"average\":%d,\"poor\":%d,\"unknown\":%d},"
                       "\"mean_health\":",
                       date, r->n_accounts, r->n_people, e.snap.main.n + e.snap.delta.n,
                       bands[ENG_BAND_GOOD], bands[ENG_BAND_AVERAGE], bands[ENG_BAND_POOR],
                       bands[ENG_BAND_UNKNOWN]);
                if (hn)
                        printf("%.2f", hsum / hn);
                else
                        printf("null");
                printf(",\"mean_robustness\":");
                if (rn)
                        printf("%.2f", rsum / rn);
                else
                        printf("null");
                printf(",\"threads\":%d,\"memory_bytes\":%zu,\"seconds\":{\"load\":%.3f,"
                       "\"compute\":%.3f,\"write\":%.3f}}\n",
                       threads, ib + ob, e.load_s, e.compute_s, write_s);
        } else {
                printf("scored %zu accounts and %zu people as of %s\n", r->n_accounts, r->n_people,
                       date);
                printf("bands: good %d, average %d, poor %d, unknown %d\n", bands[ENG_BAND_GOOD],
                       bands[ENG_BAND_AVERAGE], bands[ENG_BAND_POOR], bands[ENG_BAND_UNKNOWN]);
                if (hn)
                        printf("mean health %.1f, mean robustness %.1f\n", hsum / hn,
                               rn ? rsum / rn : NAN);
                printf("load %.3f s (%zu interactions, %.1f MiB), compute %.3f s (%d threads), "
                       "write %.3f s\n",
                       e.load_s, e.snap.main.n + e.snap.delta.n, (ib + ob) / 1048576.0, e.compute_s,
                       threads, write_s);
        }
        eng_engine_release(&e);
        store_close(st);
        return CLI_OK;
}
