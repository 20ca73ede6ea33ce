/*
 * cmd_fit.c: `cxgarden fit ACCOUNT [--json]` (coverage of each objective, under-reach with plan
 * or product gaps, over-reach with shares of the plan price, stakeholders and their
 * engagement), `cxgarden fit --summary [--limit N] [--json]` (objectives most often
 * under-reached by MRR at stake, capabilities paid for and unused by plan) and
 * `cxgarden fit --under-reached [--active] [--json]` (every under-reached objective). Read from
 * the engine snapshot through src/engine/fit_snapshot.c.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "app/view_fit.h"
#include "cli/cmd_engine.h"
#include "core/alloc.h"
#include "core/buf.h"
#include "core/parse.h"
#include "engine/fit.h"

#include "core/banned.h"

static void usage(FILE *f)
{
        fprintf(f, "usage: cxgarden [--db PATH] [--config FILE] fit ACCOUNT [--at DATE] [--all] "
                   "[--json]\n"
                   "       cxgarden fit --summary [--limit N] [--at DATE] [--all] [--json]\n"
                   "       cxgarden fit --under-reached [--active] [--at DATE] [--all] [--json]\n"
                   "--all counts achieved and abandoned objectives too; usage is read over the "
                   "90 days up to --at\n");
}

static int print_json(int (*fn)(const void *, struct cxg_buf *), const void *arg)
{
        struct cxg_buf b;
        int ok;

        cxg_buf_init(&b, 0);
        ok = fn(arg, &b) == 0 && cxg_buf_putc(&b, '\n') == CXG_OK;
        if (ok)
                fputs(b.data, stdout);
        else
                cli_errorf("fit: out of memory writing JSON");
        cxg_buf_release(&b);
        return ok ? CLI_OK : CLI_FAIL;
}

static const char *plan_of(const struct eng_fit_view *v, uint32_t plan)
{
        return plan != ENG_FIT_NONE && plan < v->snap->plans.n ? v->snap->plans.names[plan]
                                                               : "(none)";
}

static const char *cap_label(const struct eng_fit_view *v, uint32_t c, const char *written)
{
        return c != ENG_FIT_NONE && c < v->snap->n_caps ? v->snap->c_ext[c]
                                                        : (written ? written : "?");
}

/* ---- one account ---- */

struct acct_args {
        const struct eng_fit_view *v;
        const struct eng_fit_account_report *r;
};

static int acct_json(const void *arg, struct cxg_buf *b)
{
        const struct acct_args *x = arg;

        return view_fit_account_json(x->v, x->r, b);
}

static void print_account(const struct eng_fit_view *v, const struct eng_fit_account_report *rep)
{
        const struct eng_snapshot *s = v->snap;
        const struct eng_fit_account_result *r = &rep->fit;
        char at[16];

        cxg_date_format(v->q.at, at);
        printf("%s (%s), plan %s, MRR %.2f%s; usage over the 90 days to %s\n", s->a_ext[r->account],
               s->a_name[r->account] ? s->a_name[r->account] : "", plan_of(v, r->plan), r->mrr,
               s->a_churned[r->account] ? ", churned" : "", at);
        if (!r->n_objectives) {
                printf("no objectives%s\n", v->q.all_objectives ? "" : " still open (see --all)");
        } else {
                printf("objectives: %zu, under-reached %zu, mean coverage %.0f%%\n",
                       r->n_objectives, r->n_under, 100 * r->coverage);
        }
        for (size_t i = 0; i < r->n_objectives; i++) {
                const struct eng_fit_objective *o = &r->objectives[i];
                uint32_t p = o->person;

                printf("\n  %s  %s [%s]%s\n", s->o_ext[o->objective], s->o_title[o->objective],
                       s->o_status[o->objective],
                       o->product_gap ? "  UNDER-REACH (product gap)"
                       : o->plan_gap  ? "  UNDER-REACH (plan gap)"
                                      : "");
                printf("    held by %s; coverage %.0f%% (%u of %zu needs included and used)\n",
                       p < s->n_people ? (s->p_name[p] ? s->p_name[p] : s->p_ext[p]) : "no one",
                       100 * o->coverage, (unsigned)lround(o->coverage * (double)o->n_needs),
                       o->n_needs);
                for (size_t q = o->need_off; q < o->need_off + o->n_needs; q++) {
                        const struct eng_fit_need *nd = &r->needs[q];

                        printf("    - %-28s %s\n", cap_label(v, nd->cap, nd->name),
                               !nd->available  ? "not in the product"
                               : !nd->included ? "not in the plan"
                               : !nd->used     ? "included, unused"
                                               : "included, used");
                }
        }
        if (r->plan != ENG_FIT_NONE) {
                printf("\nplan %s: %u of %u capabilities used (%.0f%%); paid for and unused: "
                       "%zu, %.2f of MRR\n",
                       plan_of(v, r->plan), r->n_plan_caps_used, r->n_plan_caps,
                       100 * r->usage_ratio, r->n_over, r->over_reach_mrr);
                for (size_t i = 0; i < r->n_over; i++)
                        printf("  - %-28s %8.2f  (%.1f%% of the plan price)%s\n",
                               cap_label(v, r->over[i].cap, NULL), r->over[i].price_share,
                               r->n_plan_caps ? 100.0 / r->n_plan_caps : NAN,
                               r->over[i].needed ? "  needed by an objective" : "");
        }
        if (rep->n_stakeholders) {
                printf("\nstakeholders holding objectives:\n");
                printf("  %-24s %-10s %10s %6s %6s %6s %8s\n", "person", "seniority", "engagement",
                       "objs", "under", "unmet", "coverage");
        }
        for (size_t i = 0; i < rep->n_stakeholders; i++) {
                const struct eng_fit_stakeholder *h = &rep->stakeholders[i];
                const char *name = h->person == ENG_FIT_NONE ? "(no one in particular)"
                                   : s->p_name[h->person]    ? s->p_name[h->person]
                                                             : s->p_ext[h->person];
                char eng[16];

                if (isnan(h->engagement))
                        snprintf(eng, sizeof(eng), "inactive");
                else
                        snprintf(eng, sizeof(eng), "%.0f", h->engagement);
                printf("  %-24.24s %-10s %10s %6u %6u %6u %7.0f%%\n", name,
                       h->person == ENG_FIT_NONE ? "-" : model_seniority_name(h->seniority), eng,
                       h->n_objectives, h->n_under, h->n_unmet, 100 * h->coverage);
        }
}

/* ---- summary ---- */

struct sum_args {
        const struct eng_fit_view *v;
        const struct eng_fit_summary *s;
        size_t limit;
};

static int sum_json(const void *arg, struct cxg_buf *b)
{
        const struct sum_args *x = arg;

        return view_fit_summary_json(x->v, x->s, x->limit, b);
}

static void print_summary(const struct eng_fit_view *v, const struct eng_fit_summary *sum,
                          size_t limit)
{
        size_t shown = 0;

        printf("active accounts %u: %u with an under-reached objective (MRR %.2f), %u paying for "
               "unused capabilities (%.2f of MRR paid for unused capabilities)\n",
               sum->n_accounts, sum->n_accounts_under, sum->mrr_under, sum->n_accounts_over,
               sum->mrr_over);
        printf("\nobjectives most often under-reached, by MRR at stake:\n");
        printf("  %-52s %6s %6s %8s %12s\n", "objective", "count", "under", "accounts",
               "MRR at stake");
        for (size_t i = 0; i < sum->n_objectives && (!limit || shown < limit); i++) {
                const struct eng_fit_objective_row *o = &sum->objectives[i];

                if (!o->n_under)
                        continue;
                shown++;
                printf("  %-52.52s %6u %6u %8u %12.2f\n", o->title ? o->title : "?",
                       o->n_objectives, o->n_under, o->n_accounts_under, o->mrr_at_stake);
        }
        if (!shown)
                printf("  (none)\n");
        printf("\nneeds blocking them:\n");
        for (size_t i = 0; i < sum->n_missing && (!limit || i < limit); i++) {
                const struct eng_fit_missing_row *m = &sum->missing[i];

                printf("  %-32s %-20s %4u objectives, %4u accounts, MRR %.2f\n",
                       cap_label(v, m->cap, m->name),
                       m->cap == ENG_FIT_NONE ? "not in the product" : "not in their plan",
                       m->n_objectives, m->n_accounts, m->mrr_at_stake);
        }
        printf("\ncapabilities paid for and unused, by plan:\n");
        for (size_t p = 0; p < sum->n_plans; p++) {
                const struct eng_fit_plan_row *pr = &sum->plans[p];

                if (!pr->n_accounts || !pr->n_caps)
                        continue;
                printf("  %s: %u accounts, MRR %.2f, %.0f%% of %u capabilities used on "
                       "average, %.2f paid for unused\n",
                       plan_of(v, pr->plan), pr->n_accounts, pr->mrr, 100 * pr->usage_ratio,
                       pr->n_caps, pr->paid_unused_mrr);
                for (size_t i = 0; i < sum->n_unused; i++) {
                        const struct eng_fit_unused_row *u = &sum->unused[i];

                        if (u->plan != pr->plan || !u->n_unused)
                                continue;
                        printf("    %-32s unused by %3u of %3u (%3.0f%%), %.2f of MRR\n",
                               cap_label(v, u->cap, NULL), u->n_unused, u->n_accounts,
                               100 * u->unused_share, u->paid_unused_mrr);
                }
        }
}

/* ---- under-reached list ---- */

struct under_args {
        const struct eng_fit_view *v;
        const struct eng_fit_under_row *rows;
        size_t n;
};

static int under_json(const void *arg, struct cxg_buf *b)
{
        const struct under_args *x = arg;

        return view_fit_under_json(x->v, x->rows, x->n, b);
}

static void print_under(const struct eng_fit_view *v, const struct eng_fit_under_row *rows,
                        size_t n)
{
        const struct eng_snapshot *s = v->snap;

        printf("%zu under-reached objectives\n", n);
        for (size_t i = 0; i < n; i++) {
                uint32_t o = rows[i].objective, a = rows[i].account;

                printf("  %-14s %-12s %-10s %-8s %s\n", s->o_ext[o], s->a_ext[a],
                       plan_of(v, v->acct_plan[a]), rows[i].product_gap ? "product" : "plan",
                       s->o_title[o]);
        }
}

int cli_fit(struct cli *c)
{
        enum { ONE, SUMMARY, UNDER } mode = ONE;
        const char *account = NULL;
        struct eng_fit_query q;
        struct eng_fit_view v;
        struct eng_engine e;
        struct store *st = NULL;
        struct cxg_error err;
        int json = 0, active = 0, code;
        int64_t at = CXG_TS_NONE;
        size_t limit = 20;

        eng_fit_query_init(&q);
        for (int i = 1; i < c->argc; i++) {
                const char *a = c->argv[i];
                const char *val = i + 1 < c->argc ? c->argv[i + 1] : NULL;

                if (strcmp(a, "--json") == 0) {
                        json = 1;
                } else if (strcmp(a, "--summary") == 0) {
                        mode = SUMMARY;
                } else if (strcmp(a, "--under-reached") == 0) {
                        mode = UNDER;
                } else if (strcmp(a, "--active") == 0) {
                        active = 1;
                } else if (strcmp(a, "--all") == 0) {
                        q.all_objectives = 1;
                } else if (strcmp(a, "--at") == 0 && val) {
                        if ((code = cmd_parse_at("fit", val, &at)))
                                return code;
                        i++;
                } else if (strcmp(a, "--limit") == 0 && val) {
                        char *end;
                        long n = strtol(val, &end, 10);

                        if (*end || end == val || n < 0 || n > 100000) {
                                cli_errorf("fit: --limit: expected a count (0: all), not '%s'",
                                           val);
                                return CLI_USAGE;
                        }
                        limit = (size_t)n;
                        i++;
                } else if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0) {
                        usage(stdout);
                        return CLI_OK;
                } else if (a[0] != '-' && !account) {
                        account = a;
                } else {
                        cli_errorf("fit: unknown argument '%s'", a);
                        usage(stderr);
                        return CLI_USAGE;
                }
        }
        if ((mode == ONE) == (account == NULL)) {
                cli_errorf(mode == ONE ? "fit: expected an account id, --summary or --under-reached"
                                       : "fit: an account id does not go with --summary or "
                                         "--under-reached");
                usage(stderr);
                return CLI_USAGE;
        }
        if ((code = cmd_engine_open(c, "fit", at, 0, 0, &st, &e)))
                return code;
        cxg_error_clear(&err);
        q.at = e.scores.at;
        if (mode == ONE) {
                q.account = eng_account_find(&e.snap, account);
                if (q.account == ENG_NONE) {
                        cli_errorf("fit: no account '%s'", account);
                        code = CLI_FAIL;
                        goto done;
                }
        }
        if (eng_fit_view_init(&v, &e.snap, &e.scores, &q, &err)) {
                cli_errorf("fit: %s", err.msg);
                code = CLI_FAIL;
                goto done;
        }
        if (mode == ONE) {
                struct eng_fit_account_report rep;

                if (eng_fit_account_report(&v, q.account, &rep, &err)) {
                        cli_errorf("fit: %s", err.msg);
                        code = CLI_FAIL;
                } else {
                        struct acct_args x = {&v, &rep};

                        if (json)
                                code = print_json(acct_json, &x);
                        else
                                print_account(&v, &rep);
                        eng_fit_account_report_release(&rep);
                }
        } else if (mode == SUMMARY) {
                struct eng_fit_summary sum;

                if (eng_fit_summary(&v.fit, &sum, &err)) {
                        cli_errorf("fit: %s", err.msg);
                        code = CLI_FAIL;
                } else {
                        struct sum_args x = {&v, &sum, limit};

                        if (json)
                                code = print_json(sum_json, &x);
                        else
                                print_summary(&v, &sum, limit);
                        eng_fit_summary_release(&sum);
                }
        } else {
                struct eng_fit_under_row *rows;
                size_t n;

                if (eng_fit_under_list(&v, active, &rows, &n, &err)) {
                        cli_errorf("fit: %s", err.msg);
                        code = CLI_FAIL;
                } else {
                        struct under_args x = {&v, rows, n};

                        if (json)
                                code = print_json(under_json, &x);
                        else
                                print_under(&v, rows, n);
                        cxg_free(rows);
                }
        }
        eng_fit_view_release(&v);
done:
        eng_engine_release(&e);
        store_close(st);
        return code;
}
