/*
 * detect_snap.c: feeds the detectors of detect.c from the engine snapshot and scores (the
 * windows, segments, weekly series, account signals and plan periods of docs/scoring.md,
 * "Early warning"), and measures what the follow-up of done tasks needs (health after,
 * reconnection). It reads only: src/app/detect.c stores what it finds.
 */
#include <jansson.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/alloc.h"
#include "core/banned.h"
#include "core/grow.h"
#include "core/hmap.h"
#include "core/timeconst.h"
#include "engine/cluster.h"
#include "engine/detect.h"
#include "engine/detect_features.h"
#include "engine/detect_int.h"
#include "engine/engine.h"
#include "engine/partials_exp.h"
#include "engine/partials_int.h"
#include "engine/score.h"
#include "engine/snapshot.h"

#define WEEK CXG_WEEK
#define MAX_WEEKS 104      /* weekly history judged at most */
#define MAX_ATTR_VALUES 12 /* attribute keys with more distinct values are not segments */
#define MAX_ACC_SEGS 16

static enum cxg_err nomem(struct cxg_error *err, const char *what)
{
        return cxg_error_set(err, CXG_ERR_NOMEM, "detect: %s: out of memory", what);
}

/* ---- 1. erosion behind growth ---- */

struct seg_key {
        char field[64];
        char value[96];
};

struct segset {
        struct seg_key *k;
        size_t n, cap;
        struct cxg_hmap map; /* "field\x1fvalue" -> index */
};

static enum cxg_err seg_add(struct segset *ss, const char *field, const char *value, uint32_t *ix)
{
        char key[192];
        uint64_t v = ss->n;
        int found;
        int n = snprintf(key, sizeof(key), "%s\x1f%s", field, value);

        if (n < 0 || (size_t)n >= sizeof(key))
                return CXG_ERR_LIMIT;
        if (cxg_hmap_intern(&ss->map, key, (size_t)n, &v, &found, NULL))
                return CXG_ERR_NOMEM;
        if (!found) {
                if (CXG_GROW(ss->k, ss->n + 1, ss->cap, CXG_GROW_NOCAP))
                        return CXG_ERR_NOMEM;
                snprintf(ss->k[ss->n].field, sizeof(ss->k[ss->n].field), "%s", field);
                snprintf(ss->k[ss->n].value, sizeof(ss->k[ss->n].value), "%s", value);
                ss->n++;
        }
        *ix = (uint32_t)v;
        return CXG_OK;
}

/* Account attribute keys usable as segments: string values, at most MAX_ATTR_VALUES values. */
static enum cxg_err attr_segments(const struct eng_snapshot *s, struct segset *ss,
                                  uint32_t *acc_segs, uint8_t *acc_nseg)
{
        struct cxg_hmap keys; /* key -> distinct values seen (capped) */
        struct cxg_hmap vals; /* key\x1fvalue -> 1 */
        enum cxg_err rc = CXG_OK;

        cxg_hmap_init(&keys);
        cxg_hmap_init(&vals);
        /* pass 1: count distinct values per key */
        for (size_t a = 0; a < s->n_accounts && !rc; a++) {
                json_t *j = s->a_attrs[a] ? json_loads(s->a_attrs[a], 0, NULL) : NULL;
                const char *k;
                json_t *v;

                if (!json_is_object(j)) {
                        json_decref(j);
                        continue;
                }
                json_object_foreach(j, k, v)
                {
                        char kv[192];
                        uint64_t one = 1, cnt = 0;
                        int found, n;

                        if (!json_is_string(v) || !*json_string_value(v))
                                continue;
                        n = snprintf(kv, sizeof(kv), "%s\x1f%s", k, json_string_value(v));
                        if (n < 0 || (size_t)n >= sizeof(kv))
                                continue;
                        if (cxg_hmap_intern(&vals, kv, (size_t)n, &one, &found, NULL)) {
                                rc = CXG_ERR_NOMEM;
                                break;
                        }
                        if (found)
                                continue;
                        cxg_hmap_get(&keys, k, strlen(k), &cnt);
                        if (cxg_hmap_put(&keys, k, strlen(k), cnt + 1)) {
                                rc = CXG_ERR_NOMEM;
                                break;
                        }
                }
                json_decref(j);
        }
        /* pass 2: segment ids per account */
        for (size_t a = 0; a < s->n_accounts && !rc; a++) {
                json_t *j = s->a_attrs[a] ? json_loads(s->a_attrs[a], 0, NULL) : NULL;
                const char *k;
                json_t *v;

                if (!json_is_object(j)) {
                        json_decref(j);
                        continue;
                }
                json_object_foreach(j, k, v)
                {
                        uint64_t cnt = 0;
                        uint32_t ix;
                        enum cxg_err r;

                        if (!json_is_string(v) || !*json_string_value(v) ||
                            !cxg_hmap_get(&keys, k, strlen(k), &cnt) || cnt < 2 ||
                            cnt > MAX_ATTR_VALUES || acc_nseg[a] >= MAX_ACC_SEGS - 2)
                                continue;
                        r = seg_add(ss, k, json_string_value(v), &ix);
                        if (r == CXG_ERR_LIMIT)
                                continue;
                        if (r) {
                                rc = r;
                                break;
                        }
                        acc_segs[a * MAX_ACC_SEGS + acc_nseg[a]++] = ix;
                }
                json_decref(j);
        }
        cxg_hmap_release(&keys);
        cxg_hmap_release(&vals);
        return rc;
}

/* The windows, per-person counts and per-account sums of one erosion run. */
struct ero_work {
        const struct eng_snapshot *s;
        int64_t at, a0, b0;               /* end of A, start of A (end of B), start of B */
        uint32_t *cnt_a, *cnt_b;          /* interactions per person in A and B */
        uint32_t *acc_segs;               /* segments of each account, MAX_ACC_SEGS apart */
        uint8_t *acc_nseg;                /* how many */
        uint32_t *sen_seg;                /* segment of each seniority */
        double *acc_pb, *acc_pa, *acc_pn; /* per account: B and A counts of people through */
        struct eng_erosion_segment *segs; /* ENG_ERO__COUNT metrics per segment */
        size_t nseg;
};

/* Active share, engagement and retention of people, into each of their segments. */
static void ero_people(struct ero_work *w)
{
        const struct eng_snapshot *s = w->s;
        int64_t at = w->at, a0 = w->a0, b0 = w->b0;
        const uint32_t *cnt_a = w->cnt_a, *cnt_b = w->cnt_b, *acc_segs = w->acc_segs;
        const uint32_t *sen_seg = w->sen_seg;
        const uint8_t *acc_nseg = w->acc_nseg;
        double *acc_pb = w->acc_pb, *acc_pa = w->acc_pa, *acc_pn = w->acc_pn;
        struct eng_erosion_segment *segs = w->segs;

        for (uint32_t pi = 0; pi < s->n_people; pi++) {
                uint32_t a = s->p_account[pi];
                int64_t cr = s->p_created[pi], lf = s->p_left[pi];
                int in_b, in_a, at_b0, at_a0, through;
                uint32_t mine[MAX_ACC_SEGS + 1];
                size_t nm = 0;

                if (a >= s->n_accounts)
                        continue;
                /* present during a window: joined by its end, not gone by its start */
                in_b = (cr == CXG_TS_NONE || cr <= a0) && (lf == CXG_TS_NONE || lf > b0) &&
                       (s->a_churned_at[a] == CXG_TS_NONE || s->a_churned_at[a] > b0) &&
                       (s->a_created[a] == CXG_TS_NONE || s->a_created[a] <= a0);
                in_a = (cr == CXG_TS_NONE || cr <= at) && (lf == CXG_TS_NONE || lf > a0) &&
                       (s->a_churned_at[a] == CXG_TS_NONE || s->a_churned_at[a] > a0) &&
                       (s->a_created[a] == CXG_TS_NONE || s->a_created[a] <= at);
                /* present at a window's start (the retention base) */
                at_b0 = (cr == CXG_TS_NONE || cr <= b0) && (lf == CXG_TS_NONE || lf > b0) &&
                        account_alive(s, a, b0);
                at_a0 = (cr == CXG_TS_NONE || cr <= a0) && (lf == CXG_TS_NONE || lf > a0) &&
                        account_alive(s, a, a0);
                through = (cr == CXG_TS_NONE || cr <= b0) && (lf == CXG_TS_NONE || lf > at) &&
                          account_alive(s, a, b0) && account_alive(s, a, at);
                if (through) {
                        acc_pb[a] += cnt_b[pi];
                        acc_pa[a] += cnt_a[pi];
                        acc_pn[a]++;
                }
                mine[nm++] = sen_seg[s->p_seniority[pi] < CXG_SEN__COUNT ? s->p_seniority[pi] : 0];
                for (uint8_t q = 0; q < acc_nseg[a]; q++)
                        mine[nm++] = acc_segs[(size_t)a * MAX_ACC_SEGS + q];
                for (size_t q = 0; q < nm; q++) {
                        struct eng_erosion_segment *g = &segs[(size_t)mine[q] * ENG_ERO__COUNT];

                        if (in_b) {
                                g[ENG_ERO_ACTIVE].n_b++;
                                g[ENG_ERO_ACTIVE].x_b += cnt_b[pi] > 0;
                        }
                        if (in_a) {
                                g[ENG_ERO_ACTIVE].n_a++;
                                g[ENG_ERO_ACTIVE].x_a += cnt_a[pi] > 0;
                        }
                        /*
                         * engagement: the same people, present from the start of B to the end
                         * of A (leaving and churn are retention's business); people for the
                         * seniority segments, accounts (their people's mean) for the others,
                         * since people of one account move together
                         */
                        if (through && q == 0) {
                                eng_stats_moments_add(&g[ENG_ERO_ENGAGEMENT].m_b, cnt_b[pi]);
                                eng_stats_moments_add(&g[ENG_ERO_ENGAGEMENT].m_a, cnt_a[pi]);
                                eng_stats_moments_add(&g[ENG_ERO_ENGAGEMENT].m_d,
                                                      (double)cnt_a[pi] - (double)cnt_b[pi]);
                        }
                        /*
                         * retention of people (seniority segments): departures from accounts
                         * that stay customers, so one churned account does not count as all
                         * of its people leaving; account segments count accounts below
                         */
                        if (q)
                                continue;
                        if (at_b0 && account_alive(s, a, a0)) {
                                g[ENG_ERO_RETENTION].n_b++;
                                g[ENG_ERO_RETENTION].x_b += lf == CXG_TS_NONE || lf > a0;
                        }
                        if (at_a0 && account_alive(s, a, at)) {
                                g[ENG_ERO_RETENTION].n_a++;
                                g[ENG_ERO_RETENTION].x_a += lf == CXG_TS_NONE || lf > at;
                        }
                }
        }
}

/* Retention of accounts, and engagement per account, in the account segments. */
static void ero_accounts(struct ero_work *w)
{
        const struct eng_snapshot *s = w->s;
        int64_t at = w->at, a0 = w->a0, b0 = w->b0;
        const uint32_t *acc_segs = w->acc_segs;
        const uint8_t *acc_nseg = w->acc_nseg;
        const double *acc_pb = w->acc_pb, *acc_pa = w->acc_pa, *acc_pn = w->acc_pn;
        struct eng_erosion_segment *segs = w->segs;

        for (uint32_t a = 0; a < s->n_accounts; a++)
                for (uint8_t q = 0; q < acc_nseg[a]; q++) {
                        struct eng_erosion_segment *e =
                            &segs[(size_t)acc_segs[(size_t)a * MAX_ACC_SEGS + q] * ENG_ERO__COUNT +
                                  ENG_ERO_ENGAGEMENT];

                        if (acc_pn[a]) {
                                eng_stats_moments_add(&e->m_b, acc_pb[a] / acc_pn[a]);
                                eng_stats_moments_add(&e->m_a, acc_pa[a] / acc_pn[a]);
                                eng_stats_moments_add(&e->m_d, (acc_pa[a] - acc_pb[a]) / acc_pn[a]);
                        }
                }
        for (uint32_t a = 0; a < s->n_accounts; a++)
                for (uint8_t q = 0; q < acc_nseg[a]; q++) {
                        struct eng_erosion_segment *g =
                            &segs[(size_t)acc_segs[(size_t)a * MAX_ACC_SEGS + q] * ENG_ERO__COUNT +
                                  ENG_ERO_RETENTION];

                        if (account_alive(s, a, b0)) {
                                g->n_b++;
                                g->x_b += account_alive(s, a, a0);
                        }
                        if (account_alive(s, a, a0)) {
                                g->n_a++;
                                g->x_a += account_alive(s, a, at);
                        }
                }
}

/* The same metrics for everyone outside each segment (rest_b, rest_a). */
static void ero_rest(struct ero_work *w)
{
        const struct eng_snapshot *s = w->s;
        int64_t at = w->at, a0 = w->a0, b0 = w->b0;
        const uint32_t *sen_seg = w->sen_seg;
        const double *acc_pb = w->acc_pb, *acc_pa = w->acc_pa, *acc_pn = w->acc_pn;
        struct eng_erosion_segment *segs = w->segs;
        size_t nseg = w->nseg;

        /* everyone (the "seniority" segments partition people) */
        struct eng_erosion_segment all[ENG_ERO__COUNT];

        memset(all, 0, sizeof(all));
        for (int k = 0; k < CXG_SEN__COUNT; k++)
                for (int m = 0; m < ENG_ERO__COUNT; m++) {
                        const struct eng_erosion_segment *g =
                            &segs[(size_t)sen_seg[k] * ENG_ERO__COUNT + (size_t)m];

                        all[m].n_b += g->n_b;
                        all[m].x_b += g->x_b;
                        all[m].n_a += g->n_a;
                        all[m].x_a += g->x_a;
                        all[m].m_b.n += g->m_b.n;
                        all[m].m_b.sum += g->m_b.sum;
                        all[m].m_a.sum += g->m_a.sum;
                }
        struct eng_erosion_segment acc_all, acc_eng;

        memset(&acc_all, 0, sizeof(acc_all));
        memset(&acc_eng, 0, sizeof(acc_eng));
        for (uint32_t a = 0; a < s->n_accounts; a++) {
                if (acc_pn[a]) {
                        acc_eng.m_b.n++;
                        acc_eng.m_b.sum += acc_pb[a] / acc_pn[a];
                        acc_eng.m_a.sum += acc_pa[a] / acc_pn[a];
                }
                if (account_alive(s, a, b0)) {
                        acc_all.n_b++;
                        acc_all.x_b += account_alive(s, a, a0);
                }
                if (account_alive(s, a, a0)) {
                        acc_all.n_a++;
                        acc_all.x_a += account_alive(s, a, at);
                }
        }
        for (size_t k = 0; k < nseg * ENG_ERO__COUNT; k++) {
                struct eng_erosion_segment *g = &segs[k], *t = &all[g->metric];

                if (strcmp(g->field, "seniority") != 0 && g->metric == ENG_ERO_RETENTION)
                        t = &acc_all;
                if (strcmp(g->field, "seniority") != 0 && g->metric == ENG_ERO_ENGAGEMENT)
                        t = &acc_eng;

                g->rest_b = g->rest_a = NAN;
                if (g->metric == ENG_ERO_ENGAGEMENT) {
                        double n = t->m_b.n - g->m_b.n;

                        if (n > 0) {
                                g->rest_b = (t->m_b.sum - g->m_b.sum) / n;
                                g->rest_a = (t->m_a.sum - g->m_a.sum) / n;
                        }
                } else if (t->n_b > g->n_b && t->n_a > g->n_a) {
                        g->rest_b = (double)(t->x_b - g->x_b) / (double)(t->n_b - g->n_b);
                        g->rest_a = (double)(t->x_a - g->x_a) / (double)(t->n_a - g->n_a);
                }
        }
}

static enum cxg_err run_erosion(const struct eng_detect_params *p,
                                const struct eng_detect_input *in, struct eng_alerts *out,
                                size_t *tested, struct cxg_error *err)
{
        const struct eng_snapshot *s = in->snap;
        int64_t at = in->at, w = (int64_t)(p->window_days * CXG_DAY), a0 = at - w, b0 = at - 2 * w;
        uint32_t *cnt_a = NULL, *cnt_b = NULL, *acc_segs = NULL, *sen_seg = NULL;
        uint8_t *acc_nseg = NULL;
        double *acc_pb = NULL, *acc_pa = NULL, *acc_pn = NULL;
        struct segset ss;
        struct eng_erosion_segment *segs = NULL;
        struct eng_erosion_topline top[2] = {{"mrr", 0, 0}, {"customers", 0, 0}};
        enum cxg_err rc = CXG_OK;
        size_t nseg;

        memset(&ss, 0, sizeof(ss));
        cxg_hmap_init(&ss.map);
        cnt_a = cxg_calloc(s->n_people + 1, sizeof(*cnt_a));
        cnt_b = cxg_calloc(s->n_people + 1, sizeof(*cnt_b));
        acc_segs = cxg_calloc(s->n_accounts * MAX_ACC_SEGS + 1, sizeof(*acc_segs));
        acc_nseg = cxg_calloc(s->n_accounts + 1, 1);
        sen_seg = cxg_calloc(CXG_SEN__COUNT, sizeof(*sen_seg));
        acc_pb = cxg_calloc(s->n_accounts + 1, sizeof(double));
        acc_pa = cxg_calloc(s->n_accounts + 1, sizeof(double));
        acc_pn = cxg_calloc(s->n_accounts + 1, sizeof(double));
        if (!cnt_a || !cnt_b || !acc_segs || !acc_nseg || !sen_seg || !acc_pb || !acc_pa ||
            !acc_pn) {
                rc = nomem(err, "erosion");
                goto done;
        }
        /* top lines at the start of A (the end of B) and at the end of A */
        for (uint32_t a = 0; a < s->n_accounts; a++) {
                top[0].before += mrr_at(s, a, a0);
                top[0].after += mrr_at(s, a, at);
                top[1].before += account_alive(s, a, a0);
                top[1].after += account_alive(s, a, at);
        }
        /* segments: seniority, plan (as of at: one population for both windows), attributes */
        for (int k = 0; k < CXG_SEN__COUNT && !rc; k++)
                rc = seg_add(&ss, "seniority", model_seniority_name(k), &sen_seg[k]);
        for (uint32_t a = 0; a < s->n_accounts && !rc; a++) {
                uint16_t pl = plan_at(s, a, at);

                if (pl && pl < s->plans.n)
                        rc = seg_add(&ss, "plan", s->plans.names[pl],
                                     &acc_segs[(size_t)a * MAX_ACC_SEGS + acc_nseg[a]++]);
        }
        if (!rc)
                rc = attr_segments(s, &ss, acc_segs, acc_nseg);
        if (rc) {
                rc = nomem(err, "erosion segments");
                goto done;
        }
        /* interactions per person in each window (whole days; the owner's figures) */
        {
                int64_t wd = eng_dfeat_days(p->window_days);
                struct eng_dfeat_windows dw = {.nwin = 2, .lo = {0, wd}, .hi = {wd, 2 * wd}};

                if ((rc = eng_dfeat_people(s, in->foreign, in->own, at, &dw))) {
                        eng_dfeat_windows_release(&dw);
                        rc = nomem(err, "erosion");
                        goto done;
                }
                for (size_t k = 0; k < s->n_people; k++) {
                        cnt_a[k] = dw.count[k * 2];
                        cnt_b[k] = dw.count[k * 2 + 1];
                }
                eng_dfeat_windows_release(&dw);
        }
        nseg = ss.n;
        segs = cxg_calloc(nseg * ENG_ERO__COUNT + 1, sizeof(*segs));
        if (!segs) {
                rc = nomem(err, "erosion");
                goto done;
        }
        for (size_t k = 0; k < nseg; k++)
                for (int m = 0; m < ENG_ERO__COUNT; m++) {
                        struct eng_erosion_segment *g = &segs[k * ENG_ERO__COUNT + (size_t)m];

                        g->field = ss.k[k].field;
                        g->value = ss.k[k].value;
                        g->metric = m;
                }
        {
                struct ero_work wk = {.s = s, .at = at, .a0 = a0, .b0 = b0};

                wk.cnt_a = cnt_a;
                wk.cnt_b = cnt_b;
                wk.acc_segs = acc_segs;
                wk.acc_nseg = acc_nseg;
                wk.sen_seg = sen_seg;
                wk.acc_pb = acc_pb;
                wk.acc_pa = acc_pa;
                wk.acc_pn = acc_pn;
                wk.segs = segs;
                wk.nseg = nseg;
                ero_people(&wk);
                ero_accounts(&wk);
                ero_rest(&wk);
        }
        *tested = nseg;
        rc = eng_detect_erosion(p, top, 2, segs, nseg * ENG_ERO__COUNT, a0, at, out, err);
done:
        cxg_free(cnt_a);
        cxg_free(cnt_b);
        cxg_free(acc_segs);
        cxg_free(acc_nseg);
        cxg_free(sen_seg);
        cxg_free(acc_pb);
        cxg_free(acc_pa);
        cxg_free(acc_pn);
        cxg_free(segs);
        cxg_free(ss.k);
        cxg_hmap_release(&ss.map);
        return rc;
}

/* ---- 2. experience degradation ---- */

struct exp_ctx {
        const struct eng_snapshot *s;
        int64_t at;
        const uint16_t *series_type; /* series index -> type index */
        uint32_t *bad, *total;       /* per account scratch */
};

static enum cxg_err exposure(void *ctx, size_t series, int64_t since, double slow_ms,
                             struct eng_exposure *top, size_t max, size_t *n)
{
        struct exp_ctx *x = ctx;
        const struct eng_snapshot *s = x->s;
        uint16_t type = x->series_type[series];

        memset(x->bad, 0, s->n_accounts * sizeof(*x->bad));
        memset(x->total, 0, s->n_accounts * sizeof(*x->total));
        FOR_EACH_ROW(s, c, i)
        {
                int64_t t = ts_of(c->ts[i]);
                uint32_t a = c->account[i];

                if (c->type[i] != type || t < since || t > x->at || a >= s->n_accounts)
                        continue;
                x->total[a]++;
                if (c->outcome[i] == CXG_OUT_FAILED ||
                    (c->duration[i] != ENG_DUR_NONE && (double)c->duration[i] > slow_ms))
                        x->bad[a]++;
        }
        *n = 0;
        /* the max accounts with most bad interactions (ties: more interactions, then order) */
        while (*n < max) {
                uint32_t best = ENG_NONE;

                for (uint32_t a = 0; a < s->n_accounts; a++) {
                        if (!x->bad[a])
                                continue;
                        if (best == ENG_NONE || x->bad[a] > x->bad[best] ||
                            (x->bad[a] == x->bad[best] && x->total[a] > x->total[best]))
                                best = a;
                }
                if (best == ENG_NONE)
                        break;
                top[*n].account = s->a_ext[best];
                top[*n].name = s->a_name[best];
                top[*n].bad = x->bad[best];
                top[*n].total = x->total[best];
                x->bad[best] = 0;
                (*n)++;
        }
        return CXG_OK;
}

/*
 * Weekly figures of type t over weeks [w0, w0 + nw * WEEK) from the experience partials:
 * counts, and p50/p95 of the bottom-K hash sample of durations; returns the busy weeks.
 */
static size_t exp_weeks(const struct eng_detect_params *p, const struct eng_exp_part *xp,
                        const char *type, int64_t w0, size_t nw, double *scratch,
                        struct eng_week_stat *ws)
{
        size_t nc, busy = 0;
        const struct eng_exp_cell *c = eng_exp_part_type(xp, type, &nc);

        for (size_t k = 0; k < nw; k++) {
                ws[k].start = w0 + (int64_t)k * WEEK;
                ws[k].p50 = ws[k].p95 = NAN;
        }
        for (size_t q = 0; q < nc; q++) {
                struct eng_week_stat *w;

                if (c[q].week < w0 || c[q].week >= w0 + (int64_t)nw * WEEK)
                        continue;
                w = &ws[(c[q].week - w0) / WEEK];
                w->n = c[q].n;
                w->failed = c[q].failed;
                w->n_dur = c[q].n_dur;
                for (uint32_t i = 0; i < c[q].kept; i++)
                        scratch[i] = c[q].dur[i];
                if (c[q].kept) {
                        w->p50 = eng_stats_quantile(scratch, c[q].kept, 0.5);
                        w->p95 = eng_stats_quantile(scratch, c[q].kept, 0.95);
                }
        }
        for (size_t k = 0; k < nw; k++)
                busy += (double)ws[k].n >= p->exp_min_count;
        return busy;
}

static enum cxg_err run_experience(const struct eng_detect_params *p,
                                   const struct eng_detect_input *in, struct eng_alerts *out,
                                   size_t *judged, struct cxg_error *err)
{
        const struct eng_snapshot *s = in->snap;
        int64_t wend = eng_week_start(in->at + 1), w0; /* complete weeks end at wend */
        int64_t min_ts = in->partials ? eng_partials_min_ts(in->partials) : s->min_ts;
        size_t nt = s->types.n, nw, nseries = 0;
        struct eng_exp_part *own = NULL;
        const struct eng_exp_part *xp;
        struct eng_week_stat *ws = NULL;
        struct eng_experience_series *series = NULL;
        uint16_t *series_type = NULL;
        double *scratch = NULL;
        struct exp_ctx x = {s, in->at, NULL, NULL, NULL};
        enum cxg_err rc = CXG_OK;

        if (min_ts == CXG_TS_NONE || !nt)
                return CXG_OK;
        w0 = eng_week_start(min_ts);
        if (w0 < wend - MAX_WEEKS * WEEK)
                w0 = wend - MAX_WEEKS * WEEK;
        if (wend <= w0)
                return CXG_OK;
        nw = (size_t)((wend - w0) / WEEK);
        /* a cluster node: every shard's merged partials; a single node: its rows, the same way */
        xp = in->partials ? eng_partials_exp(in->partials) : NULL;
        if (!in->partials && eng_exp_part_compute(s, NULL, in->at, &own))
                return nomem(err, "experience");
        if (!in->partials)
                xp = own;
        ws = cxg_calloc(nt * nw, sizeof(*ws));
        series = cxg_calloc(nt, sizeof(*series));
        series_type = cxg_calloc(nt, sizeof(*series_type));
        scratch = cxg_malloc(ENG_EXP_SAMPLE * sizeof(double));
        x.bad = cxg_calloc(s->n_accounts + 1, sizeof(uint32_t));
        x.total = cxg_calloc(s->n_accounts + 1, sizeof(uint32_t));
        if (!ws || !series || !series_type || !scratch || !x.bad || !x.total) {
                rc = nomem(err, "experience");
                goto done;
        }
        for (size_t t = 1; t < nt; t++) { /* type 0 is "" */
                size_t busy = exp_weeks(p, xp, s->types.names[t], w0, nw, scratch, &ws[t * nw]);

                if (busy < (size_t)p->exp_min_history + 1)
                        continue;
                series[nseries].type = s->types.names[t];
                series[nseries].weeks = &ws[t * nw];
                series[nseries].n_weeks = nw;
                series_type[nseries++] = (uint16_t)t;
        }
        x.series_type = series_type;
        *judged = nseries;
        rc = eng_detect_experience(p, series, nseries, exposure, &x, in->at, out, err);
done:
        eng_exp_part_free(own);
        cxg_free(ws);
        cxg_free(series);
        cxg_free(series_type);
        cxg_free(scratch);
        cxg_free(x.bad);
        cxg_free(x.total);
        return rc;
}

/* ---- 3. account at risk ---- */

static enum cxg_err run_at_risk(const struct eng_detect_params *p,
                                const struct eng_detect_input *in, struct eng_alerts *out,
                                size_t *checked, struct cxg_error *err)
{
        const struct eng_snapshot *s = in->snap;
        int64_t rd = eng_dfeat_days(p->risk_days), pd = eng_dfeat_days(p->risk_prior_days);
        int64_t at = in->at, r0 = at - rd * CXG_DAY;
        struct eng_dfeat_windows dw = {.nwin = 2, .lo = {0, rd}, .hi = {rd, rd + pd}};
        struct eng_risk_person *ppl = NULL;
        struct eng_risk_feedback *fb = NULL;
        size_t cap_fb = 0, cap_ppl = 0;
        enum cxg_err rc = CXG_OK;

        /* recent and prior interactions, last interaction: the owner's figures */
        if (eng_dfeat_people(s, in->foreign, in->own, at, &dw)) {
                rc = nomem(err, "account at risk");
                goto done;
        }
        for (uint32_t a = 0; a < s->n_accounts && !rc; a++) {
                struct eng_risk_account ra;
                size_t np = s->a_poff[a + 1] - s->a_poff[a], nf = 0;
                long now_k, before_k;

                if (!account_alive(s, a, at))
                        continue;
                (*checked)++;
                if (CXG_GROW(ppl, np + 1, cap_ppl, CXG_GROW_NOCAP)) {
                        rc = nomem(err, "account at risk");
                        break;
                }
                for (size_t q = 0; q < np; q++) {
                        uint32_t pi = s->p_list[s->a_poff[a] + q];
                        struct eng_risk_person *r = &ppl[q];

                        r->id = s->p_ext[pi];
                        r->name = s->p_name[pi];
                        r->role = s->p_role[pi];
                        r->seniority = s->p_seniority[pi];
                        r->n_prior = dw.count[(size_t)pi * 2 + 1];
                        r->n_recent = dw.count[(size_t)pi * 2];
                        r->last_active =
                            dw.last[pi] == INT32_MIN ? CXG_TS_NONE : ts_of(dw.last[pi]);
                        r->left_at = s->p_left[pi];
                }
                for (uint32_t f = s->a_foff[a]; f < s->a_foff[a + 1]; f++) {
                        uint32_t pi = s->f_person[f];

                        if (s->f_ts[f] <= r0 || s->f_ts[f] > at || pi >= s->n_people ||
                            s->p_seniority[pi] < CXG_SEN_DIRECTOR)
                                continue;
                        if (CXG_GROW(fb, nf + 1, cap_fb, CXG_GROW_NOCAP)) {
                                rc = nomem(err, "account at risk");
                                goto done;
                        }
                        fb[nf].person = s->p_ext[pi];
                        fb[nf].name = s->p_name[pi];
                        fb[nf].seniority = s->p_seniority[pi];
                        fb[nf].kind = s->f_kind[f];
                        fb[nf].score = s->f_score[f];
                        fb[nf].ts = s->f_ts[f];
                        nf++;
                }
                memset(&ra, 0, sizeof(ra));
                ra.id = s->a_ext[a];
                ra.name = s->a_name[a];
                ra.owner = s->a_owner[a] ? s->owners.names[s->a_owner[a]] : NULL;
                ra.plan = s->plans.names[plan_at(s, a, at)];
                ra.mrr = mrr_at(s, a, at);
                ra.mrr_before = mrr_at(s, a, r0);
                ra.health = in->now ? in->now->acc[a].health : NAN;
                ra.health_before = in->before ? in->before->acc[a].health : NAN;
                ra.people = ppl;
                ra.n_people = np;
                ra.feedback = fb;
                ra.n_feedback = nf;
                ra.downgraded_at = CXG_TS_NONE;
                now_k = sub_at(s, a, at);
                before_k = sub_at(s, a, r0);
                if (now_k >= 0 && before_k >= 0 && now_k != before_k && s->s_start[now_k] > r0 &&
                    s->s_mrr[now_k] < s->s_mrr[before_k]) {
                        ra.downgraded_at = s->s_start[now_k];
                        ra.plan_before = s->plans.names[s->s_plan[before_k]];
                }
                if (!*ra.plan)
                        ra.plan = NULL;
                rc = eng_detect_at_risk(p, &ra, 1, at, out, err);
        }
done:
        eng_dfeat_windows_release(&dw);
        cxg_free(ppl);
        cxg_free(fb);
        return rc;
}

/* ---- 4. waves ---- */

static enum cxg_err run_waves(const struct eng_detect_params *p, const struct eng_detect_input *in,
                              struct eng_alerts *out, size_t *tested, struct cxg_error *err)
{
        const struct eng_snapshot *s = in->snap;
        size_t np = s->plans.n, K = (size_t)p->wave_history + 1, ns, n = 0;
        int64_t d = (int64_t)(p->wave_days * CXG_DAY);
        uint32_t *base = NULL, *canc = NULL, *down = NULL, *acc_segs = NULL;
        uint8_t *acc_nseg = NULL;
        struct eng_wave_series *ser = NULL;
        struct segset ss;
        enum cxg_err rc = CXG_OK;

        /* series: the plans (membership at each period's start), then account attributes */
        memset(&ss, 0, sizeof(ss));
        cxg_hmap_init(&ss.map);
        acc_segs = cxg_calloc(s->n_accounts * MAX_ACC_SEGS + 1, sizeof(*acc_segs));
        acc_nseg = cxg_calloc(s->n_accounts + 1, 1);
        if (!acc_segs || !acc_nseg || attr_segments(s, &ss, acc_segs, acc_nseg)) {
                rc = nomem(err, "waves");
                goto done;
        }
        ns = np + ss.n;
        base = cxg_calloc(ns * K + 1, sizeof(uint32_t));
        canc = cxg_calloc(ns * K + 1, sizeof(uint32_t));
        down = cxg_calloc(ns * K + 1, sizeof(uint32_t));
        ser = cxg_calloc(ns + 1, sizeof(*ser));
        if (!base || !canc || !down || !ser) {
                rc = nomem(err, "waves");
                goto done;
        }
        for (uint32_t a = 0; a < s->n_accounts; a++)
                for (size_t k = 0; k < K; k++) {
                        int64_t st = in->at - (int64_t)(K - k) * d, en = st + d;
                        uint16_t pl;
                        int cancelled, downgraded = 0;
                        double m0;

                        if (!account_alive(s, a, st))
                                continue;
                        cancelled = s->a_churned_at[a] != CXG_TS_NONE && s->a_churned_at[a] <= en;
                        m0 = mrr_at(s, a, st);
                        for (uint32_t q = s->a_soff ? s->a_soff[a] : 0;
                             !cancelled && s->a_soff && q < s->a_soff[a + 1]; q++)
                                if (s->s_start[q] > st && s->s_start[q] <= en && s->s_mrr[q] < m0) {
                                        downgraded = 1;
                                        break;
                                }
                        pl = plan_at(s, a, st);
                        if (pl && pl < np) {
                                base[pl * K + k]++;
                                canc[pl * K + k] += cancelled;
                                down[pl * K + k] += downgraded;
                        }
                        for (uint8_t q = 0; q < acc_nseg[a]; q++) {
                                size_t g = np + acc_segs[(size_t)a * MAX_ACC_SEGS + q];

                                base[g * K + k]++;
                                canc[g * K + k] += cancelled;
                                down[g * K + k] += downgraded;
                        }
                }
        for (size_t g = 1; g < ns; g++) {
                if (g < np) {
                        ser[n].field = "plan";
                        ser[n].value = s->plans.names[g];
                } else {
                        ser[n].field = ss.k[g - np].field;
                        ser[n].value = ss.k[g - np].value;
                }
                ser[n].base = &base[g * K];
                ser[n].cancel = &canc[g * K];
                ser[n].down = &down[g * K];
                ser[n].n_periods = K;
                ser[n].window_start = in->at - d;
                n++;
        }
        *tested = n;
        rc = eng_detect_waves(p, ser, n, in->at, out, err);
done:
        cxg_free(base);
        cxg_free(canc);
        cxg_free(down);
        cxg_free(ser);
        cxg_free(acc_segs);
        cxg_free(acc_nseg);
        cxg_free(ss.k);
        cxg_hmap_release(&ss.map);
        return rc;
}

enum cxg_err eng_detect_run(const struct eng_detect_params *p, const struct eng_detect_input *in,
                            struct eng_alerts *out, struct eng_detect_stats *st,
                            struct cxg_error *err)
{
        struct eng_detect_stats tmp;
        enum cxg_err rc = CXG_OK;
        double t0;

        if (!st)
                st = &tmp;
        memset(st, 0, sizeof(*st));
        if (!in->snap || !in->snap->finished)
                return cxg_error_set(err, CXG_ERR_INTERNAL, "detect: the snapshot is not loaded");
        if (in->kinds & ENG_DETECT_BIT(ENG_ALERT_EROSION)) {
                t0 = eng_now();
                rc = run_erosion(p, in, out, &st->segments_tested, err);
                st->seconds[ENG_ALERT_EROSION] = eng_now() - t0;
        }
        if (!rc && (in->kinds & ENG_DETECT_BIT(ENG_ALERT_EXPERIENCE))) {
                t0 = eng_now();
                rc = run_experience(p, in, out, &st->types_judged, err);
                st->seconds[ENG_ALERT_EXPERIENCE] = eng_now() - t0;
        }
        if (!rc && (in->kinds & ENG_DETECT_BIT(ENG_ALERT_AT_RISK))) {
                t0 = eng_now();
                rc = run_at_risk(p, in, out, &st->accounts_checked, err);
                st->seconds[ENG_ALERT_AT_RISK] = eng_now() - t0;
        }
        if (!rc && (in->kinds & ENG_DETECT_BIT(ENG_ALERT_DOWNGRADE_WAVE))) {
                t0 = eng_now();
                rc = run_waves(p, in, out, &st->plans_tested, err);
                st->seconds[ENG_ALERT_DOWNGRADE_WAVE] = eng_now() - t0;
        }
        return rc;
}

/* ---- follow-up: what the closed loop measures (the store writes are src/app/detect.c) ---- */

double eng_detect_account_health(const struct eng_snapshot *snap, const struct eng_scores *now,
                                 const char *account)
{
        uint32_t a = account && *account ? eng_account_find(snap, account) : ENG_NONE;

        return a != ENG_NONE && now ? now->acc[a].health : NAN;
}

int eng_detect_reconnected(const struct eng_snapshot *snap, const char *person, int64_t after,
                           int64_t within_s)
{
        uint32_t pi = person && *person ? eng_person_find(snap, person) : ENG_NONE;

        if (pi == ENG_NONE)
                return -1;
        FOR_EACH_ROW(snap, c, k)
        {
                int64_t t = ts_of(c->ts[k]);

                if (c->person[k] == pi && t > after && t <= after + within_s)
                        return 1;
        }
        return 0;
}
