/*
 * cmd_sweetspot.c: `cxgarden sweetspot`: segments of accounts ranked by retention, MRR,
 * engagement and fit (eng_sweetspot), as a table or as the API's JSON (view_sweetspot).
 */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "app/view_alerts.h"
#include "cli/cmd_alerts.h"
#include "cli/cmd_engine.h"
#include "core/banned.h"

#define DEFAULT_LIMIT 50 /* segments shown */

static const struct cli_flag sweet_flags[] = {{"by", "by"}, {"min_size", "min-size"}, {NULL, NULL}};

static void sweetspot_usage(FILE *f)
{
        fprintf(f, "usage: cxgarden [--db PATH] [--config FILE] sweetspot [--by FIELD,...] "
                   "[--min-size N]\n"
                   "                     [--at DATE] [--limit N] [--json]\n"
                   "fields: plan, owner, currency, garden, or an account attribute (region, "
                   "industry, ...)\n");
}

static void print_text(const struct eng_sweet_result *r, const struct eng_sweet_opts *so,
                       size_t limit)
{
        char d1[32];

        printf("segments by %s as of %s (%zu accounts; retention over %.0f days; "
               "segments under %zu accounts not ranked)\n",
               r->by, cxg_date_format(r->at, d1), r->n_accounts, so->retention_days, so->min_size);
        printf("%4s  %-34s %6s %9s %10s %10s %6s %5s %6s  %s\n", "rank", "segment", "size",
               "retained", "mean MRR", "total MRR", "engage", "fit", "score", "verdict");
        for (size_t k = 0; k < r->n && k < limit; k++) {
                const struct eng_sweet_segment *g = &r->seg[k];
                char rank[24], score[24];

                if (g->rank)
                        snprintf(rank, sizeof(rank), "%zu", g->rank);
                else
                        snprintf(rank, sizeof(rank), "-");
                if (isnan(g->score))
                        snprintf(score, sizeof(score), "-");
                else
                        snprintf(score, sizeof(score), "%.1f", g->score);
                printf("%4s  %-34.34s %6zu %8.1f%% %10.0f %10.0f %6.1f %4.0f%% %6s  %s\n", rank,
                       g->key, g->size, 100 * g->retention, g->mrr_mean, g->mrr_total,
                       g->engagement, 100 * g->fit, score, g->verdict);
        }
}

int cli_sweetspot(struct cli *c)
{
        struct eng_sweet_opts so;
        struct eng_sweet_result r;
        struct eng_engine e;
        struct store *st = NULL;
        struct cxg_error err;
        int64_t at = CXG_TS_NONE, v;
        int json = 0, code, threads = 2;
        size_t limit = DEFAULT_LIMIT;

        eng_sweet_opts_init(&so);
        for (int i = 1; i < c->argc; i++) {
                const char *a = c->argv[i];

                if (strcmp(a, "--json") == 0) {
                        json = 1;
                } else if (strcmp(a, "--by") == 0 && i + 1 < c->argc) {
                        so.by = c->argv[++i];
                } else if (strcmp(a, "--at") == 0 && i + 1 < c->argc) {
                        if ((code = cmd_parse_at("sweetspot", c->argv[++i], &at)))
                                return code;
                } else if ((strcmp(a, "--min-size") == 0 || strcmp(a, "--limit") == 0) &&
                           i + 1 < c->argc) {
                        if ((code = acli_parse_id("sweetspot", c->argv[++i], &v)))
                                return code;
                        if (a[2] == 'm')
                                so.min_size = (size_t)v;
                        else
                                limit = (size_t)v;
                } else if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0) {
                        sweetspot_usage(stdout);
                        return CLI_OK;
                } else {
                        cli_errorf("sweetspot: unknown argument '%s'", a);
                        sweetspot_usage(stderr);
                        return CLI_USAGE;
                }
        }
        if ((code = cmd_engine_open(c, "sweetspot", at, threads, 0, &st, &e)))
                return code;
        cxg_error_clear(&err);
        memset(&r, 0, sizeof(r));
        if (eng_sweetspot(&e.snap, &e.scores, &so, &r, &err))
                code = acli_fail("sweetspot", &err, sweet_flags);
        else if (json)
                code = acli_print_json(view_sweetspot(&r, limit));
        else
                print_text(&r, &so, limit);
        eng_sweet_result_release(&r);
        eng_engine_release(&e);
        store_close(st);
        return code;
}
