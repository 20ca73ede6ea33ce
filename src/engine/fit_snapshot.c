/*
 * fit_snapshot.c: fit (fit.h) over the engine snapshot: builds the plain columns of struct
 * eng_fit_input from a finished snapshot (plans, capabilities, objectives with every needed id,
 * the capability usage of the last 90 days), the per-account report with its stakeholder view
 * from the engine's person engagement, the list of under-reached objectives, and the JSON the
 * CLI and the API print. Owns only the columns of a struct eng_fit_view and the arrays of the
 * reports it hands back. Formulas: docs/scoring.md, "Fit".
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "core/alloc.h"
#include "core/buf.h"
#include "core/parse.h"
#include "engine/fit.h"
#include "engine/score.h"
#include "engine/snapshot.h"

#include "core/banned.h"

void eng_fit_query_init(struct eng_fit_query *q)
{
        memset(q, 0, sizeof(*q));
        q->at = CXG_TS_NONE;
        q->window_s = ENG_FIT_WINDOW_S;
        q->account = ENG_FIT_NONE;
}

int eng_fit_status_open(const char *status)
{
        static const char *const closed[] = {"achieved",  "done",      "completed", "closed",
                                             "abandoned", "cancelled", "canceled"};

        if (!status)
                return 1;
        for (size_t k = 0; k < sizeof(closed) / sizeof(closed[0]); k++)
                if (cxg_ieq(status, strlen(status), closed[k]))
                        return 0;
        return 1;
}

void eng_fit_view_release(struct eng_fit_view *v)
{
        eng_fit_release(&v->fit);
        cxg_free(v->cap_plan_off);
        cxg_free(v->cap_plans);
        cxg_free(v->acct_plan);
        cxg_free(v->obj_needs);
        cxg_free(v->acct_mrr);
        cxg_free(v->acct_active);
        cxg_free(v->obj_open);
        cxg_free(v->used);
        memset(v, 0, sizeof(*v));
}

/* Capabilities used by account a in [from, to] (unix seconds): a bitset of one word. */
static uint64_t account_usage(const struct eng_snapshot *s, uint32_t a, int64_t from, int64_t to)
{
        uint64_t lo, hi, m = 0;

        if (s->a_ioff && a < s->ioff_accounts) {
                eng_account_range(s, a, from, to, &lo, &hi);
                for (uint64_t i = lo; i < hi; i++)
                        if (s->main.type[i] < s->t_caps_cap)
                                m |= s->t_caps[s->main.type[i]];
        }
        if (s->a_doff)
                for (uint32_t k = s->a_doff[a]; k < s->a_doff[a + 1]; k++) {
                        uint32_t j = s->d_idx[k];
                        int64_t t = (int64_t)s->delta.ts[j] + ENG_EPOCH;

                        if (t >= from && t <= to && s->delta.type[j] < s->t_caps_cap)
                                m |= s->t_caps[s->delta.type[j]];
                }
        return m;
}

int eng_usage_from_scores(const struct eng_snapshot *s, const struct eng_scores *r, int64_t at,
                          int64_t window_s)
{
        return r && r->p_capmask && r->n_people == s->n_people && r->at == at &&
               (int64_t)(r->params.window_days * (double)CXG_DAY) == window_s;
}

uint64_t eng_usage_of_account(const struct eng_snapshot *s, const struct eng_scores *r, uint32_t a)
{
        uint64_t m = 0;

        for (uint32_t k = s->a_poff[a]; k < s->a_poff[a + 1]; k++)
                if (s->p_list[k] < r->n_people)
                        m |= r->p_capmask[s->p_list[k]];
        return m;
}

enum cxg_err eng_fit_view_init(struct eng_fit_view *v, const struct eng_snapshot *s,
                               const struct eng_scores *r, const struct eng_fit_query *q,
                               struct cxg_error *err)
{
        struct eng_fit_input in;
        size_t nc = s->n_caps, na = s->n_accounts, no = s->n_obj, np = s->plans.n;
        size_t n_needs = no && s->o_need_off ? s->o_need_off[no] : 0, k = 0;
        static const uint32_t zero_off = 0;
        enum cxg_err rc;
        int from_scores;

        memset(v, 0, sizeof(*v));
        if (q)
                v->q = *q;
        else
                eng_fit_query_init(&v->q);
        if (v->q.window_s <= 0)
                v->q.window_s = ENG_FIT_WINDOW_S;
        if (v->q.at == CXG_TS_NONE)
                v->q.at = r ? r->at : eng_snapshot_latest(s);
        if (v->q.at == CXG_TS_NONE)
                v->q.at = 0;
        v->since = v->q.at - v->q.window_s;
        from_scores = eng_usage_from_scores(s, r, v->q.at, v->q.window_s);
        v->snap = s;
        v->scores = r;
        if (np == 0)
                np = 1; /* the plan dictionary is created with the first account */
        v->cap_plan_off = cxg_calloc(nc + 1, sizeof(uint32_t));
        v->cap_plans = cxg_malloc((nc * (np < 64 ? np : 64) + 1) * sizeof(uint32_t));
        v->acct_plan = cxg_malloc((na + 1) * sizeof(uint32_t));
        v->acct_mrr = cxg_malloc((na + 1) * sizeof(double));
        v->acct_active = cxg_malloc(na + 1);
        v->obj_open = cxg_malloc(no + 1);
        v->obj_needs = cxg_malloc((n_needs + 1) * sizeof(uint32_t));
        v->used = cxg_calloc(na + 1, sizeof(uint64_t));
        if (!v->cap_plan_off || !v->cap_plans || !v->acct_plan || !v->acct_mrr || !v->acct_active ||
            !v->obj_open || !v->obj_needs || !v->used) {
                eng_fit_view_release(v);
                return cxg_error_set(err, CXG_ERR_NOMEM, "fit: out of memory");
        }
        for (size_t c = 0; c < nc; c++) {
                for (size_t p = 0; p < np && p < 64; p++)
                        if (s->c_plans[c] >> p & 1)
                                v->cap_plans[k++] = (uint32_t)p;
                v->cap_plan_off[c + 1] = (uint32_t)k;
        }
        for (size_t a = 0; a < na; a++) {
                v->acct_plan[a] = s->a_plan[a] ? s->a_plan[a] : ENG_FIT_NONE;
                v->acct_mrr[a] = s->a_mrr[a];
                v->acct_active[a] = !s->a_churned[a];
                if (v->q.account != ENG_FIT_NONE && v->q.account != a)
                        continue;
                /* the scores' masks when they cover the window (any node), else the rows */
                v->used[a] = from_scores ? eng_usage_of_account(s, r, (uint32_t)a)
                                         : account_usage(s, (uint32_t)a, v->since + 1, v->q.at);
        }
        for (size_t o = 0; o < no; o++)
                v->obj_open[o] = v->q.all_objectives || eng_fit_status_open(s->o_status[o]);
        for (size_t q2 = 0; q2 < n_needs; q2++)
                v->obj_needs[q2] = s->o_need_cap[q2] == ENG_NONE ? ENG_FIT_NONE : s->o_need_cap[q2];

        memset(&in, 0, sizeof(in));
        in.n_caps = nc;
        in.n_plans = np;
        in.cap_names = s->c_name;
        in.cap_plan_off = v->cap_plan_off;
        in.cap_plans = v->cap_plans;
        in.n_accounts = na;
        in.acct_plan = v->acct_plan;
        in.acct_mrr = v->acct_mrr;
        in.acct_active = v->acct_active;
        in.n_objectives = no;
        in.obj_account = s->o_account;
        in.obj_person = s->o_person; /* ENG_NONE == ENG_FIT_NONE */
        in.obj_title = s->o_title;
        in.obj_open = v->obj_open;
        in.obj_need_off = no ? s->o_need_off : &zero_off;
        in.obj_needs = v->obj_needs;
        in.obj_need_names = s->o_need_id;
        in.used = v->used;
        if ((rc = eng_fit_init(&v->fit, &in, err))) {
                eng_fit_view_release(v);
                return rc;
        }
        return CXG_OK;
}

void eng_fit_account_report_release(struct eng_fit_account_report *r)
{
        eng_fit_account_result_release(&r->fit);
        cxg_free(r->stakeholders);
        r->stakeholders = NULL;
        r->n_stakeholders = 0;
}

enum cxg_err eng_fit_account_report(const struct eng_fit_view *v, uint32_t a,
                                    struct eng_fit_account_report *out, struct cxg_error *err)
{
        const struct eng_snapshot *s = v->snap;
        struct eng_fit_account_result local;
        struct eng_fit_objective *objs = NULL;
        uint32_t *people = NULL;
        uint8_t *sen = NULL;
        double *eng = NULL;
        size_t n = 0;
        enum cxg_err rc;

        memset(out, 0, sizeof(*out));
        if ((rc = eng_fit_account(&v->fit, a, &out->fit, err)))
                return rc;
        /*
         * The stakeholder view indexes seniority and engagement by person: give it the few
         * people of this account under local indexes instead of arrays over every person.
         */
        local = out->fit;
        objs = cxg_malloc((local.n_objectives + 1) * sizeof(*objs));
        people = cxg_malloc((local.n_objectives + 1) * sizeof(*people));
        sen = cxg_malloc(local.n_objectives + 1);
        eng = cxg_malloc((local.n_objectives + 1) * sizeof(*eng));
        if (!objs || !people || !sen || !eng) {
                rc = cxg_error_set(err, CXG_ERR_NOMEM, "fit: out of memory");
                goto done;
        }
        for (size_t i = 0; i < local.n_objectives; i++) {
                uint32_t p = local.objectives[i].person;
                size_t j;

                objs[i] = local.objectives[i];
                if (p >= s->n_people) {
                        objs[i].person = ENG_FIT_NONE;
                        continue;
                }
                for (j = 0; j < n && people[j] != p; j++)
                        ;
                if (j == n) {
                        people[n] = p;
                        sen[n] = s->p_seniority[p];
                        eng[n] = v->scores && v->scores->p_engagement
                                     ? (double)v->scores->p_engagement[p]
                                     : NAN;
                        n++;
                }
                objs[i].person = (uint32_t)j;
        }
        local.objectives = objs;
        if ((rc = eng_fit_stakeholders(&local, sen, eng, n, &out->stakeholders,
                                       &out->n_stakeholders, err)))
                goto done;
        for (size_t i = 0; i < out->n_stakeholders; i++)
                if (out->stakeholders[i].person != ENG_FIT_NONE)
                        out->stakeholders[i].person = people[out->stakeholders[i].person];
done:
        if (rc)
                eng_fit_account_report_release(out);
        cxg_free(objs);
        cxg_free(people);
        cxg_free(sen);
        cxg_free(eng);
        return rc;
}

enum cxg_err eng_fit_under_list(const struct eng_fit_view *v, int active_only,
                                struct eng_fit_under_row **out, size_t *n_out,
                                struct cxg_error *err)
{
        const struct eng_snapshot *s = v->snap;
        struct eng_fit_under_row *rows = cxg_malloc((s->n_obj + 1) * sizeof(*rows));
        struct eng_fit_account_result r;
        size_t n = 0;
        enum cxg_err rc = CXG_OK;

        *out = NULL;
        *n_out = 0;
        if (!rows)
                return cxg_error_set(err, CXG_ERR_NOMEM, "fit: out of memory");
        for (uint32_t a = 0; a < s->n_accounts; a++) {
                if (active_only && s->a_churned[a])
                        continue;
                if (s->a_ooff && s->a_ooff[a] == s->a_ooff[a + 1])
                        continue;
                if ((rc = eng_fit_account(&v->fit, a, &r, err))) {
                        cxg_free(rows);
                        return rc;
                }
                for (size_t i = 0; i < r.n_objectives; i++) {
                        const struct eng_fit_objective *o = &r.objectives[i];

                        if (!o->under_reach)
                                continue;
                        rows[n].objective = o->objective;
                        rows[n].account = a;
                        rows[n].plan_gap = o->plan_gap;
                        rows[n].product_gap = o->product_gap;
                        rows[n].coverage = o->coverage;
                        n++;
                }
                eng_fit_account_result_release(&r);
        }
        *out = rows;
        *n_out = n;
        return rc;
}
