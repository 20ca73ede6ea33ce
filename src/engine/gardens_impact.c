/*
 * gardens_impact.c: garden impact against matched non-members, experiment results against a
 * matched comparison group, and rollout before/after reports, computed on a garden panel, with
 * their JSON views (docs/scoring.md, "Gardens").
 */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "core/alloc.h"
#include "core/banned.h"
#include "core/grow.h"
#include "core/parse.h"
#include "core/timeconst.h"
#include "engine/gardens.h"

#define FOLLOW_DAYS 180

/* Engagement bands per month of reference, computed once per month. */
struct band_cache {
        int64_t month[64];
        uint8_t *band[64];
        size_t n;
};

static void band_cache_release(struct band_cache *c)
{
        for (size_t i = 0; i < c->n; i++)
                cxg_free(c->band[i]);
        c->n = 0;
}

/* Bands as of the start of t's month (NULL when out of memory). */
static const uint8_t *bands_for(struct band_cache *c, const struct eng_garden_panel *p, int64_t t,
                                int bands)
{
        int64_t m = cxg_month_index(t);
        uint8_t *b;

        for (size_t i = 0; i < c->n; i++)
                if (c->month[i] == m)
                        return c->band[i];
        if (c->n == 64) { /* more months than the cache holds: recycle the oldest slot */
                cxg_free(c->band[0]);
                memmove(c->band, c->band + 1, 63 * sizeof(c->band[0]));
                memmove(c->month, c->month + 1, 63 * sizeof(c->month[0]));
                c->n--;
        }
        b = cxg_malloc(p->n ? p->n : 1);
        if (!b || eng_garden_bands_at(p, cxg_month_start(m), bands, b)) {
                cxg_free(b);
                return NULL;
        }
        c->month[c->n] = m;
        c->band[c->n++] = b;
        return b;
}

static void num_add(struct eng_garden_num *s, int group, double v)
{
        if (group) {
                s->n1++;
                s->s1 += v;
                s->ss1 += v * v;
        } else {
                s->n0++;
                s->s0 += v;
                s->ss0 += v * v;
        }
}

enum cxg_err eng_garden_impact(const struct eng_garden_panel *p, int bands,
                               struct eng_garden_impact *out, struct cxg_error *err)
{
        struct band_cache bc = {0};
        struct eng_garden_bin *b90 = NULL, *b180 = NULL, *crude = NULL;
        struct eng_garden_num *mrr = NULL, *nps = NULL;
        size_t n_str = 0, cap1 = 0, cap2 = 0, cap3 = 0, cap4 = 0, cap5 = 0;
        uint8_t *used = NULL;
        double msum[ENG_GARDEN_MAX_CURRENCIES] = {0}, msq[ENG_GARDEN_MAX_CURRENCIES] = {0};
        double mn[ENG_GARDEN_MAX_CURRENCIES] = {0}, mmrr[ENG_GARDEN_MAX_CURRENCIES] = {0};
        int cur_slot[UINT16_MAX + 1];
        enum cxg_err rc = CXG_ERR_NOMEM;

        memset(out, 0, sizeof(*out));
        if (bands < 1 || bands > ENG_GARDEN_MAX_BANDS)
                return cxg_error_setf(err, CXG_ERR_USAGE, "bands",
                                      "garden impact: bands must be 1-%d", ENG_GARDEN_MAX_BANDS);
        out->bands = bands;
        out->follow_days = FOLLOW_DAYS;
        snprintf(out->segment_field, sizeof(out->segment_field), "%s", p->segment_field);
        for (size_t i = 0; i <= UINT16_MAX; i++)
                cur_slot[i] = -1;
        used = cxg_calloc(p->n ? p->n : 1, 1);
        if (!used)
                goto done;
        for (size_t a = 0; a < p->n; a++) {
                int64_t j = p->joined[a], j90 = j + 90 * (int64_t)CXG_DAY,
                        j180 = j + FOLLOW_DAYS * (int64_t)CXG_DAY;
                const uint8_t *band;
                int plan, ok, y90, y180, n0 = 0, x90 = 0, x180 = 0, nall = 0, xall = 0;
                double m0, v;
                struct eng_garden_num sm = {0}, sn = {0};

                if (j == CXG_TS_NONE || !eng_garden_alive(p, a, j))
                        continue;
                out->members++;
                if (j180 > p->end)
                        continue;
                out->members_observed++;
                band = bands_for(&bc, p, j, bands);
                if (!band)
                        goto done;
                plan = eng_garden_plan_at(p, a, j);
                y90 = eng_garden_alive(p, a, j90);
                y180 = eng_garden_alive(p, a, j180);
                m0 = eng_garden_mrr_at(p, a, j);
                v = eng_garden_metric_value(p, a, GARDEN_METRIC_MRR_CHANGE, j, j180, &ok);
                if (ok)
                        num_add(&sm, 1, v);
                v = eng_garden_metric_value(p, a, GARDEN_METRIC_NPS, j, j180, &ok);
                if (ok)
                        num_add(&sn, 1, v);
                for (size_t c = 0; c < p->n; c++) {
                        int r180;

                        if (p->joined[c] != CXG_TS_NONE || !eng_garden_alive(p, c, j))
                                continue;
                        r180 = eng_garden_alive(p, c, j180);
                        nall++;
                        xall += r180;
                        if (p->segment[c] != p->segment[a] || band[c] != band[a] ||
                            eng_garden_plan_at(p, c, j) != plan)
                                continue;
                        n0++;
                        x90 += eng_garden_alive(p, c, j90);
                        x180 += r180;
                        used[c] = 1;
                        v = eng_garden_metric_value(p, c, GARDEN_METRIC_MRR_CHANGE, j, j180, &ok);
                        if (ok)
                                num_add(&sm, 0, v);
                        v = eng_garden_metric_value(p, c, GARDEN_METRIC_NPS, j, j180, &ok);
                        if (ok)
                                num_add(&sn, 0, v);
                }
                if (CXG_GROW(crude, n_str + 1, cap3, CXG_GROW_NOCAP) ||
                    CXG_GROW(b90, n_str + 1, cap1, CXG_GROW_NOCAP) ||
                    CXG_GROW(b180, n_str + 1, cap2, CXG_GROW_NOCAP) ||
                    CXG_GROW(mrr, n_str + 1, cap4, CXG_GROW_NOCAP) ||
                    CXG_GROW(nps, n_str + 1, cap5, CXG_GROW_NOCAP))
                        goto done;
                crude[n_str] = (struct eng_garden_bin){1, y180, nall, xall};
                b90[n_str] = (struct eng_garden_bin){1, y90, n0, x90};
                b180[n_str] = (struct eng_garden_bin){1, y180, n0, x180};
                mrr[n_str] = sm;
                nps[n_str] = sn;
                n_str++;
                if (!n0)
                        continue;
                out->members_matched++;
                if (!isnan(m0) && m0 > 0) {
                        uint16_t cu = p->currency[a];
                        double z = m0 * (y180 - (double)x180 / n0);

                        if (cur_slot[cu] < 0 && out->n_money < ENG_GARDEN_MAX_CURRENCIES) {
                                cur_slot[cu] = (int)out->n_money++;
                                snprintf(out->money[cur_slot[cu]].currency,
                                         sizeof(out->money[0].currency), "%s", p->currencies[cu]);
                        }
                        if (cur_slot[cu] >= 0) {
                                int k = cur_slot[cu];

                                mn[k]++;
                                msum[k] += z;
                                msq[k] += z * z;
                                mmrr[k] += m0;
                        }
                }
        }
        for (size_t c = 0; c < p->n; c++)
                out->comparison_accounts += used[c];
        eng_garden_mh_diff(crude, n_str, &out->crude_180);
        eng_garden_mh_diff(b90, n_str, &out->ret_90);
        eng_garden_mh_diff(b180, n_str, &out->ret_180);
        eng_garden_strat_mean_diff(mrr, n_str, &out->mrr_change);
        eng_garden_strat_mean_diff(nps, n_str, &out->nps);
        for (size_t k = 0; k < out->n_money; k++) {
                out->money[k].members = (int64_t)mn[k];
                out->money[k].members_mrr = mmrr[k];
                eng_garden_mean_est(mn[k], msum[k], msq[k], 1, &out->money[k].retained);
        }
        rc = CXG_OK;
done:
        if (rc)
                cxg_error_set(err, rc, "garden impact: out of memory");
        band_cache_release(&bc);
        cxg_free(used);
        cxg_free(crude);
        cxg_free(b90);
        cxg_free(b180);
        cxg_free(mrr);
        cxg_free(nps);
        return rc;
}

/* ---- experiments ---- */

struct strata {
        struct cxg_hmap ix;
        struct eng_garden_bin *bin;
        struct eng_garden_num *num;
        size_t n, cap_b, cap_n;
};

static enum cxg_err stratum(struct strata *s, uint16_t seg, uint16_t plan, uint8_t band,
                            size_t *out)
{
        char key[5] = {(char)(seg & 0xff), (char)(seg >> 8), (char)(plan & 0xff), (char)(plan >> 8),
                       (char)band};
        uint64_t v;

        if (cxg_hmap_get(&s->ix, key, sizeof(key), &v)) {
                *out = (size_t)v;
                return CXG_OK;
        }
        if (CXG_GROW(s->bin, s->n + 1, s->cap_b, CXG_GROW_NOCAP) ||
            CXG_GROW(s->num, s->n + 1, s->cap_n, CXG_GROW_NOCAP) ||
            cxg_hmap_put(&s->ix, key, sizeof(key), s->n))
                return CXG_ERR_NOMEM;
        memset(&s->bin[s->n], 0, sizeof(s->bin[0]));
        memset(&s->num[s->n], 0, sizeof(s->num[0]));
        *out = s->n++;
        return CXG_OK;
}

int eng_garden_metric_binary(int metric)
{
        return metric == GARDEN_METRIC_RETENTION_90 || metric == GARDEN_METRIC_RETENTION_180;
}

enum cxg_err eng_garden_experiment(const struct eng_garden_panel *p, const int64_t *accounts,
                                   size_t n, int metric, int64_t from, int64_t to, int bands,
                                   struct eng_garden_experiment *out, struct cxg_error *err)
{
        struct strata s = {0};
        uint8_t *in = NULL, *band = NULL;
        enum cxg_err rc = CXG_ERR_NOMEM;

        memset(out, 0, sizeof(*out));
        out->metric = metric;
        out->from = from;
        out->to = to;
        if (metric < 0 || metric >= GARDEN_METRIC__COUNT)
                return cxg_error_setf(err, CXG_ERR_INVALID, "metric", "experiment: unknown metric");
        if (to <= from)
                return cxg_error_setf(err, CXG_ERR_INVALID, "ends_at",
                                      "experiment: the end is not after the start");
        if (bands < 1 || bands > ENG_GARDEN_MAX_BANDS)
                bands = 3;
        cxg_hmap_init(&s.ix);
        in = cxg_calloc(p->n ? p->n : 1, 1);
        band = cxg_malloc(p->n ? p->n : 1);
        if (!in || !band || eng_garden_bands_at(p, from, bands, band))
                goto done;
        for (size_t k = 0; k < n; k++) {
                long a = eng_garden_panel_find_id(p, accounts[k]);

                if (a >= 0 && !in[a]) {
                        in[a] = 1;
                        out->participants++;
                }
        }
        for (size_t a = 0; a < p->n; a++) {
                size_t si;
                int ok;
                double v;

                if (!eng_garden_alive(p, a, from))
                        continue;
                v = eng_garden_metric_value(p, a, metric, from, to, &ok);
                if (!ok)
                        continue;
                if ((rc = stratum(&s, p->segment[a], (uint16_t)eng_garden_plan_at(p, a, from),
                                  band[a], &si)))
                        goto done;
                if (in[a]) {
                        out->participants_measured++;
                        s.bin[si].n1++;
                        s.bin[si].x1 += v;
                } else {
                        out->comparison++;
                        s.bin[si].n0++;
                        s.bin[si].x0 += v;
                }
                num_add(&s.num[si], in[a], v);
        }
        if (eng_garden_metric_binary(metric))
                eng_garden_mh_diff(s.bin, s.n, &out->est);
        else
                eng_garden_strat_mean_diff(s.num, s.n, &out->est);
        rc = CXG_OK;
done:
        if (rc == CXG_ERR_NOMEM)
                cxg_error_set(err, rc, "experiment: out of memory");
        cxg_hmap_release(&s.ix);
        cxg_free(s.bin);
        cxg_free(s.num);
        cxg_free(in);
        cxg_free(band);
        return rc;
}

/* ---- rollouts ---- */

enum cxg_err eng_garden_rollout_report(const struct eng_garden_panel *p, const int64_t *accounts,
                                       size_t n, int metric, int64_t at, int days,
                                       struct eng_garden_rollout *out, struct cxg_error *err)
{
        uint8_t *in;
        double sum[2][2] = {{0}}, sq[2][2] = {{0}}, cnt[2][2] = {{0}}; /* [seg][after] */
        int64_t w;
        struct eng_garden_est *e[2][2] = {{&out->rest_before, &out->rest_after},
                                          {&out->seg_before, &out->seg_after}};

        memset(out, 0, sizeof(*out));
        out->metric = metric;
        out->at = at;
        out->days = days > 0 ? days : 90;
        w = (int64_t)out->days * CXG_DAY;
        if (metric < 0 || metric >= GARDEN_METRIC__COUNT)
                return cxg_error_setf(err, CXG_ERR_INVALID, "metric", "rollout: unknown metric");
        in = cxg_calloc(p->n ? p->n : 1, 1);
        if (!in)
                return cxg_error_set(err, CXG_ERR_NOMEM, "rollout: out of memory");
        for (size_t k = 0; k < n; k++) {
                long a = eng_garden_panel_find_id(p, accounts[k]);

                if (a >= 0)
                        in[a] = 1;
        }
        for (size_t a = 0; a < p->n; a++) {
                int g = in[a] ? 1 : 0, ok;

                if (!eng_garden_alive(p, a, at))
                        continue;
                if (g)
                        out->seg_accounts++;
                else
                        out->rest_accounts++;
                for (int after = 0; after < 2; after++) {
                        int64_t from = after ? at : at - w;
                        double v = eng_garden_metric_value(p, a, metric, from, from + w, &ok);

                        if (!ok)
                                continue;
                        cnt[g][after]++;
                        sum[g][after] += v;
                        sq[g][after] += v * v;
                }
        }
        cxg_free(in);
        for (int g = 0; g < 2; g++)
                for (int after = 0; after < 2; after++)
                        eng_garden_mean_est(cnt[g][after], sum[g][after], sq[g][after], 0,
                                            e[g][after]);
        /* change = after - before (independent samples), did = segment change - rest change */
        {
                struct eng_garden_est *ch[2] = {&out->rest_change, &out->seg_change};

                for (int g = 0; g < 2; g++) {
                        memset(ch[g], 0, sizeof(*ch[g]));
                        ch[g]->v1 = e[g][1]->v1;
                        ch[g]->v0 = e[g][0]->v1;
                        ch[g]->n1 = e[g][1]->n1;
                        ch[g]->n0 = e[g][0]->n1;
                        ch[g]->diff = e[g][1]->v1 - e[g][0]->v1;
                        ch[g]->se = sqrt(e[g][1]->se * e[g][1]->se + e[g][0]->se * e[g][0]->se);
                        ch[g]->lo = ch[g]->diff - ENG_GARDEN_Z95 * ch[g]->se;
                        ch[g]->hi = ch[g]->diff + ENG_GARDEN_Z95 * ch[g]->se;
                }
                memset(&out->did, 0, sizeof(out->did));
                out->did.v1 = out->seg_change.diff;
                out->did.v0 = out->rest_change.diff;
                out->did.diff = out->seg_change.diff - out->rest_change.diff;
                out->did.se = sqrt(out->seg_change.se * out->seg_change.se +
                                   out->rest_change.se * out->rest_change.se);
                out->did.lo = out->did.diff - ENG_GARDEN_Z95 * out->did.se;
                out->did.hi = out->did.diff + ENG_GARDEN_Z95 * out->did.se;
                out->did.n1 = (double)out->seg_accounts;
                out->did.n0 = (double)out->rest_accounts;
        }
        return CXG_OK;
}
