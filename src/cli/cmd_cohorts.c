/*
 * cmd_cohorts.c: `cxgarden cohorts [--by accounts|people|revenue] [--cumulative] [--at DATE]
 * [--segment FIELD=VALUE] [--json]` prints monthly signup cohorts with their retention matrix;
 * `--lifecycle` prints new, returning, resurrecting and dormant accounts (or people) per month.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "app/view_cohorts.h"
#include "cli/cmd_engine.h"
#include "core/banned.h"
#include "core/buf.h"
#include "engine/cohorts.h"

static void usage(FILE *f)
{
        fprintf(f, "usage: cxgarden [--db PATH] cohorts [--by accounts|people|revenue] "
                   "[--cumulative] [--lifecycle] [--segment FIELD=VALUE] [--at DATE] [--json]\n");
}

static void month_name(int64_t mi, char *out, size_t cap)
{
        char d[16];

        cxg_date_format(cxg_month_start(mi), d);
        snprintf(out, cap, "%.7s", d);
}

static int print_matrix(const struct eng_cohorts *co, int by, int cumulative, int json)
{
        struct cxg_buf b;
        enum cxg_err rc = CXG_OK;
        char m[16];

        if (json) {
                cxg_buf_init(&b, 0);
                rc = view_cohorts_json(co, by, cumulative, &b);
                if (!rc)
                        rc = cxg_buf_putc(&b, '\n');
                if (!rc)
                        fputs(b.data, stdout);
                cxg_buf_release(&b);
                if (rc) {
                        cli_errorf("cohorts: %s", cxg_strerror(rc));
                        return CLI_FAIL;
                }
                return CLI_OK;
        }
        if (!co->n) {
                printf("no cohorts: no signup dates or activity\n");
                return CLI_OK;
        }
        printf("%s retention by monthly signup cohort (%s; %% of period 0 %s)\n",
               by == ENG_COHORT_REVENUE  ? "revenue"
               : by == ENG_COHORT_PEOPLE ? "people"
                                         : "account",
               cumulative ? "cumulative: active in every period up to N"
                          : "recurring: active in period N",
               by == ENG_COHORT_REVENUE ? "MRR" : "size");
        printf("%-8s %10s", "cohort", by == ENG_COHORT_REVENUE ? "MRR" : "size");
        for (size_t k = 0; k < co->n && k < 25; k++) {
                char h[8];

                snprintf(h, sizeof(h), "M%zu", k);
                printf(" %6s", h);
        }
        printf("\n");
        for (size_t c = 0; c < co->n; c++) {
                month_name(co->first_month + (int64_t)c, m, sizeof(m));
                printf("%-8s %10.0f", m, co->size[c]);
                for (size_t k = 0; c + k < co->n && k < 25; k++) {
                        if (co->size[c] > 0 && !isnan(co->value[c * co->n + k]))
                                printf(" %5.1f%%", 100 * co->value[c * co->n + k] / co->size[c]);
                        else
                                printf(" %6s", "-");
                }
                printf("\n");
        }
        return CLI_OK;
}

static int print_lifecycle(const struct eng_lifecycle *l, int people, int json)
{
        char m[16];

        if (json) {
                struct cxg_buf b;
                enum cxg_err rc;

                cxg_buf_init(&b, 0);
                rc = view_lifecycle_json(l, people, &b);
                if (!rc)
                        rc = cxg_buf_putc(&b, '\n');
                if (!rc)
                        fputs(b.data, stdout);
                cxg_buf_release(&b);
                if (rc) {
                        cli_errorf("cohorts: %s", cxg_strerror(rc));
                        return CLI_FAIL;
                }
                return CLI_OK;
        }
        printf("%s lifecycle per month (leaky: dormant > returning + resurrecting)\n",
               people ? "people" : "account");
        printf("%-8s %9s %10s %13s %8s %12s\n", "month", "new", "returning", "resurrecting",
               "dormant", "quick ratio");
        for (size_t k = 0; k < l->n; k++) {
                double q = l->dormant[k]
                               ? (double)(l->new_[k] + l->resurrecting[k]) / (double)l->dormant[k]
                               : NAN;

                month_name(l->first_month + (int64_t)k, m, sizeof(m));
                printf("%-8s %9zu %10zu %13zu %8zu", m, l->new_[k], l->returning[k],
                       l->resurrecting[k], l->dormant[k]);
                if (isnan(q))
                        printf(" %12s", "-");
                else
                        printf(" %12.2f", q);
                printf("%s\n",
                       l->dormant[k] > l->returning[k] + l->resurrecting[k] ? "  leaky" : "");
        }
        return CLI_OK;
}

int cli_cohorts(struct cli *c)
{
        struct eng_cohort_opts o = {.at = CXG_TS_NONE};
        int json = 0, lifecycle = 0, code, threads = 2;
        char field[128] = "";
        const char *value = NULL;
        struct store *st = NULL;
        struct eng_engine e;
        struct cxg_error err;

        for (int i = 1; i < c->argc; i++) {
                const char *a = c->argv[i];

                if (strcmp(a, "--json") == 0) {
                        json = 1;
                } else if (strcmp(a, "--cumulative") == 0) {
                        o.cumulative = 1;
                } else if (strcmp(a, "--lifecycle") == 0) {
                        lifecycle = 1;
                } else if (strcmp(a, "--people") == 0) {
                        o.by = ENG_COHORT_PEOPLE;
                } else if (strcmp(a, "--by") == 0 && i + 1 < c->argc) {
                        const char *v = c->argv[++i];

                        if (strcmp(v, "accounts") == 0)
                                o.by = ENG_COHORT_ACCOUNTS;
                        else if (strcmp(v, "people") == 0)
                                o.by = ENG_COHORT_PEOPLE;
                        else if (strcmp(v, "revenue") == 0)
                                o.by = ENG_COHORT_REVENUE;
                        else {
                                cli_errorf("cohorts: --by must be accounts, people or revenue, "
                                           "not \"%s\"",
                                           v);
                                return CLI_USAGE;
                        }
                } else if (strcmp(a, "--segment") == 0 && i + 1 < c->argc) {
                        const char *v = c->argv[++i], *eq = strchr(v, '=');

                        if (!eq || eq == v || (size_t)(eq - v) >= sizeof(field)) {
                                cli_errorf("cohorts: --segment must be FIELD=VALUE, not \"%s\"", v);
                                return CLI_USAGE;
                        }
                        snprintf(field, sizeof(field), "%.*s", (int)(eq - v), v);
                        value = eq + 1;
                } else if (strcmp(a, "--at") == 0 && i + 1 < c->argc) {
                        if ((code = cmd_parse_at("cohorts", c->argv[++i], &o.at)))
                                return code;
                } else if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0) {
                        usage(stdout);
                        return CLI_OK;
                } else {
                        cli_errorf("cohorts: unknown argument '%s'", a);
                        usage(stderr);
                        return CLI_USAGE;
                }
        }
        if (lifecycle && o.by == ENG_COHORT_REVENUE) {
                cli_errorf("cohorts: --lifecycle counts accounts or people, not revenue");
                return CLI_USAGE;
        }
        if ((code = cmd_engine_open(c, "cohorts", o.at, threads, 0, &st, &e)))
                return code;
        if (value) {
                o.segment_field = field;
                o.segment_value = value;
        }
        o.scores = &e.scores;
        cxg_error_clear(&err);
        if (lifecycle) {
                struct eng_lifecycle l;

                if (eng_lifecycle_compute(&e.snap, &o, &l, &err)) {
                        cli_errorf("%s", err.msg);
                        code = CLI_FAIL;
                } else {
                        code = print_lifecycle(&l, o.by == ENG_COHORT_PEOPLE, json);
                        eng_lifecycle_release(&l);
                }
        } else {
                struct eng_cohorts co;

                if (eng_cohorts_compute(&e.snap, &o, &co, &err)) {
                        cli_errorf("%s", err.msg);
                        code = CLI_FAIL;
                } else {
                        code = print_matrix(&co, o.by, o.cumulative, json);
                        eng_cohorts_release(&co);
                }
        }
        eng_engine_release(&e);
        store_close(st);
        return code;
}
