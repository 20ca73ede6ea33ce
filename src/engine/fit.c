/*
 * fit.c: coverage, under-reach and over-reach of objectives against the plan and the usage of
 * each account, the stakeholder view and the product-level summary. Owns only the indexes of
 * a struct eng_fit and the arrays of the results it hands back. Formulas: docs/scoring.md, "Fit".
 */
#include "engine/fit.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/alloc.h"
#include "core/banned.h"
#include "core/hmap.h"

void eng_fit_usage_mark(uint64_t *used, size_t n_accounts, size_t n_caps, size_t n_types,
                        const uint32_t *type_cap_off, const uint32_t *type_caps,
                        const uint32_t *ix_account, const uint32_t *ix_type, const int64_t *ix_ts,
                        size_t n_ix, int64_t since, int64_t until)
{
        size_t words = ENG_FIT_WORDS(n_caps);

        for (size_t i = 0; i < n_ix; i++) {
                uint32_t a = ix_account[i], t = ix_type[i];

                if (a >= n_accounts || t >= n_types || ix_ts[i] < since || ix_ts[i] > until)
                        continue;
                for (uint32_t k = type_cap_off[t]; k < type_cap_off[t + 1]; k++) {
                        uint32_t c = type_caps[k];

                        if (c < n_caps)
                                used[(size_t)a * words + c / 64] |= 1ull << (c % 64);
                }
        }
}

static int used_bit(const struct eng_fit *f, uint32_t a, uint32_t c)
{
        size_t words = ENG_FIT_WORDS(f->in.n_caps);

        if (!f->in.used)
                return 0;
        return (int)((f->in.used[(size_t)a * words + c / 64] >> (c % 64)) & 1u);
}

static double cap_weight(const struct eng_fit *f, uint32_t c)
{
        double w = f->in.cap_weight ? f->in.cap_weight[c] : 1;

        return isfinite(w) && w >= 0 ? w : 0;
}

void eng_fit_release(struct eng_fit *f)
{
        cxg_free(f->in_plan);
        cxg_free(f->plan_cap_off);
        cxg_free(f->plan_caps);
        cxg_free(f->plan_weight);
        cxg_free(f->acct_obj_off);
        cxg_free(f->acct_objs);
        f->in_plan = NULL;
        f->plan_cap_off = f->plan_caps = f->acct_obj_off = f->acct_objs = NULL;
        f->plan_weight = NULL;
}

enum cxg_err eng_fit_init(struct eng_fit *f, const struct eng_fit_input *in, struct cxg_error *err)
{
        const struct eng_fit_input *I = in;
        size_t np = in->n_plans, nc = in->n_caps, na = in->n_accounts, no = in->n_objectives;
        uint32_t *fill = NULL;

        memset(f, 0, sizeof(*f));
        f->in = *in;
        if (nc >= UINT32_MAX || np >= UINT32_MAX || na >= UINT32_MAX || no >= UINT32_MAX)
                return cxg_error_set(err, CXG_ERR_LIMIT, "fit: too many rows");
        /* validate */
        for (size_t c = 0; c < nc; c++) {
                if (I->cap_plan_off[c + 1] < I->cap_plan_off[c])
                        return cxg_error_set(err, CXG_ERR_INVALID,
                                             "fit: cap_plan_off not ascending at %zu", c + 1);
                for (uint32_t k = I->cap_plan_off[c]; k < I->cap_plan_off[c + 1]; k++)
                        if (I->cap_plans[k] >= np)
                                return cxg_error_set(err, CXG_ERR_INVALID,
                                                     "fit: cap_plans[%u] = %u out of range", k,
                                                     I->cap_plans[k]);
        }
        for (size_t a = 0; a < na; a++)
                if (I->acct_plan[a] != ENG_FIT_NONE && I->acct_plan[a] >= np)
                        return cxg_error_set(err, CXG_ERR_INVALID,
                                             "fit: acct_plan[%zu] = %u out of range", a,
                                             I->acct_plan[a]);
        for (size_t o = 0; o < no; o++) {
                if (I->obj_account[o] >= na)
                        return cxg_error_set(err, CXG_ERR_INVALID,
                                             "fit: obj_account[%zu] = %u out of range", o,
                                             I->obj_account[o]);
                if (I->obj_need_off[o + 1] < I->obj_need_off[o])
                        return cxg_error_set(err, CXG_ERR_INVALID,
                                             "fit: obj_need_off not ascending at %zu", o + 1);
                for (uint32_t k = I->obj_need_off[o]; k < I->obj_need_off[o + 1]; k++)
                        if (I->obj_needs[k] != ENG_FIT_NONE && I->obj_needs[k] >= nc)
                                return cxg_error_set(err, CXG_ERR_INVALID,
                                                     "fit: obj_needs[%u] = %u out of range", k,
                                                     I->obj_needs[k]);
        }

        f->in_plan = cxg_calloc(np * nc + 1, 1);
        f->plan_cap_off = cxg_calloc(np + 1, sizeof(uint32_t));
        f->plan_weight = cxg_calloc(np + 1, sizeof(double));
        f->acct_obj_off = cxg_calloc(na + 1, sizeof(uint32_t));
        f->acct_objs = cxg_malloc((no + 1) * sizeof(uint32_t));
        fill = cxg_calloc((np > na ? np : na) + 1, sizeof(uint32_t));
        if (!f->in_plan || !f->plan_cap_off || !f->plan_weight || !f->acct_obj_off ||
            !f->acct_objs || !fill)
                goto nomem;
        /* plan x capability matrix, and each plan's capabilities */
        for (size_t c = 0; c < nc; c++)
                for (uint32_t k = I->cap_plan_off[c]; k < I->cap_plan_off[c + 1]; k++)
                        f->in_plan[(size_t)I->cap_plans[k] * nc + c] = 1;
        for (size_t p = 0; p < np; p++) {
                uint32_t cnt = 0;

                for (size_t c = 0; c < nc; c++)
                        if (f->in_plan[p * nc + c]) {
                                cnt++;
                                f->plan_weight[p] += cap_weight(f, (uint32_t)c);
                        }
                f->plan_cap_off[p + 1] = f->plan_cap_off[p] + cnt;
        }
        f->plan_caps = cxg_malloc((f->plan_cap_off[np] + 1) * sizeof(uint32_t));
        if (!f->plan_caps)
                goto nomem;
        for (size_t p = 0; p < np; p++) {
                uint32_t k = f->plan_cap_off[p];

                for (size_t c = 0; c < nc; c++)
                        if (f->in_plan[p * nc + c])
                                f->plan_caps[k++] = (uint32_t)c;
        }
        /* objectives grouped by account (counting sort keeps index order) */
        for (size_t o = 0; o < no; o++)
                f->acct_obj_off[I->obj_account[o] + 1]++;
        for (size_t a = 0; a < na; a++)
                f->acct_obj_off[a + 1] += f->acct_obj_off[a];
        for (size_t o = 0; o < no; o++) {
                uint32_t a = I->obj_account[o];

                f->acct_objs[f->acct_obj_off[a] + fill[a]++] = (uint32_t)o;
        }
        cxg_free(fill);
        return CXG_OK;
nomem:
        cxg_free(fill);
        eng_fit_release(f);
        return cxg_error_set(err, CXG_ERR_NOMEM, "fit: out of memory for the indexes");
}

void eng_fit_account_result_release(struct eng_fit_account_result *r)
{
        cxg_free(r->objectives);
        cxg_free(r->needs);
        cxg_free(r->over);
        r->objectives = NULL;
        r->needs = NULL;
        r->over = NULL;
        r->n_objectives = r->n_needs = r->n_over = 0;
}

static int cmp_over(const void *pa, const void *pb)
{
        const struct eng_fit_over *a = pa, *b = pb;
        double x = isnan(a->price_share) ? -1 : a->price_share;
        double y = isnan(b->price_share) ? -1 : b->price_share;

        if (x != y)
                return x > y ? -1 : 1;
        return a->cap < b->cap ? -1 : a->cap > b->cap;
}

static int obj_counts(const struct eng_fit *f, uint32_t o)
{
        return !f->in.obj_open || f->in.obj_open[o];
}

enum cxg_err eng_fit_account(const struct eng_fit *f, uint32_t account,
                             struct eng_fit_account_result *out, struct cxg_error *err)
{
        const struct eng_fit_input *I = &f->in;
        size_t nc = I->n_caps, n_obj = 0, n_needs = 0, k = 0;
        uint32_t plan;
        double cov_sum = 0;

        memset(out, 0, sizeof(*out));
        if (account >= I->n_accounts)
                return cxg_error_set(err, CXG_ERR_NOTFOUND, "fit: no account %u", account);
        plan = I->acct_plan[account];
        out->account = account;
        out->plan = plan;
        out->mrr = I->acct_mrr ? I->acct_mrr[account] : NAN;
        for (uint32_t j = f->acct_obj_off[account]; j < f->acct_obj_off[account + 1]; j++) {
                uint32_t o = f->acct_objs[j];

                if (!obj_counts(f, o))
                        continue;
                n_obj++;
                n_needs += I->obj_need_off[o + 1] - I->obj_need_off[o];
        }
        out->objectives = cxg_calloc(n_obj + 1, sizeof(*out->objectives));
        out->needs = cxg_calloc(n_needs + 1, sizeof(*out->needs));
        if (plan != ENG_FIT_NONE)
                out->over = cxg_calloc(f->plan_cap_off[plan + 1] - f->plan_cap_off[plan] + 1,
                                       sizeof(*out->over));
        if (!out->objectives || !out->needs || (plan != ENG_FIT_NONE && !out->over)) {
                eng_fit_account_result_release(out);
                return cxg_error_set(err, CXG_ERR_NOMEM, "fit: out of memory");
        }
        for (uint32_t j = f->acct_obj_off[account]; j < f->acct_obj_off[account + 1]; j++) {
                uint32_t o = f->acct_objs[j];
                struct eng_fit_objective *r;
                size_t met = 0;

                if (!obj_counts(f, o))
                        continue;
                r = &out->objectives[out->n_objectives++];
                r->objective = o;
                r->person = I->obj_person ? I->obj_person[o] : ENG_FIT_NONE;
                r->need_off = k;
                for (uint32_t q = I->obj_need_off[o]; q < I->obj_need_off[o + 1]; q++) {
                        struct eng_fit_need *nd = &out->needs[k++];
                        uint32_t c = I->obj_needs[q];

                        nd->cap = c;
                        nd->name = I->obj_need_names                     ? I->obj_need_names[q]
                                   : (c != ENG_FIT_NONE && I->cap_names) ? I->cap_names[c]
                                                                         : NULL;
                        nd->available = c != ENG_FIT_NONE;
                        nd->included = nd->available && plan != ENG_FIT_NONE &&
                                       f->in_plan[(size_t)plan * nc + c];
                        nd->used = nd->available && used_bit(f, account, c);
                        r->n_available += nd->available;
                        r->n_included += nd->included;
                        r->n_used += nd->used;
                        met += nd->included && nd->used;
                        r->product_gap |= !nd->available;
                        r->plan_gap |= nd->available && !nd->included;
                }
                r->n_needs = k - r->need_off;
                r->coverage = r->n_needs ? (double)met / (double)r->n_needs : 1.0;
                r->under_reach = r->product_gap || r->plan_gap;
                out->n_under += r->under_reach;
                cov_sum += r->coverage;
        }
        out->n_needs = k;
        out->coverage = out->n_objectives ? cov_sum / (double)out->n_objectives : NAN;
        out->usage_ratio = NAN;
        if (plan != ENG_FIT_NONE) {
                uint32_t b = f->plan_cap_off[plan], e = f->plan_cap_off[plan + 1];
                double wsum = f->plan_weight[plan];

                out->n_plan_caps = e - b;
                for (uint32_t q = b; q < e; q++) {
                        uint32_t c = f->plan_caps[q];
                        struct eng_fit_over *ov;

                        if (used_bit(f, account, c)) {
                                out->n_plan_caps_used++;
                                continue;
                        }
                        ov = &out->over[out->n_over++];
                        ov->cap = c;
                        ov->price_share = isfinite(out->mrr) && wsum > 0
                                              ? out->mrr * cap_weight(f, c) / wsum
                                              : NAN;
                        for (size_t t = 0; t < out->n_needs; t++)
                                if (out->needs[t].cap == c)
                                        ov->needed = 1;
                        if (isfinite(ov->price_share))
                                out->over_reach_mrr += ov->price_share;
                }
                if (out->n_plan_caps)
                        out->usage_ratio = (double)out->n_plan_caps_used / (double)out->n_plan_caps;
                qsort(out->over, out->n_over, sizeof(*out->over), cmp_over);
        }
        return CXG_OK;
}

/* ---- stakeholders ---- */

static int cmp_stake(const void *pa, const void *pb)
{
        const struct eng_fit_stakeholder *a = pa, *b = pb;
        double x, y;

        if (a->seniority != b->seniority)
                return a->seniority > b->seniority ? -1 : 1;
        x = isnan(a->engagement) ? -HUGE_VAL : a->engagement;
        y = isnan(b->engagement) ? -HUGE_VAL : b->engagement;
        if (x != y)
                return x > y ? -1 : 1;
        return a->person < b->person ? -1 : a->person > b->person;
}

enum cxg_err eng_fit_stakeholders(const struct eng_fit_account_result *r, const uint8_t *seniority,
                                  const double *engagement, size_t n_people,
                                  struct eng_fit_stakeholder **out, size_t *n_out,
                                  struct cxg_error *err)
{
        struct eng_fit_stakeholder *rows;
        size_t n = 0;

        *out = NULL;
        *n_out = 0;
        rows = cxg_calloc(r->n_objectives + 1, sizeof(*rows));
        if (!rows)
                return cxg_error_set(err, CXG_ERR_NOMEM, "fit: out of memory");
        for (size_t i = 0; i < r->n_objectives; i++) {
                const struct eng_fit_objective *o = &r->objectives[i];
                uint32_t p = o->person < n_people ? o->person : ENG_FIT_NONE;
                size_t j;

                /* accounts hold a handful of objectives: a linear search is enough */
                for (j = 0; j < n; j++)
                        if (rows[j].person == p)
                                break;
                if (j == n) {
                        rows[n].person = p;
                        rows[n].seniority = p == ENG_FIT_NONE ? -1 : (int)seniority[p];
                        rows[n].engagement = p != ENG_FIT_NONE && engagement ? engagement[p] : NAN;
                        n++;
                }
                rows[j].n_objectives++;
                rows[j].n_under += o->under_reach;
                rows[j].n_unmet += o->coverage < 1;
                rows[j].coverage += o->coverage;
        }
        for (size_t j = 0; j < n; j++)
                rows[j].coverage /= rows[j].n_objectives;
        qsort(rows, n, sizeof(*rows), cmp_stake);
        *out = rows;
        *n_out = n;
        return CXG_OK;
}

/* ---- product summary ---- */

void eng_fit_summary_release(struct eng_fit_summary *s)
{
        cxg_free(s->objectives);
        cxg_free(s->missing);
        cxg_free(s->unused);
        cxg_free(s->plans);
        memset(s, 0, sizeof(*s));
}

static int cmp_objrow(const void *pa, const void *pb)
{
        const struct eng_fit_objective_row *a = pa, *b = pb;

        if (a->mrr_at_stake != b->mrr_at_stake)
                return a->mrr_at_stake > b->mrr_at_stake ? -1 : 1;
        if (a->n_under != b->n_under)
                return a->n_under > b->n_under ? -1 : 1;
        return a->first_objective < b->first_objective ? -1 : 1;
}

static int cmp_missing(const void *pa, const void *pb)
{
        const struct eng_fit_missing_row *a = pa, *b = pb;

        if (a->mrr_at_stake != b->mrr_at_stake)
                return a->mrr_at_stake > b->mrr_at_stake ? -1 : 1;
        if (a->n_objectives != b->n_objectives)
                return a->n_objectives > b->n_objectives ? -1 : 1;
        if (a->cap != b->cap)
                return a->cap < b->cap ? -1 : 1;
        return strcmp(a->name ? a->name : "", b->name ? b->name : "");
}

static int cmp_unused(const void *pa, const void *pb)
{
        const struct eng_fit_unused_row *a = pa, *b = pb;

        if (a->plan != b->plan)
                return a->plan < b->plan ? -1 : 1;
        if (a->paid_unused_mrr != b->paid_unused_mrr)
                return a->paid_unused_mrr > b->paid_unused_mrr ? -1 : 1;
        if (a->n_unused != b->n_unused)
                return a->n_unused > b->n_unused ? -1 : 1;
        return a->cap < b->cap ? -1 : a->cap > b->cap;
}

/* Lower-cased ASCII copy of s into buf (cap bytes), for grouping titles and names. */
static size_t fold_key(const char *s, char *buf, size_t cap)
{
        size_t n = 0;

        for (; s && *s && n + 1 < cap; s++)
                buf[n++] = (char)(*s >= 'A' && *s <= 'Z' ? *s + 32 : *s);
        buf[n] = '\0';
        return n;
}

struct sum_ctx {
        struct cxg_hmap titles, names;
        uint32_t *title_last, *name_last; /* last account counted, + 1 */
};

/* The needs of an under-reached objective o of account a that block it: out->missing. */
static enum cxg_err count_missing(struct sum_ctx *c, struct eng_fit_summary *out,
                                  const struct eng_fit_account_result *r,
                                  const struct eng_fit_objective *o, uint32_t a, double mrr)
{
        char key[512];

        for (size_t q = o->need_off; q < o->need_off + o->n_needs; q++) {
                const struct eng_fit_need *nd = &r->needs[q];
                struct eng_fit_missing_row *m;
                uint64_t mv = out->n_missing;
                int found = 0;
                size_t kn;

                if (nd->included)
                        continue;
                if (nd->cap != ENG_FIT_NONE)
                        kn = (size_t)snprintf(key, sizeof(key), "#%u", nd->cap);
                else
                        kn = fold_key(nd->name ? nd->name : "?", key, sizeof(key));
                if (cxg_hmap_intern(&c->names, key, kn, &mv, &found, NULL))
                        return CXG_ERR_NOMEM;
                m = &out->missing[mv];
                if (!found) {
                        out->n_missing++;
                        m->cap = nd->cap;
                        m->name = nd->name;
                }
                m->n_objectives++;
                if (c->name_last[mv] != a + 1) {
                        c->name_last[mv] = a + 1;
                        m->n_accounts++;
                        m->mrr_at_stake += mrr;
                }
        }
        return CXG_OK;
}

/* Account r on its plan: accounts, MRR, usage and the plan's capabilities paid and unused. */
static void count_plan_use(const struct eng_fit *f, struct eng_fit_summary *out,
                           const struct eng_fit_account_result *r, const uint32_t *unused_idx,
                           double mrr)
{
        size_t nc = f->in.n_caps;
        struct eng_fit_plan_row *pr = &out->plans[r->plan];

        pr->n_accounts++;
        pr->mrr += mrr;
        if (r->n_plan_caps)
                pr->usage_ratio += r->usage_ratio;
        pr->paid_unused_mrr += r->over_reach_mrr;
        for (uint32_t q = f->plan_cap_off[r->plan]; q < f->plan_cap_off[r->plan + 1]; q++)
                out->unused[unused_idx[(size_t)r->plan * nc + f->plan_caps[q]]].n_accounts++;
        for (size_t i = 0; i < r->n_over; i++) {
                struct eng_fit_unused_row *u =
                    &out->unused[unused_idx[(size_t)r->plan * nc + r->over[i].cap]];

                u->n_unused++;
                if (isfinite(r->over[i].price_share))
                        u->paid_unused_mrr += r->over[i].price_share;
        }
        if (r->n_over) {
                out->n_accounts_over++;
                out->mrr_over += r->over_reach_mrr;
        }
}

enum cxg_err eng_fit_summary(const struct eng_fit *f, struct eng_fit_summary *out,
                             struct cxg_error *err)
{
        const struct eng_fit_input *I = &f->in;
        size_t np = I->n_plans, nc = I->n_caps, no = I->n_objectives;
        struct sum_ctx c;
        struct eng_fit_account_result r;
        uint32_t *unused_idx = NULL; /* (plan, cap) -> row of out->unused */
        enum cxg_err rc = CXG_OK;
        size_t need_total = I->n_objectives ? I->obj_need_off[no] : 0;
        char key[512];

        memset(out, 0, sizeof(*out));
        memset(&c, 0, sizeof(c));
        memset(&r, 0, sizeof(r));
        cxg_hmap_init(&c.titles);
        cxg_hmap_init(&c.names);
        out->objectives = cxg_calloc(no + 1, sizeof(*out->objectives));
        out->missing = cxg_calloc(need_total + 1, sizeof(*out->missing));
        out->unused = cxg_calloc(f->plan_cap_off[np] + 1, sizeof(*out->unused));
        out->plans = cxg_calloc(np + 1, sizeof(*out->plans));
        c.title_last = cxg_calloc(no + 1, sizeof(uint32_t));
        c.name_last = cxg_calloc(need_total + 1, sizeof(uint32_t));
        unused_idx = cxg_malloc((np * nc + 1) * sizeof(uint32_t));
        if (!out->objectives || !out->missing || !out->unused || !out->plans || !c.title_last ||
            !c.name_last || !unused_idx)
                goto nomem;
        out->n_plans = np;
        for (size_t p = 0; p < np; p++) {
                out->plans[p].plan = (uint32_t)p;
                out->plans[p].n_caps = f->plan_cap_off[p + 1] - f->plan_cap_off[p];
                out->plans[p].usage_ratio = 0;
                for (uint32_t q = f->plan_cap_off[p]; q < f->plan_cap_off[p + 1]; q++) {
                        struct eng_fit_unused_row *u = &out->unused[out->n_unused];

                        u->plan = (uint32_t)p;
                        u->cap = f->plan_caps[q];
                        unused_idx[p * nc + u->cap] = (uint32_t)out->n_unused++;
                }
        }

        for (uint32_t a = 0; a < I->n_accounts; a++) {
                double mrr;
                int under = 0;

                if (I->acct_active && !I->acct_active[a])
                        continue;
                rc = eng_fit_account(f, a, &r, err);
                if (rc)
                        goto done;
                mrr = isfinite(r.mrr) ? r.mrr : 0;
                out->n_accounts++;
                for (size_t i = 0; i < r.n_objectives; i++) {
                        const struct eng_fit_objective *o = &r.objectives[i];
                        const char *title = I->obj_title ? I->obj_title[o->objective] : NULL;
                        uint64_t v = out->n_objectives;
                        int found = 0;
                        struct eng_fit_objective_row *row;

                        if (title) {
                                size_t kn = fold_key(title, key, sizeof(key));

                                rc = cxg_hmap_intern(&c.titles, key, kn, &v, &found, NULL);
                                if (rc)
                                        goto nomem;
                        }
                        if (!found) {
                                v = out->n_objectives++;
                                out->objectives[v].title = title;
                                out->objectives[v].first_objective = o->objective;
                        }
                        row = &out->objectives[v];
                        if (o->objective < row->first_objective) {
                                /* the spelling of the earliest objective represents them */
                                row->first_objective = o->objective;
                                row->title = title;
                        }
                        row->n_objectives++;
                        if (!o->under_reach)
                                continue;
                        under = 1;
                        row->n_under++;
                        if (c.title_last[v] != a + 1) {
                                c.title_last[v] = a + 1;
                                row->n_accounts_under++;
                                row->mrr_at_stake += mrr;
                        }
                        /* the needs that block it */
                        if (count_missing(&c, out, &r, o, a, mrr))
                                goto nomem;
                }
                if (under) {
                        out->n_accounts_under++;
                        out->mrr_under += mrr;
                }
                if (r.plan != ENG_FIT_NONE)
                        count_plan_use(f, out, &r, unused_idx, mrr);
                eng_fit_account_result_release(&r);
        }
        for (size_t p = 0; p < np; p++) {
                struct eng_fit_plan_row *pr = &out->plans[p];

                pr->usage_ratio =
                    pr->n_accounts && pr->n_caps ? pr->usage_ratio / pr->n_accounts : NAN;
        }
        for (size_t i = 0; i < out->n_unused; i++) {
                struct eng_fit_unused_row *u = &out->unused[i];

                u->unused_share = u->n_accounts ? (double)u->n_unused / u->n_accounts : NAN;
        }
        qsort(out->objectives, out->n_objectives, sizeof(*out->objectives), cmp_objrow);
        qsort(out->missing, out->n_missing, sizeof(*out->missing), cmp_missing);
        qsort(out->unused, out->n_unused, sizeof(*out->unused), cmp_unused);
        goto done;
nomem:
        rc = cxg_error_set(err, CXG_ERR_NOMEM, "fit: out of memory for the summary");
done:
        eng_fit_account_result_release(&r);
        if (rc)
                eng_fit_summary_release(out);
        cxg_hmap_release(&c.titles);
        cxg_hmap_release(&c.names);
        cxg_free(c.title_last);
        cxg_free(c.name_last);
        cxg_free(unused_idx);
        return rc;
}
