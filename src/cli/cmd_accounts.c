/*
 * cmd_accounts.c: `cxgarden accounts [--sort health|robustness|engagement|mrr] [--limit N]
 * [--reverse] [--at DATE] [--json]` lists accounts with their scores (lowest health first by
 * default: the ones to look at), and `cxgarden account ID [--at DATE] [--json]` shows one
 * account: scores, components, experience against expectation, reasons, stakeholders and the
 * score history.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "app/view_account.h"
#include "cli/cmd_engine.h"
#include "core/alloc.h"
#include "core/banned.h"
#include "core/buf.h"
#include "core/timeconst.h"
#include "store/store_scores.h"

enum sort_key { SORT_HEALTH, SORT_ROBUSTNESS, SORT_ENGAGEMENT, SORT_MRR };

static const struct eng_scores *g_r; /* qsort has no context argument */
static enum sort_key g_key;
static int g_reverse;

static double key_of(uint32_t a)
{
        switch (g_key) {
        case SORT_ROBUSTNESS:
                return g_r->acc[a].robustness;
        case SORT_ENGAGEMENT:
                return g_r->acc[a].engagement;
        case SORT_MRR:
                return g_r->snap->a_mrr[a];
        default:
                return g_r->acc[a].health;
        }
}

static int cmp(const void *x, const void *y)
{
        uint32_t a = *(const uint32_t *)x, b = *(const uint32_t *)y;
        double ka = key_of(a), kb = key_of(b);
        int r;

        /* unknown values last either way */
        if (isnan(ka) || isnan(kb))
                return isnan(ka) - isnan(kb) ? isnan(ka) - isnan(kb) : (a > b) - (a < b);
        r = (ka > kb) - (ka < kb);
        if (g_key == SORT_MRR)
                r = -r; /* largest revenue first */
        if (g_reverse)
                r = -r;
        return r ? r : (a > b) - (a < b);
}

static void fmt(char *out, size_t cap, double v)
{
        if (isnan(v))
                snprintf(out, cap, "-");
        else
                snprintf(out, cap, "%.1f", v);
}

static void accounts_usage(FILE *f)
{
        fprintf(f, "usage: cxgarden [--db PATH] [--config FILE] accounts [--sort "
                   "health|robustness|engagement|mrr] [--reverse] [--limit N] [--at DATE] "
                   "[--threads N] [--json]\n");
}

int cli_accounts(struct cli *c)
{
        int64_t at = CXG_TS_NONE, limit = 20;
        int threads = 2, json = 0, code;
        struct store *st = NULL;
        struct eng_engine e;
        struct cxg_buf b;
        uint32_t *order = NULL;
        size_t n;

        g_key = SORT_HEALTH;
        g_reverse = 0;
        for (int i = 1; i < c->argc; i++) {
                const char *a = c->argv[i];
                struct cxg_error err;

                if (strcmp(a, "--json") == 0) {
                        json = 1;
                } else if (strcmp(a, "--reverse") == 0) {
                        g_reverse = 1;
                } else if (strcmp(a, "--sort") == 0 && i + 1 < c->argc) {
                        const char *k = c->argv[++i];

                        if (strcmp(k, "health") == 0)
                                g_key = SORT_HEALTH;
                        else if (strcmp(k, "robustness") == 0)
                                g_key = SORT_ROBUSTNESS;
                        else if (strcmp(k, "engagement") == 0)
                                g_key = SORT_ENGAGEMENT;
                        else if (strcmp(k, "mrr") == 0)
                                g_key = SORT_MRR;
                        else {
                                cli_errorf("accounts: --sort must be health, robustness, "
                                           "engagement or mrr, not \"%s\"",
                                           k);
                                return CLI_USAGE;
                        }
                } else if (strcmp(a, "--limit") == 0 && i + 1 < c->argc) {
                        const char *v = c->argv[++i];

                        if (cxg_parse_int64(v, strlen(v), &limit, &err) || limit < 0) {
                                cli_errorf("accounts: --limit must be a whole number >= 0 (0: "
                                           "all), not \"%s\"",
                                           v);
                                return CLI_USAGE;
                        }
                } else if (strcmp(a, "--at") == 0 && i + 1 < c->argc) {
                        if ((code = cmd_parse_at("accounts", c->argv[++i], &at)))
                                return code;
                } else if (strcmp(a, "--threads") == 0 && i + 1 < c->argc) {
                        if ((code = cmd_parse_threads("accounts", c->argv[++i], &threads)))
                                return code;
                } else if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0) {
                        accounts_usage(stdout);
                        return CLI_OK;
                } else {
                        cli_errorf("accounts: unknown argument '%s'", a);
                        accounts_usage(stderr);
                        return CLI_USAGE;
                }
        }
        if ((code = cmd_engine_open(c, "accounts", at, threads, 0, &st, &e)))
                return code;
        n = e.snap.n_accounts;
        order = cxg_malloc((n ? n : 1) * sizeof(uint32_t));
        if (!order) {
                cli_errorf("accounts: out of memory");
                code = CLI_FAIL;
                goto done;
        }
        for (uint32_t a = 0; a < n; a++)
                order[a] = a;
        g_r = &e.scores;
        qsort(order, n, sizeof(uint32_t), cmp);
        if (limit > 0 && (size_t)limit < n)
                n = (size_t)limit;
        cxg_buf_init(&b, 0);
        if (json) {
                enum cxg_err rc = cxg_buf_putc(&b, '[');

                for (size_t k = 0; k < n && !rc; k++) {
                        if (k)
                                rc = cxg_buf_putc(&b, ',');
                        if (!rc)
                                rc = view_account_json(&e.scores, order[k], 0, &b);
                }
                if (!rc)
                        rc = cxg_buf_puts(&b, "]\n");
                if (rc) {
                        cli_errorf("accounts: %s", cxg_strerror(rc));
                        code = CLI_FAIL;
                } else {
                        fputs(b.data, stdout);
                }
        } else {
                printf("%-16s %-24s %-12s %10s %7s %-8s %10s %10s  %s\n", "id", "name", "plan",
                       "mrr", "health", "band", "robustness", "engagement", "top reason");
                for (size_t k = 0; k < n; k++) {
                        uint32_t a = order[k];
                        const struct eng_account_score *as = &e.scores.acc[a];
                        char h[16], r[16], en[16], m[24], why[320] = "";

                        fmt(h, sizeof(h), as->health);
                        fmt(r, sizeof(r), as->robustness);
                        fmt(en, sizeof(en), as->engagement);
                        fmt(m, sizeof(m), e.snap.a_mrr[a]);
                        if (as->n_reasons)
                                eng_reason_format(&e.scores, a, &as->reasons[0], why, sizeof(why));
                        printf("%-16.16s %-24.24s %-12.12s %10s %7s %-8s %10s %10s  %s\n",
                               e.snap.a_ext[a], e.snap.a_name[a] ? e.snap.a_name[a] : "",
                               e.snap.plans.names[e.snap.a_plan[a]], m, h, eng_band_name(as->band),
                               r, en, why);
                }
        }
        cxg_buf_release(&b);
done:
        cxg_free(order);
        eng_engine_release(&e);
        store_close(st);
        return code;
}

/* ---- account ID ---- */

struct hist {
        struct cxg_buf *b;
        int json, n;
};

static enum cxg_err json_num(struct cxg_buf *b, const char *key, double v)
{
        if (isnan(v))
                return cxg_buf_printf(b, "%snull", key);
        return cxg_buf_printf(b, "%s%.2f", key, v);
}

static enum cxg_err on_hist(void *ctx, const struct store_score_row *row)
{
        struct hist *h = ctx;
        char date[16];

        cxg_date_format(row->at, date);
        if (h->json) {
                enum cxg_err rc =
                    cxg_buf_printf(h->b, "%s{\"at\":\"%s\",\"scorecard\":", h->n ? "," : "", date);

                if (!rc)
                        rc = cxg_buf_json_str(h->b, row->scorecard, strlen(row->scorecard));
                if (!rc)
                        rc = json_num(h->b, ",\"health\":", row->health);
                if (!rc)
                        rc = json_num(h->b, ",\"robustness\":", row->robustness);
                if (!rc)
                        rc = json_num(h->b, ",\"engagement\":", row->engagement);
                if (!rc)
                        rc = cxg_buf_printf(h->b, ",\"band\":\"%s\"}",
                                            row->band ? row->band : "unknown");
                h->n++;
                return rc;
        }
        h->n++;
        printf("  %s  %-10s health %5.1f  robustness %5.1f  engagement %5.1f  %s\n", date,
               row->scorecard, row->health, row->robustness, row->engagement,
               row->band ? row->band : "");
        return CXG_OK;
}

static void account_usage(FILE *f)
{
        fprintf(f, "usage: cxgarden [--db PATH] [--config FILE] account ID [--at DATE] "
                   "[--threads N] [--json]\n");
}

int cli_account(struct cli *c)
{
        int64_t at = CXG_TS_NONE;
        int threads = 2, json = 0, code = CLI_OK;
        const char *id = NULL;
        struct store *st = NULL;
        struct eng_engine e;
        struct cxg_buf b;
        struct cxg_error err;
        uint32_t a;

        for (int i = 1; i < c->argc; i++) {
                const char *x = c->argv[i];

                if (strcmp(x, "--json") == 0) {
                        json = 1;
                } else if (strcmp(x, "--at") == 0 && i + 1 < c->argc) {
                        if ((code = cmd_parse_at("account", c->argv[++i], &at)))
                                return code;
                } else if (strcmp(x, "--threads") == 0 && i + 1 < c->argc) {
                        if ((code = cmd_parse_threads("account", c->argv[++i], &threads)))
                                return code;
                } else if (strcmp(x, "--help") == 0 || strcmp(x, "-h") == 0) {
                        account_usage(stdout);
                        return CLI_OK;
                } else if (x[0] != '-' && !id) {
                        id = x;
                } else {
                        cli_errorf("account: unknown argument '%s'", x);
                        account_usage(stderr);
                        return CLI_USAGE;
                }
        }
        if (!id) {
                cli_errorf("account: which account? give its id");
                account_usage(stderr);
                return CLI_USAGE;
        }
        if ((code = cmd_engine_open(c, "account", at, threads, 0, &st, &e)))
                return code;
        a = eng_account_find(&e.snap, id);
        if (a == ENG_NONE) {
                cli_errorf("account: no account with id \"%s\"", id);
                eng_engine_release(&e);
                store_close(st);
                return CLI_FAIL;
        }
        cxg_buf_init(&b, 0);
        cxg_error_clear(&err);
        if (json) {
                struct hist h = {&b, 1, 0};
                enum cxg_err rc = view_account_json(&e.scores, a, 1, &b);

                if (!rc && b.len)
                        b.data[--b.len] = 0; /* reopen the object for the history */
                if (!rc)
                        rc = cxg_buf_puts(&b, ",\"history\":[");
                if (!rc)
                        rc = store_scores_history(st, e.snap.a_id[a], on_hist, &h, &err);
                if (!rc)
                        rc = cxg_buf_puts(&b, "]}\n");
                if (rc) {
                        cli_errorf("account: %s", err.msg[0] ? err.msg : cxg_strerror(rc));
                        code = CLI_FAIL;
                } else {
                        fputs(b.data, stdout);
                }
        } else {
                const struct eng_scores *r = &e.scores;
                const struct eng_account_score *as = &r->acc[a];
                const struct eng_snapshot *s = &e.snap;
                char date[16], why[320], v[16], x[16];
                struct hist h = {&b, 0, 0};

                cxg_date_format(r->at, date);
                printf("account %s%s%s%s, plan %s, MRR %.2f, %s, as of %s\n", s->a_ext[a],
                       s->a_name[a] ? " (" : "", s->a_name[a] ? s->a_name[a] : "",
                       s->a_name[a] ? ")" : "",
                       s->plans.names[s->a_plan[a]][0] ? s->plans.names[s->a_plan[a]] : "-",
                       isnan(s->a_mrr[a]) ? 0.0 : s->a_mrr[a], eng_stage_name(as->stage), date);
                fmt(v, sizeof(v), as->health);
                printf("health     %6s  (%s, scorecard %s)\n", v, eng_band_name(as->band),
                       r->params.cards[as->card].name);
                fmt(v, sizeof(v), as->robustness);
                printf("robustness %6s\n", v);
                fmt(v, sizeof(v), as->engagement);
                printf("engagement %6s  (%u of %u stakeholders engaged)\n", v, as->n_engaged,
                       as->n_people);
                printf("components:\n");
                for (int k = 0; k < ENG_C__COUNT; k++) {
                        fmt(v, sizeof(v), as->comp[k]);
                        printf("  %-10s %-13s %6s  weight %.2f\n",
                               k < ENG_C_ROBUST_FIRST ? "health" : "robustness", eng_comp_name(k),
                               v, r->params.cards[as->card].weight[k]);
                }
                printf("experience (account, last 30 days / segment expectation):\n");
                for (int m = 0; m < ENG_M__COUNT; m++) {
                        fmt(v, sizeof(v), as->exp_value[m]);
                        fmt(x, sizeof(x), as->exp_base[m]);
                        if (m == ENG_M_FAILURES) {
                                fmt(v, sizeof(v), as->exp_value[m] * 100);
                                fmt(x, sizeof(x), as->exp_base[m] * 100);
                        }
                        printf("  %-13s %8s / %8s%s\n", eng_metric_name(m), v, x,
                               m == ENG_M_FAILURES  ? " %"
                               : m == ENG_M_LATENCY ? " (each type against its own expectation)"
                               : m == ENG_M_CSAT    ? ""
                                                    : " s");
                }
                printf("reasons:\n");
                for (int k = 0; k < as->n_reasons; k++)
                        printf("  %c %s\n", as->reasons[k].impact < 0 ? '-' : '+',
                               eng_reason_format(r, a, &as->reasons[k], why, sizeof(why)));
                printf("stakeholders:\n");
                for (uint32_t k = s->a_poff[a]; k < s->a_poff[a + 1]; k++) {
                        uint32_t p = s->p_list[k];

                        fmt(v, sizeof(v), r->p_engagement[p]);
                        if (r->p_last[p] == INT32_MIN)
                                snprintf(x, sizeof(x), "> %.0f d", r->params.window_days);
                        else
                                snprintf(x, sizeof(x), "%.0f d",
                                         (double)((int64_t)r->at - ENG_EPOCH - r->p_last[p]) /
                                             (double)CXG_DAY);
                        printf("  %-16.16s %-22.22s %-24.24s %-10s engagement %6s  last active "
                               "%s\n",
                               s->p_ext[p], s->p_name[p] ? s->p_name[p] : "",
                               s->p_role[p] ? s->p_role[p] : "",
                               model_seniority_name(s->p_seniority[p]), v, x);
                }
                printf("history:\n");
                if (store_scores_history(st, s->a_id[a], on_hist, &h, &err)) {
                        cli_errorf("account: %s", err.msg);
                        code = CLI_FAIL;
                } else if (!h.n) {
                        printf("  (none yet: run cxgarden score)\n");
                }
        }
        cxg_buf_release(&b);
        eng_engine_release(&e);
        store_close(st);
        return code;
}
