/*
 * cmd_segments.c: `cxgarden segments --by FIELD [--people] [--metric LIST] [--at DATE]
 * [--json]`: accounts (or people) grouped by a canonical field or an attribute, with count,
 * churn rate, MRR, average health and engagement, and NPS per group. --json prints the document
 * of GET /api/v1/segments (view_segments.c); --metric keeps only some of its metrics.
 */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "app/view_segments.h"
#include "cli/cmd_engine.h"
#include "core/banned.h"
#include "core/buf.h"
#include "engine/segments.h"

static void usage(FILE *f)
{
        fprintf(f, "usage: cxgarden [--db PATH] [--config FILE] segments --by FIELD [--people] "
                   "[--metric count,churn,mrr,health,engagement,nps] [--at DATE] [--json]\n"
                   "FIELD: plan, owner, currency, stage, band, garden, churned, seniority and "
                   "role (--people), or any attribute key (e.g. Contract)\n");
}

static void print_row(const struct eng_segment *g, const int *show, int width)
{
        printf("%-*.*s", width, width, g->name);
        for (int m = 0; m < ENG_SM__COUNT; m++) {
                double v = eng_segment_metric(g, m);

                if (!show[m])
                        continue;
                if (isnan(v))
                        printf(" %11s", "-");
                else if (m == ENG_SM_COUNT)
                        printf(" %11.0f", v);
                else if (m == ENG_SM_CHURN)
                        printf(" %10.1f%%", v);
                else if (m == ENG_SM_MRR)
                        printf(" %11.2f", v);
                else
                        printf(" %11.1f", v);
        }
        printf("\n");
}

int cli_segments(struct cli *c)
{
        const char *by = NULL;
        int people = 0, json = 0, threads = 2, code, show[ENG_SM__COUNT] = {1, 1, 1, 1, 1, 1};
        int64_t at = CXG_TS_NONE;
        struct store *st = NULL;
        struct eng_engine e;
        struct eng_segments g;
        struct cxg_error err;
        struct cxg_buf b;
        int width = 20, metric_given = 0;

        for (int i = 1; i < c->argc; i++) {
                const char *a = c->argv[i];

                if (strcmp(a, "--json") == 0) {
                        json = 1;
                } else if (strcmp(a, "--people") == 0) {
                        people = 1;
                } else if (strcmp(a, "--by") == 0 && i + 1 < c->argc) {
                        by = c->argv[++i];
                } else if (strcmp(a, "--metric") == 0 && i + 1 < c->argc) {
                        const char *p = c->argv[++i];

                        metric_given = 1;
                        memset(show, 0, sizeof(show));
                        while (*p) {
                                size_t n = strcspn(p, ",");
                                int m = eng_segment_metric_parse(p, n);

                                if (m < 0) {
                                        cli_errorf("segments: --metric: unknown metric \"%.*s\" "
                                                   "(count, churn, mrr, health, engagement, nps)",
                                                   (int)n, p);
                                        return CLI_USAGE;
                                }
                                show[m] = 1;
                                p += n;
                                if (*p == ',')
                                        p++;
                        }
                } else if (strcmp(a, "--at") == 0 && i + 1 < c->argc) {
                        if ((code = cmd_parse_at("segments", c->argv[++i], &at)))
                                return code;
                } else if (strcmp(a, "--threads") == 0 && i + 1 < c->argc) {
                        if ((code = cmd_parse_threads("segments", c->argv[++i], &threads)))
                                return code;
                } else if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0) {
                        usage(stdout);
                        return CLI_OK;
                } else {
                        cli_errorf("segments: unknown argument '%s'", a);
                        usage(stderr);
                        return CLI_USAGE;
                }
        }
        if (people && !metric_given) {
                /* MRR and health belong to accounts */
                show[ENG_SM_MRR] = show[ENG_SM_HEALTH] = 0;
        }
        if (!by) {
                cli_errorf("segments: which field? give --by FIELD");
                usage(stderr);
                return CLI_USAGE;
        }
        if ((code = cmd_engine_open(c, "segments", at, threads, 0, &st, &e)))
                return code;
        cxg_error_clear(&err);
        if (eng_segments_compute(&e.snap, &e.scores, by, people, e.scores.at, &g, &err)) {
                cli_errorf("%s", err.msg);
                eng_engine_release(&e);
                store_close(st);
                return CLI_FAIL;
        }
        if (g.n == 1 && strcmp(g.groups[0].name, "(none)") == 0 &&
            !eng_field_is_canonical(by, people))
                cli_errorf("segments: warning: no %s has the attribute \"%s\"",
                           people ? "person" : "account", by);
        if (json) {
                enum cxg_err rc;

                cxg_buf_init(&b, 0);
                rc =
                    view_segments_json(&g, by, people, e.scores.at, metric_given ? show : NULL, &b);
                if (!rc)
                        rc = cxg_buf_putc(&b, '\n');
                if (rc) {
                        cli_errorf("segments: %s", cxg_strerror(rc));
                        code = CLI_FAIL;
                } else {
                        fputs(b.data, stdout);
                }
                cxg_buf_release(&b);
        } else {
                for (size_t k = 0; k < g.n; k++)
                        if ((int)strlen(g.groups[k].name) > width)
                                width = strlen(g.groups[k].name) > 40
                                            ? 40
                                            : (int)strlen(g.groups[k].name);
                printf("%-*.*s", width, width, by);
                for (int m = 0; m < ENG_SM__COUNT; m++)
                        if (show[m])
                                printf(" %11s", m == ENG_SM_COUNT ? (people ? "people" : "accounts")
                                                                  : eng_segment_metric_name(m));
                printf("\n");
                for (size_t k = 0; k < g.n; k++)
                        print_row(&g.groups[k], show, width);
                print_row(&g.total, show, width);
        }
        eng_segments_release(&g);
        eng_engine_release(&e);
        store_close(st);
        return code;
}
