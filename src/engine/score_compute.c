/*
 * score_compute.c: eng_compute, the driver of docs/scoring.md: it builds the run's context
 * (type and channel weights, decay table, expectation segments and baselines, scorecards),
 * splits the accounts into contiguous ranges weighted by row count and runs score_account
 * (score.c) over each range on its own thread, with no locks in the hot loop.
 */
#include <jansson.h>
#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/alloc.h"
#include "core/banned.h"
#include "core/timeconst.h"
#include "engine/cluster.h"
#include "engine/partials_int.h"
#include "engine/score.h"
#include "engine/score_int.h"

/*
 * Account a is another node's (eng_compute_opts.own): not scored here, its figures NAN (its
 * owner's published state fills them in: eng_foreign_apply), its people likewise.
 */
static void unscored(const struct eng_snapshot *s, struct eng_scores *r, uint32_t a)
{
        struct eng_account_score *sc = &r->acc[a];

        memset(sc, 0, sizeof(*sc));
        sc->health = sc->robustness = sc->engagement = NAN;
        sc->activity = sc->activity_prior = NAN;
        for (int k = 0; k < ENG_C__COUNT; k++)
                sc->comp[k] = NAN;
        for (int k = 0; k < ENG_M__COUNT; k++)
                sc->exp_value[k] = sc->exp_base[k] = NAN;
        for (uint32_t k = s->a_poff[a]; k < s->a_poff[a + 1]; k++)
                r->p_engagement[s->p_list[k]] = NAN;
}

/* The shards scored in a run: opts->own, else a sharded snapshot's own shards, else all. */
static const struct cxg_shardset *own_of(const struct eng_snapshot *s,
                                         const struct eng_compute_opts *o)
{
        if (o && o->own && o->own->n)
                return o->own;
        return s->sharded && s->shards.n ? &s->shards : NULL;
}

/* Per account, 1 when own holds its shard (NULL when own is NULL: every account). */
static uint8_t *own_mask(const struct eng_snapshot *s, const struct cxg_shardset *own)
{
        uint8_t *m;

        if (!own || !(m = cxg_malloc(s->n_accounts ? s->n_accounts : 1)))
                return NULL;
        for (uint32_t a = 0; a < s->n_accounts; a++)
                m[a] = (uint8_t)cxg_shardset_has(own, cxg_shard_of(s->a_ext[a], own->n));
        return m;
}

static void *worker_run(void *arg)
{
        struct worker *w = arg;
        size_t nt = w->c->s->types.n + 1;
        struct tscratch ts = {cxg_calloc(nt, sizeof(float)), cxg_calloc(nt, sizeof(uint32_t)),
                              cxg_malloc(nt * sizeof(uint16_t)), 0};

        if (!ts.sum || !ts.n || !ts.touched) {
                w->rc = CXG_ERR_NOMEM;
        } else {
                for (uint32_t a = w->a0; a < w->a1; a++)
                        if (!w->c->mine || w->c->mine[a])
                                score_account(w->c, a, &ts);
                        else
                                unscored(w->c->s, w->c->r, a);
        }
        cxg_free(ts.sum);
        cxg_free(ts.n);
        cxg_free(ts.touched);
        return NULL;
}

/*
 * The absolute months [*lo, *hi) the baselines read: from the month of the earliest
 * interaction of the partials to the last complete month before `at` (at most the month of
 * the latest interaction), as the snapshot's own months were before partials.
 */
static void base_months(const struct ctx *c, const struct eng_partials *pt, int64_t *lo,
                        int64_t *hi)
{
        int64_t last;

        *lo = *hi = 0;
        if (eng_partials_min_ts(pt) == CXG_TS_NONE)
                return;
        *lo = cxg_month_index(eng_partials_min_ts(pt));
        last = cxg_month_index(eng_partials_max_ts(pt)) + 1;
        *hi = cxg_month_index(c->at) < last ? cxg_month_index(c->at) : last;
}

/* EWMA of each segment's monthly means over the complete months before `at`, from the
 * partial sums pt (docs/scoring.md#expectation); a segment absent from pt has none (NAN). */
static void baselines(struct ctx *c, const struct eng_partials *pt)
{
        const struct eng_snapshot *s = c->s;
        struct eng_scores *r = c->r;
        int64_t lo, hi;

        base_months(c, pt, &lo, &hi);
        for (uint32_t g = 0; g < r->n_segments; g++) {
                double b[ENG_M__COUNT];

                eng_partials_seg_baseline(pt, eng_segment_name(s, c->p->expect_segment, g), lo, hi,
                                          c->p->ewma_alpha, b);
                for (int m = 0; m < ENG_M__COUNT; m++)
                        r->seg_base[(size_t)g * ENG_M__COUNT + m] = (float)b[m];
        }
}

static int card_matches(const struct eng_snapshot *s, const struct eng_scorecard *card, uint32_t a,
                        int stage)
{
        const char *f = card->match_field, *v = card->match_value, *have = NULL;
        char buf[64];

        if (strcmp(f, "plan") == 0)
                have = s->plans.names[s->a_plan[a]];
        else if (strcmp(f, "owner") == 0)
                have = s->owners.names[s->a_owner[a]];
        else if (strcmp(f, "currency") == 0)
                have = s->currencies.names[s->a_currency[a]];
        else if (strcmp(f, "stage") == 0)
                have = eng_stage_name(stage);
        else if (strcmp(f, "garden") == 0)
                have = s->a_garden[a] ? "yes" : "no";
        else if (s->a_attrs[a]) {
                json_t *root = json_loads(s->a_attrs[a], 0, NULL), *x;
                int ok = 0;

                if (!root)
                        return 0;
                x = json_object_get(root, f);
                if (json_is_string(x))
                        ok = cxg_ieq(json_string_value(x), strlen(json_string_value(x)), v);
                else if (json_is_integer(x) || json_is_real(x) || json_is_boolean(x)) {
                        if (json_is_boolean(x))
                                snprintf(buf, sizeof(buf), "%s",
                                         json_is_true(x) ? "true" : "false");
                        else
                                snprintf(buf, sizeof(buf), "%g", json_number_value(x));
                        ok = strcmp(buf, v) == 0;
                }
                json_decref(root);
                return ok;
        }
        return have && cxg_ieq(have, strlen(have), v);
}

void eng_scores_init(struct eng_scores *r)
{
        memset(r, 0, sizeof(*r));
}

void eng_scores_release(struct eng_scores *r)
{
        cxg_free(r->acc);
        cxg_free(r->p_engagement);
        cxg_free(r->p_activity);
        cxg_free(r->p_last);
        cxg_free(r->p_channels);
        cxg_free(r->p_caps);
        cxg_free(r->p_capmask);
        cxg_free(r->p_feedback);
        cxg_free(r->p_prior);
        cxg_free(r->seg_base);
        cxg_free(r->t_base);
        cxg_free(r->prev_eng);
        memset(r, 0, sizeof(*r));
}

static double now_s(void)
{
        struct timespec ts;

        clock_gettime(CLOCK_MONOTONIC, &ts);
        return ts.tv_sec + ts.tv_nsec / 1e9;
}

/* Allocate c's tables for na accounts; CXG_ERR_NOMEM on failure (ctx_free frees them). */
static enum cxg_err alloc_ctx(struct ctx *c, size_t na)
{
        const struct eng_snapshot *s = c->s;

        c->tw = cxg_malloc((s->types.n + 1) * sizeof(float));
        c->decay = cxg_malloc(c->n_decay * sizeof(float));
        c->dkind = cxg_malloc((s->types.n + 1) * CXG_CH__COUNT);
        c->t_expect = cxg_malloc((s->types.n + 1) * sizeof(float));
        c->mstart = cxg_malloc((s->n_months + 1) * sizeof(int64_t));
        c->wt = cxg_malloc((s->types.n + 1) * 16 * sizeof(float));
        c->seg = cxg_malloc(na * sizeof(uint32_t));
        c->card = cxg_calloc(na, 1);
        if (!c->tw || !c->decay || !c->dkind || !c->t_expect || !c->wt || !c->mstart || !c->seg ||
            !c->card)
                return CXG_ERR_NOMEM;
        return CXG_OK;
}

static void ctx_free(struct ctx *c)
{
        cxg_free(c->tw);
        cxg_free(c->decay);
        cxg_free(c->dkind);
        cxg_free(c->t_expect);
        cxg_free(c->mstart);
        cxg_free(c->wt);
        cxg_free(c->seg);
        cxg_free(c->card);
}

/* Allocate r's per-account and per-person arrays; CXG_ERR_NOMEM on failure. */
static enum cxg_err alloc_arrays(struct eng_scores *r, size_t na, size_t np)
{
        r->acc = cxg_calloc(na, sizeof(*r->acc));
        r->p_engagement = cxg_calloc(np, sizeof(float));
        r->p_activity = cxg_calloc(np, sizeof(float));
        r->p_prior = cxg_calloc(np, sizeof(float));
        r->p_last = cxg_malloc(np * sizeof(int32_t));
        r->p_channels = cxg_calloc(np, sizeof(uint16_t));
        r->p_caps = cxg_calloc(np, sizeof(uint8_t));
        r->p_capmask = cxg_calloc(np, sizeof(uint64_t));
        r->p_feedback = cxg_calloc(np, sizeof(uint16_t));
        r->seg_base = cxg_calloc((size_t)r->n_segments * ENG_M__COUNT, sizeof(float));
        if (!r->acc || !r->p_engagement || !r->p_activity || !r->p_prior || !r->p_last ||
            !r->p_channels || !r->p_caps || !r->p_capmask || !r->p_feedback || !r->seg_base)
                return CXG_ERR_NOMEM;
        for (size_t i = 0; i < np; i++)
                r->p_last[i] = INT32_MIN;
        return CXG_OK;
}

/* Weights per type and channel, duration kinds and the decay table by hour of age. */
static void fill_weights(struct ctx *c)
{
        const struct eng_snapshot *s = c->s;

        for (size_t t = 0; t <= s->types.n; t++) {
                c->tw[t] = 1;
                for (size_t k = 0; t < s->types.n && k < c->p->n_type_weights; k++)
                        if (cxg_ieq(s->types.names[t], strlen(s->types.names[t]),
                                    c->p->type_name[k]))
                                c->tw[t] = (float)c->p->type_weight[k];
        }
        for (int ch = 0; ch < CXG_CH__COUNT; ch++)
                c->cw[ch] = (float)c->p->ch_weight[ch];
        for (size_t t = 0; t <= s->types.n; t++)
                for (int ch = 0; ch < 16; ch++)
                        c->wt[t * 16 + ch] = ch < CXG_CH__COUNT ? c->tw[t] * c->cw[ch] : 0;
        for (size_t t = 0; t <= s->types.n; t++)
                for (int ch = 0; ch < CXG_CH__COUNT; ch++)
                        c->dkind[t * CXG_CH__COUNT + ch] =
                            (uint8_t)eng_duration_kind(s, (uint16_t)t, (uint8_t)ch);
        /* decay by whole hours of age: docs/scoring.md#decay */
        for (size_t h = 0; h < c->n_decay; h++)
                c->decay[h] = (float)eng_decay(h / 24.0, c->p->half_life_days);
}

/* Expectation segment and scorecard of account a (the first matching card wins). */
static void assign_account(struct ctx *c, uint32_t a)
{
        const struct eng_snapshot *s = c->s;

        c->seg[a] = eng_segment_of(s, c->p->expect_segment, a);
        c->card[a] = 0;
        for (size_t k = 1; k < c->p->n_cards; k++)
                if (card_matches(s, &c->p->cards[k], a, score_stage_of(c, a))) {
                        c->card[a] = (uint8_t)k;
                        break;
                }
}

/* Month starts of the snapshot's months. */
static void month_starts(struct ctx *c)
{
        for (size_t m = 0; m <= c->s->n_months; m++)
                c->mstart[m] = cxg_month_start(c->s->month0 + (int64_t)m);
}

/* Each type's expected web/app duration: EWMA of its monthly means, from the partial sums pt
 * (0 for a type absent from them). */
static void type_expectations(struct ctx *c, const struct eng_partials *pt)
{
        const struct eng_snapshot *s = c->s;
        int64_t lo, hi;

        base_months(c, pt, &lo, &hi);
        for (size_t t = 0; t <= s->types.n; t++) {
                double b = t < s->types.n ? eng_partials_type_baseline(pt, s->types.names[t], lo,
                                                                       hi, c->p->ewma_alpha)
                                          : NAN;

                c->t_expect[t] = isnan(b) ? 0 : (float)b;
        }
}

/*
 * Score every account on `threads` threads over ranges of accounts holding about equal numbers
 * of rows; a range whose thread could not start runs on the caller's.
 */
static enum cxg_err run_workers(struct ctx *c, int threads)
{
        const struct eng_snapshot *s = c->s;
        struct worker w[ENG_MAX_THREADS];
        pthread_t th[ENG_MAX_THREADS];
        uint64_t total = 0, done = 0;
        const struct cxg_shardset *own = own_of(s, c->o);
        uint8_t *mine = own_mask(s, own);
        uint32_t a = 0;
        int nt = threads > 0 ? threads : 2, started = 0;
        enum cxg_err rc = CXG_OK;

        if (own && !mine)
                return CXG_ERR_NOMEM;
        c->mine = mine;
        for (uint32_t k = 0; k < s->n_accounts; k++)
                if (!mine || mine[k])
                        total +=
                            s->a_ioff[k + 1] - s->a_ioff[k] + s->a_doff[k + 1] - s->a_doff[k] + 1;
        if (nt > ENG_MAX_THREADS)
                nt = ENG_MAX_THREADS;
        if ((size_t)nt > s->n_accounts)
                nt = s->n_accounts ? (int)s->n_accounts : 1;
        for (int t = 0; t < nt; t++) {
                uint64_t goal = total * (uint64_t)(t + 1) / (uint64_t)nt;

                w[t].c = c;
                w[t].rc = CXG_OK;
                w[t].a0 = a;
                while (a < s->n_accounts && (done < goal || t == nt - 1)) {
                        if (!mine || mine[a])
                                done += s->a_ioff[a + 1] - s->a_ioff[a] + s->a_doff[a + 1] -
                                        s->a_doff[a] + 1;
                        a++;
                }
                w[t].a1 = a;
        }
        for (int t = 1; t < nt; t++) {
                if (pthread_create(&th[t], NULL, worker_run, &w[t]) != 0)
                        break;
                started = t;
        }
        worker_run(&w[0]);
        for (int t = 1; t <= started; t++)
                pthread_join(th[t], NULL);
        for (int t = started + 1; t < nt; t++)
                worker_run(&w[t]);
        for (int t = 0; t < nt && !rc; t++)
                rc = w[t].rc;
        c->mine = NULL;
        cxg_free(mine);
        return rc;
}

/* The as-of time and the windows of a computation as of opts->at into c (and r->at). */
static enum cxg_err ctx_init(struct ctx *c, const struct eng_snapshot *s, struct eng_scores *r,
                             const struct eng_compute_opts *opts, struct cxg_error *err)
{
        /* "latest data": of every shard when the baselines come from their partials */
        int64_t latest = opts->partials ? eng_partials_max_ts(opts->partials) : s->max_ts;

        memset(c, 0, sizeof(*c));
        c->s = s;
        c->p = &r->params;
        c->o = opts;
        c->r = r;
        c->at = opts->at != CXG_TS_NONE ? opts->at
                : latest != CXG_TS_NONE ? latest
                                        : (int64_t)time(NULL);
        if (c->at - ENG_EPOCH < 0 || c->at - ENG_EPOCH > INT32_MAX)
                return cxg_error_setf(err, CXG_ERR_INVALID, "at",
                                      "engine: the as-of time must fall between 2000 and 2068");
        r->at = c->at;
        c->at_rel = (int32_t)(c->at - ENG_EPOCH);
        c->window_s = (int32_t)(c->p->window_days * (double)CXG_DAY);
        c->trend_s = (int32_t)(c->p->trend_days * (double)CXG_DAY);
        /* the benchmark's core reads the window only; the full run also the trend's month */
        c->span_s = opts->core_only ? c->window_s : c->window_s + c->trend_s;
        c->k_trend = (float)exp2(c->p->trend_days / c->p->half_life_days);
        c->n_decay = (size_t)c->span_s / 3600 + 2;
        c->month_at = s->n_months ? (size_t)(cxg_month_index(c->at) - s->month0) : 0;
        if (s->n_months && cxg_month_index(c->at) < s->month0)
                c->month_at = 0;
        c->have_caps = s->n_caps > 0;
        return CXG_OK;
}

/* Keep the run's cross-account baselines in r for eng_compute_accounts. */
static enum cxg_err keep_baselines(const struct ctx *c, struct eng_scores *r)
{
        size_t nt = c->s->types.n + 1;

        r->full_at = c->at;
        r->t_base = cxg_malloc(nt * sizeof(float));
        if (!r->t_base)
                return CXG_ERR_NOMEM;
        memcpy(r->t_base, c->t_expect, nt * sizeof(float));
        r->n_t_base = nt;
        if (c->o->prev_engagement && r->n_accounts) {
                r->prev_eng = cxg_malloc(r->n_accounts * sizeof(float));
                if (!r->prev_eng)
                        return CXG_ERR_NOMEM;
                memcpy(r->prev_eng, c->o->prev_engagement, r->n_accounts * sizeof(float));
                r->prev_at = c->o->prev_at;
        }
        return CXG_OK;
}

/*
 * The partial sums the baselines come from into *pt: opts->partials (every shard's, merged),
 * or those of every account of s, computed into *own (freed by the caller).
 */
static enum cxg_err base_partials(const struct eng_snapshot *s, const struct eng_params *p,
                                  const struct eng_compute_opts *opts,
                                  const struct eng_partials **pt, struct eng_partials **own,
                                  struct cxg_error *err)
{
        const char *field;
        enum cxg_err rc;

        if (!opts->partials) {
                rc = eng_partials_compute(s, p, UINT32_MAX, 0, own, err);
                *pt = *own;
                return rc;
        }
        field = eng_partials_field(opts->partials);
        if (field[0] && strcmp(field, p->expect_segment) != 0)
                return cxg_error_set(err, CXG_ERR_INVALID,
                                     "engine: the partials are by expectation segment \"%s\", "
                                     "the parameters by \"%s\"",
                                     field, p->expect_segment);
        *pt = opts->partials;
        return CXG_OK;
}

enum cxg_err eng_compute(const struct eng_snapshot *s, const struct eng_params *params,
                         const struct eng_compute_opts *opts, struct eng_scores *r,
                         struct cxg_error *err)
{
        struct eng_params defaults;
        struct eng_compute_opts o0 = {.at = CXG_TS_NONE};
        struct ctx c;
        const struct eng_partials *pt = NULL;
        struct eng_partials *own_pt = NULL;
        double t0 = now_s();
        enum cxg_err rc = CXG_OK;
        size_t np = s->n_people ? s->n_people : 1, na = s->n_accounts ? s->n_accounts : 1;

        if (!s->finished)
                return cxg_error_set(err, CXG_ERR_INTERNAL, "engine: snapshot not finished");
        if (!params) {
                eng_params_init(&defaults);
                params = &defaults;
        }
        if (!opts)
                opts = &o0;
        eng_scores_release(r);
        r->snap = s;
        r->params = *params;
        if ((rc = ctx_init(&c, s, r, opts, err)))
                return rc;
        r->n_accounts = s->n_accounts;
        r->n_people = s->n_people;
        r->n_segments = eng_segment_count(s, c.p->expect_segment);
        if (alloc_ctx(&c, na) || alloc_arrays(r, na, np)) {
                rc = cxg_error_set(err, CXG_ERR_NOMEM, "engine: out of memory for scores");
                goto done;
        }
        fill_weights(&c);
        for (uint32_t a = 0; a < s->n_accounts; a++)
                assign_account(&c, a);
        if ((rc = base_partials(s, &r->params, opts, &pt, &own_pt, err)))
                goto done;
        month_starts(&c);
        type_expectations(&c, pt);
        if (!opts->core_only)
                baselines(&c, pt);
        if ((rc = run_workers(&c, opts->threads)) || (rc = keep_baselines(&c, r))) {
                rc = cxg_error_set(err, rc, "engine: out of memory");
                goto done;
        }
        r->timing.compute_s = now_s() - t0;
done:
        ctx_free(&c);
        eng_partials_free(own_pt);
        if (rc)
                eng_scores_release(r);
        return rc;
}

/* ---- continuous rescoring: a few accounts against the last full computation ---- */

/* Realloc *p from old_n to n entries of size sz, the new ones filled with byte fill. */
static int regrow(void **p, size_t old_n, size_t n, size_t sz, int fill)
{
        void *tmp;

        if (n <= old_n)
                return 0;
        if (!(tmp = cxg_realloc(*p, n * sz)))
                return 1;
        memset((char *)tmp + old_n * sz, fill, (n - old_n) * sz);
        *p = tmp;
        return 0;
}

#define NAN_BYTES 0xff /* a float of all one bits is a NaN */

/* Grow r for the accounts, people, segments and types s gained since r was computed. */
static enum cxg_err grow_results(struct eng_scores *r, const struct eng_snapshot *s)
{
        size_t na = s->n_accounts, oa = r->n_accounts, np = s->n_people, op = r->n_people;
        size_t ns = eng_segment_count(s, r->params.expect_segment), nt = s->types.n + 1;

        if (regrow((void **)&r->acc, oa, na, sizeof(*r->acc), 0) ||
            (r->prev_eng && regrow((void **)&r->prev_eng, oa, na, sizeof(float), NAN_BYTES)) ||
            regrow((void **)&r->p_engagement, op, np, sizeof(float), 0) ||
            regrow((void **)&r->p_activity, op, np, sizeof(float), 0) ||
            regrow((void **)&r->p_prior, op, np, sizeof(float), 0) ||
            regrow((void **)&r->p_last, op, np, sizeof(int32_t), 0) ||
            regrow((void **)&r->p_channels, op, np, sizeof(uint16_t), 0) ||
            regrow((void **)&r->p_caps, op, np, sizeof(uint8_t), 0) ||
            regrow((void **)&r->p_capmask, op, np, sizeof(uint64_t), 0) ||
            regrow((void **)&r->p_feedback, op, np, sizeof(uint16_t), 0) ||
            regrow((void **)&r->seg_base, (size_t)r->n_segments * ENG_M__COUNT, ns * ENG_M__COUNT,
                   sizeof(float), NAN_BYTES) ||
            regrow((void **)&r->t_base, r->n_t_base, nt, sizeof(float), 0))
                return CXG_ERR_NOMEM;
        for (size_t p = op; p < np; p++)
                r->p_last[p] = INT32_MIN;
        if (na > oa)
                r->n_accounts = na;
        if (np > op)
                r->n_people = np;
        if (ns > r->n_segments)
                r->n_segments = (uint32_t)ns;
        if (nt > r->n_t_base)
                r->n_t_base = nt;
        return CXG_OK;
}

/* Account a and its people as a fresh computation starts them (eng_compute's calloc). */
static void reset_account(const struct eng_snapshot *s, struct eng_scores *r, uint32_t a)
{
        memset(&r->acc[a], 0, sizeof(r->acc[a]));
        for (uint32_t k = s->a_poff[a]; k < s->a_poff[a + 1]; k++) {
                uint32_t p = s->p_list[k];

                r->p_engagement[p] = r->p_activity[p] = r->p_prior[p] = 0;
                r->p_last[p] = INT32_MIN;
                r->p_channels[p] = 0;
                r->p_caps[p] = 0;
                r->p_capmask[p] = 0;
                r->p_feedback[p] = 0;
        }
}

enum cxg_err eng_compute_accounts(const struct eng_snapshot *s, struct eng_scores *r,
                                  const uint32_t *acc, size_t n, int64_t at, struct cxg_error *err)
{
        struct eng_compute_opts o = {.at = at, .threads = 1};
        size_t nt = s->types.n + 1;
        struct tscratch ts = {0};
        struct ctx c;
        enum cxg_err rc;

        if (!s->finished || r->snap != s || !r->acc || !r->t_base)
                return cxg_error_set(err, CXG_ERR_INTERNAL,
                                     "engine: rescoring accounts needs a full computation first");
        if (s->mixed_accounts)
                return cxg_error_set(err, CXG_ERR_CONFLICT,
                                     "engine: some rows' account is not their person's: "
                                     "rescore every account");
        if (grow_results(r, s))
                return cxg_error_set(err, CXG_ERR_NOMEM, "engine: out of memory for scores");
        o.prev_engagement = r->prev_eng;
        o.prev_at = r->prev_at;
        if ((rc = ctx_init(&c, s, r, &o, err)))
                return rc;
        ts.sum = cxg_calloc(nt, sizeof(float));
        ts.n = cxg_calloc(nt, sizeof(uint32_t));
        ts.touched = cxg_malloc(nt * sizeof(uint16_t));
        if (alloc_ctx(&c, s->n_accounts ? s->n_accounts : 1) || !ts.sum || !ts.n || !ts.touched) {
                rc = cxg_error_set(err, CXG_ERR_NOMEM, "engine: out of memory for scores");
                goto done;
        }
        fill_weights(&c);
        month_starts(&c); /* the expectations are the full run's: */
        memcpy(c.t_expect, r->t_base, nt * sizeof(float));
        for (size_t i = 0; i < n; i++) {
                /* a sharded snapshot scores its own shards' accounts only */
                if (acc[i] >= s->n_accounts ||
                    (s->sharded && s->shards.n &&
                     !cxg_shardset_has(&s->shards, cxg_shard_of(s->a_ext[acc[i]], s->shards.n))))
                        continue;
                assign_account(&c, acc[i]);
                reset_account(s, r, acc[i]);
                score_account(&c, acc[i], &ts);
        }
done:
        ctx_free(&c);
        cxg_free(ts.sum);
        cxg_free(ts.n);
        cxg_free(ts.touched);
        return rc;
}
