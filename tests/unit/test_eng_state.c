/* Tests for published account states (engine/cluster.h): encode/decode, foreign apply, own. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#include "core/buf.h"
#include "engine/cluster.h"
#include "engine/detect.h"
#include "engine/detect_features.h"
#include "engine/partials_exp.h"
#include "engine/partials_int.h"
#include "engine/score.h"
#include "engine/snapshot.h"

#define DAYS 86400
/* 2026-06-30T00:00:00Z */
#define AT INT64_C(1782777600)
#define N_SHARDS 4
#define N_ACC 24
#define PER_ACC 3

/* ---- a generated world, built whole or for some shards only ---- */

static uint32_t rnd_state;

static uint32_t rnd(void)
{
        rnd_state = rnd_state * 1103515245u + 12345u;
        return (rnd_state >> 8) & 0xffffff;
}

static void acc(struct eng_snapshot *s, int64_t id, const char *ext, const char *plan)
{
        struct account a;

        model_account_init(&a);
        a.id = ext;
        a.plan = plan;
        a.mrr = 100;
        a.created_at = AT - 900 * DAYS;
        assert_int_equal(eng_snapshot_add_account(s, id, &a), CXG_OK);
}

static void person(struct eng_snapshot *s, int64_t id, int64_t account, const char *ext,
                   const char *role)
{
        struct person p;

        model_person_init(&p);
        p.id = ext;
        p.name = ext;
        p.role = role;
        assert_int_equal(eng_snapshot_add_person(s, id, account, &p), CXG_OK);
}

static int64_t next_id;

/* A row, added only when s holds the account's shard (as the loader's filter does). */
static void ix(struct eng_snapshot *s, int64_t person_id, int64_t account_id, int64_t ts, int type,
               int channel, int64_t duration_ms, int outcome)
{
        struct store_interaction r = {0};

        r.id = ++next_id;
        r.person_id = person_id;
        r.account_id = account_id;
        r.ts = ts;
        r.channel = (uint8_t)channel;
        r.duration_ms = duration_ms;
        r.outcome = (uint8_t)outcome;
        r.value = NAN;
        r.type_id = type;
        if (eng_snapshot_holds(s, account_id))
                assert_int_equal(eng_snapshot_add_interaction(s, &r), CXG_OK);
}

static void fb(struct eng_snapshot *s, int64_t person_id, int64_t account_id, int64_t ts, int kind,
               double score)
{
        struct feedback f;

        model_feedback_init(&f);
        f.ts = ts;
        f.kind = kind;
        f.score = score;
        assert_int_equal(eng_snapshot_add_feedback(s, person_id, account_id, &f), CXG_OK);
}

/* One account's rows: 14 months of mixed activity; every fifth also has rows 30 months ago. */
static void rows_of(struct eng_snapshot *s, int64_t a)
{
        static const int ch[] = {CXG_CH_WEB, CXG_CH_SUPPORT, CXG_CH_MEETING, CXG_CH_APP,
                                 CXG_CH_EMAIL};

        for (int m = 0; m < 14; m++) {
                int n = (int)(rnd() % 6);

                for (int k = 0; k < n; k++) {
                        int c = ch[rnd() % 5];
                        int64_t p = a * 10 + (int64_t)(rnd() % PER_ACC);
                        int64_t ts = AT - (int64_t)m * 30 * DAYS - (int64_t)(rnd() % (29 * DAYS));
                        int64_t dur = c == CXG_CH_MEETING ? -1 : 200 + (int64_t)(rnd() % 9000);
                        int type = c == CXG_CH_SUPPORT ? 2 : 1 + (int)(rnd() % 3);

                        if (a % 7 == 3 && m < 3 && p % 10 == 0)
                                continue; /* the CFO of some accounts fell silent */
                        ix(s, p, a, ts, type, c, dur, rnd() % 9 == 0 ? CXG_OUT_FAILED : CXG_OUT_OK);
                }
        }
        if (a % 5 == 0)
                for (int k = 0; k < 4; k++)
                        ix(s, a * 10 + 1, a, AT - (900 - k * 31) * (int64_t)DAYS, 3, CXG_CH_WEB,
                           1500, CXG_OUT_OK);
}

/* The world, whole (shards NULL) or holding the interactions of shards only; finished. */
static void world(struct eng_snapshot *s, const struct cxg_shardset *shards)
{
        static const char *roles[PER_ACC] = {"CFO", "Engineer", "Analyst"};
        struct eng_load_opts o = {.shards = shards};
        struct cxg_error e;
        char ext[32];

        rnd_state = 7;
        next_id = 0;
        eng_snapshot_init(s, &o);
        assert_int_equal(eng_snapshot_add_type(s, 1, "login"), CXG_OK);
        assert_int_equal(eng_snapshot_add_type(s, 2, "support ticket"), CXG_OK);
        assert_int_equal(eng_snapshot_add_type(s, 3, "report"), CXG_OK);
        for (int64_t a = 1; a <= N_ACC; a++) {
                snprintf(ext, sizeof(ext), "acct-%02d", (int)a);
                acc(s, a, ext, a % 2 ? "Pro" : "Basic");
                for (int k = 0; k < PER_ACC; k++) {
                        snprintf(ext, sizeof(ext), "p-%02d-%d", (int)a, k);
                        person(s, a * 10 + k, a, ext, roles[k]);
                }
        }
        for (int64_t a = 1; a <= N_ACC; a++) {
                rows_of(s, a);
                if (a % 3 == 0)
                        fb(s, a * 10, a, AT - 20 * DAYS, CXG_FB_NPS, (double)(a % 11));
                fb(s, a * 10 + 2, a, AT - 40 * DAYS, CXG_FB_CSAT, (double)(1 + a % 5));
        }
        assert_int_equal(eng_snapshot_finish(s, &e), CXG_OK);
}

static void compute(const struct eng_snapshot *s, const struct eng_compute_opts *o,
                    struct eng_scores *r)
{
        struct cxg_error e;

        eng_scores_init(r);
        assert_int_equal(eng_compute(s, NULL, o, r, &e), CXG_OK);
}

/* ---- comparisons, bit for bit (NaN equals NaN of the same bits) ---- */

static void same_f(float a, float b, const char *what, uint32_t i)
{
        if (memcmp(&a, &b, sizeof(a)) != 0)
                fail_msg("%s of %u: %.9g != %.9g", what, i, (double)a, (double)b);
}

static void same_score(const struct eng_account_score *x, const struct eng_account_score *y,
                       uint32_t a)
{
        same_f(x->health, y->health, "health", a);
        same_f(x->robustness, y->robustness, "robustness", a);
        same_f(x->engagement, y->engagement, "engagement", a);
        for (int k = 0; k < ENG_C__COUNT; k++)
                same_f(x->comp[k], y->comp[k], "component", a);
        for (int k = 0; k < ENG_M__COUNT; k++) {
                same_f(x->exp_value[k], y->exp_value[k], "experience", a);
                same_f(x->exp_base[k], y->exp_base[k], "expectation", a);
        }
        same_f(x->activity, y->activity, "activity", a);
        same_f(x->activity_prior, y->activity_prior, "prior activity", a);
        assert_int_equal(x->n_people, y->n_people);
        assert_int_equal(x->n_engaged, y->n_engaged);
        assert_int_equal(x->band, y->band);
        assert_int_equal(x->card, y->card);
        assert_int_equal(x->stage, y->stage);
        assert_int_equal(x->n_reasons, y->n_reasons);
        for (int k = 0; k < x->n_reasons; k++) {
                const struct eng_reason *p = &x->reasons[k], *q = &y->reasons[k];

                assert_int_equal(p->code, q->code);
                assert_int_equal(p->aux, q->aux);
                assert_int_equal(p->score, q->score);
                assert_int_equal(p->ref, q->ref);
                assert_int_equal(p->ts, q->ts);
                same_f(p->impact, q->impact, "reason impact", a);
                same_f(p->value, q->value, "reason value", a);
        }
}

static void same_person(const struct eng_scores *x, const struct eng_scores *y, uint32_t p)
{
        same_f(x->p_engagement[p], y->p_engagement[p], "person engagement", p);
        same_f(x->p_activity[p], y->p_activity[p], "person activity", p);
        same_f(x->p_prior[p], y->p_prior[p], "person prior", p);
        assert_int_equal(x->p_last[p], y->p_last[p]);
        assert_int_equal(x->p_channels[p], y->p_channels[p]);
        assert_int_equal(x->p_caps[p], y->p_caps[p]);
        assert_int_equal(x->p_capmask[p], y->p_capmask[p]);
        assert_int_equal(x->p_feedback[p], y->p_feedback[p]);
}

/* Account a's counters in absolute month m (zero outside s's months). */
static struct eng_month month_of(const struct eng_snapshot *s, uint32_t a, int64_t m)
{
        struct eng_month z = {0};

        if (m < s->month0 || m >= s->month0 + (int64_t)s->n_months)
                return z;
        return s->a_month[(size_t)a * s->n_months + (size_t)(m - s->month0)];
}

static int active_in(const struct eng_snapshot *s, uint32_t p, int64_t m)
{
        size_t k;

        if (m < s->month0 || m >= s->month0 + (int64_t)s->n_months)
                return 0;
        k = (size_t)(m - s->month0);
        return (int)((s->p_active[(size_t)p * s->p_words + k / 64] >> (k % 64)) & 1);
}

/* Every account's and person's monthly counters and active months equal, by absolute month. */
static void same_months(const struct eng_snapshot *x, const struct eng_snapshot *y)
{
        int64_t lo = x->month0 < y->month0 ? x->month0 : y->month0;
        int64_t hx = x->month0 + (int64_t)x->n_months, hy = y->month0 + (int64_t)y->n_months;
        int64_t hi = hx > hy ? hx : hy;

        for (uint32_t a = 0; a < x->n_accounts; a++)
                for (int64_t m = lo; m < hi; m++) {
                        struct eng_month p = month_of(x, a, m), q = month_of(y, a, m);

                        assert_int_equal(p.n, q.n);
                        assert_int_equal(p.failed, q.failed);
                        assert_int_equal(p.slow, q.slow);
                        assert_int_equal(p.sup_n, q.sup_n);
                        assert_int_equal(p.lat_n, q.lat_n);
                        assert_true(p.sup_sum == q.sup_sum);
                        assert_true(p.lat_sum == q.lat_sum);
                }
        for (uint32_t p = 0; p < x->n_people; p++)
                for (int64_t m = lo; m < hi; m++)
                        assert_int_equal(active_in(x, p, m), active_in(y, p, m));
}

/* Keep every account of `full` outside own as a foreign state in a new eng_foreign. */
static struct eng_foreign *states_of(const struct eng_snapshot *full, const struct eng_scores *r,
                                     const struct cxg_shardset *own)
{
        struct eng_foreign *f = eng_foreign_new();
        struct cxg_error e;
        struct cxg_buf b;

        assert_non_null(f);
        cxg_buf_init(&b, 0);
        for (uint32_t a = 0; a < full->n_accounts; a++) {
                if (cxg_shardset_has(own, eng_account_shard(full, a, own->n)))
                        continue;
                cxg_buf_clear(&b);
                assert_int_equal(eng_state_encode(full, r, a, &b, &e), CXG_OK);
                assert_int_equal(eng_foreign_put(f, full->a_id[a], b.data, b.len, &e), CXG_OK);
        }
        cxg_buf_release(&b);
        return f;
}

static void set_of(struct cxg_shardset *set, int shard)
{
        cxg_shardset_init(set, N_SHARDS, 0);
        if (shard >= 0)
                cxg_shardset_add(set, (uint32_t)shard);
}

/* ---- tests ---- */

/*
 * Every account's state, encoded from a full computation, decoded and applied to a snapshot
 * holding no interactions at all, reproduces the scores, the people's figures, the monthly
 * counters and the active months bit for bit (the month range built from nothing).
 */
static void test_round_trip_reproduces_scores_and_months(void **st)
{
        struct eng_compute_opts o = {.at = AT, .threads = 2};
        struct eng_snapshot full, bare;
        struct eng_scores r, r2;
        struct cxg_shardset none;
        struct eng_foreign *f;
        struct cxg_error e;

        (void)st;
        world(&full, NULL);
        compute(&full, &o, &r);
        set_of(&none, -1);
        world(&bare, &none);
        assert_int_equal(bare.main.n + bare.delta.n, 0);
        o.own = &none;
        compute(&bare, &o, &r2);
        for (uint32_t a = 0; a < bare.n_accounts; a++)
                assert_true(isnan(r2.acc[a].health));
        f = states_of(&full, &r, &none);
        assert_int_equal(eng_foreign_count(f), N_ACC);
        assert_int_equal(eng_foreign_apply(f, &none, &bare, &r2, &e), CXG_OK);
        for (uint32_t a = 0; a < full.n_accounts; a++)
                same_score(&r.acc[a], &r2.acc[a], a);
        for (uint32_t p = 0; p < full.n_people; p++)
                same_person(&r, &r2, p);
        assert_int_equal(bare.month0, full.month0);
        assert_int_equal(bare.n_months, full.n_months);
        same_months(&full, &bare);
        /* a second apply changes nothing; a dropped state is no longer kept */
        assert_int_equal(eng_foreign_apply(f, &none, &bare, &r2, &e), CXG_OK);
        same_months(&full, &bare);
        eng_foreign_drop(f, full.a_id[0]);
        assert_int_equal(eng_foreign_count(f), N_ACC - 1);
        eng_foreign_free(f);
        eng_scores_release(&r2);
        eng_scores_release(&r);
        eng_snapshot_release(&bare);
        eng_snapshot_release(&full);
}

/* Every shard's partials of the full snapshot, merged. */
static struct eng_partials *merged_of(const struct eng_snapshot *full)
{
        struct eng_partials *all = eng_partials_new(), *pt;
        struct eng_params p;
        struct cxg_error e;

        eng_params_init(&p);
        assert_non_null(all);
        for (uint32_t k = 0; k < N_SHARDS; k++) {
                assert_int_equal(eng_partials_compute(full, &p, k, N_SHARDS, &pt, &e), CXG_OK);
                assert_int_equal(eng_partials_merge(all, pt, &e), CXG_OK);
                eng_partials_free(pt);
        }
        return all;
}

/*
 * A node holding shard k's interactions, scoring its own accounts against every shard's
 * merged partials and applying every other account's published state, has for EVERY account
 * and person the single-node scores, monthly counters and active months; some shards' own
 * months start later than the other accounts' (rows 30 months back), so the apply widens them.
 */
static void test_shard_plus_foreign_states_equal_single_node(void **st)
{
        struct eng_compute_opts o = {.at = AT, .threads = 2};
        struct eng_snapshot full, sub;
        struct eng_scores r, rs;
        struct eng_partials *merged;
        struct cxg_shardset own;
        struct cxg_error e;
        int widened = 0;

        (void)st;
        world(&full, NULL);
        compute(&full, &o, &r);
        merged = merged_of(&full);
        for (int k = 0; k < N_SHARDS; k++) {
                struct eng_compute_opts so = {.at = AT, .threads = 2, .partials = merged};
                struct eng_foreign *f;

                set_of(&own, k);
                so.own = &own;
                world(&sub, &own);
                assert_true(sub.main.n + sub.delta.n < full.main.n + full.delta.n);
                compute(&sub, &so, &rs);
                f = states_of(&full, &r, &own);
                widened += sub.month0 > full.month0;
                assert_int_equal(eng_foreign_apply(f, &own, &sub, &rs, &e), CXG_OK);
                assert_int_equal(sub.month0, full.month0);
                for (uint32_t a = 0; a < full.n_accounts; a++)
                        same_score(&r.acc[a], &rs.acc[a], a);
                for (uint32_t p = 0; p < full.n_people; p++)
                        same_person(&r, &rs, p);
                same_months(&full, &sub);
                eng_foreign_free(f);
                eng_scores_release(&rs);
                eng_snapshot_release(&sub);
        }
        assert_true(widened > 0);
        eng_partials_free(merged);
        eng_scores_release(&r);
        eng_snapshot_release(&full);
}

/* Erosion and at-risk alerts of one run (health from r) on s, with f and own in a cluster. */
static void detect_on(const struct eng_snapshot *s, const struct eng_scores *r,
                      const struct eng_foreign *f, const struct cxg_shardset *own,
                      const struct eng_partials *merged, struct eng_alerts *out)
{
        struct eng_detect_params p;
        struct eng_detect_input in = {
            .snap = s, .now = r, .at = AT, .foreign = f, .own = own, .partials = merged};
        struct cxg_error e;

        eng_detect_params_init(&p);
        p.risk_min_active = 1;
        p.exp_min_count = 1;
        in.kinds = ENG_DETECT_BIT(ENG_ALERT_EROSION) | ENG_DETECT_BIT(ENG_ALERT_AT_RISK) |
                   ENG_DETECT_BIT(ENG_ALERT_EXPERIENCE);
        eng_alerts_init(out);
        assert_int_equal(eng_detect_run(&p, &in, out, NULL, &e), CXG_OK);
}

/*
 * The detectors' per-person inputs (erosion's two windows, at risk's recent and prior counts
 * and last interaction) on a node holding shard k's rows plus the other accounts' published
 * states equal the single node's for every person, and so do the alerts of both detectors.
 */
static void test_shard_detect_inputs_equal_single_node(void **st)
{
        struct eng_compute_opts o = {.at = AT, .threads = 2};
        struct eng_snapshot full, sub;
        struct eng_scores r;
        struct eng_alerts a1, a2;
        struct cxg_shardset own;
        struct eng_dfeat_windows w1 = {.nwin = 4, .lo = {0, 30, 90, 0}, .hi = {30, 120, 180, 900}};
        struct eng_partials *merged;
        size_t nonzero = 0;

        (void)st;
        world(&full, NULL);
        compute(&full, &o, &r);
        assert_int_equal(eng_dfeat_people(&full, NULL, NULL, AT, &w1), CXG_OK);
        for (size_t k = 0; k < full.n_people * 4; k++)
                nonzero += w1.count[k] > 0;
        assert_true(nonzero > full.n_people);
        merged = merged_of(&full);
        detect_on(&full, &r, NULL, NULL, NULL, &a1);
        assert_true(a1.n > 0);
        for (int k = 0; k < N_SHARDS; k++) {
                struct eng_dfeat_windows w2 = w1;
                struct eng_foreign *f;
                size_t held = 0;

                set_of(&own, k);
                world(&sub, &own);
                f = states_of(&full, &r, &own);
                w2.count = NULL;
                w2.last = NULL;
                assert_int_equal(eng_dfeat_people(&sub, f, &own, AT, &w2), CXG_OK);
                for (uint32_t p = 0; p < full.n_people; p++) {
                        assert_int_equal(w1.last[p], w2.last[p]);
                        for (int q = 0; q < 4; q++)
                                assert_int_equal(w1.count[p * 4 + (uint32_t)q],
                                                 w2.count[p * 4 + (uint32_t)q]);
                }
                /* without the states, the node sees only its own rows: the inputs differ */
                eng_dfeat_windows_release(&w2);
                assert_int_equal(eng_dfeat_people(&sub, NULL, NULL, AT, &w2), CXG_OK);
                for (size_t p = 0; p < full.n_people * 4; p++)
                        held += w1.count[p] != w2.count[p];
                assert_true(held > 0);
                eng_dfeat_windows_release(&w2);
                detect_on(&sub, &r, f, &own, merged, &a2);
                assert_int_equal(a1.n, a2.n);
                for (size_t i = 0; i < a1.n; i++) {
                        assert_string_equal(a1.v[i].dedup_key, a2.v[i].dedup_key);
                        assert_string_equal(a1.v[i].summary, a2.v[i].summary);
                        assert_int_equal(a1.v[i].severity, a2.v[i].severity);
                }
                eng_alerts_release(&a2);
                eng_foreign_free(f);
                eng_snapshot_release(&sub);
        }
        eng_alerts_release(&a1);
        eng_partials_free(merged);
        eng_dfeat_windows_release(&w1);
        eng_scores_release(&r);
        eng_snapshot_release(&full);
}

/* Busy weeks: 24 accounts x 300 web logins with durations in each of three weeks. */
static void busy_world(struct eng_snapshot *s, const struct cxg_shardset *shards)
{
        struct eng_load_opts o = {.shards = shards};
        struct cxg_error e;
        char ext[32];

        rnd_state = 11;
        next_id = 0;
        eng_snapshot_init(s, &o);
        assert_int_equal(eng_snapshot_add_type(s, 1, "login"), CXG_OK);
        for (int64_t a = 1; a <= N_ACC; a++) {
                snprintf(ext, sizeof(ext), "acct-%02d", (int)a);
                acc(s, a, ext, "Pro");
                snprintf(ext, sizeof(ext), "p-%02d", (int)a);
                person(s, a * 10, a, ext, "Engineer");
        }
        for (int64_t a = 1; a <= N_ACC; a++)
                for (int k = 0; k < 900; k++)
                        ix(s, a * 10, a, AT - (k % 3) * 7 * DAYS - (int64_t)(rnd() % (6 * DAYS)), 1,
                           CXG_CH_WEB, 100 + (int64_t)(rnd() % 5000),
                           k % 17 ? CXG_OUT_OK : CXG_OUT_FAILED);
        assert_int_equal(eng_snapshot_finish(s, &e), CXG_OK);
}

/*
 * The experience partials (counts per type and week, bottom-K hash sample of durations) of
 * every shard, encoded, decoded and merged, equal the single node's exactly, value for value,
 * with weeks holding more durations than the sample keeps.
 */
static void test_experience_sample_merge_equals_single_node(void **st)
{
        struct eng_snapshot full;
        struct eng_exp_part *one;
        struct eng_partials *all = eng_partials_new(), *pt, *back;
        struct cxg_error e;
        struct cxg_buf b;
        const struct eng_exp_cell *x, *y;
        size_t nx, ny, full_weeks = 0;

        (void)st;
        busy_world(&full, NULL);
        assert_int_equal(eng_exp_part_compute(&full, NULL, CXG_TS_NONE, &one), CXG_OK);
        cxg_buf_init(&b, 0);
        for (uint32_t k = 0; k < N_SHARDS; k++) {
                assert_int_equal(eng_partials_compute(&full, NULL, k, N_SHARDS, &pt, &e), CXG_OK);
                cxg_buf_clear(&b);
                assert_int_equal(eng_partials_encode(pt, &b, &e), CXG_OK);
                assert_int_equal(eng_partials_decode(b.data, b.len, &back, &e), CXG_OK);
                assert_int_equal(eng_partials_merge(all, back, &e), CXG_OK);
                eng_partials_free(back);
                eng_partials_free(pt);
        }
        x = eng_exp_part_type(one, "login", &nx);
        y = eng_exp_part_type(eng_partials_exp(all), "login", &ny);
        assert_true(nx >= 3);
        assert_int_equal(nx, ny);
        for (size_t k = 0; k < nx; k++) {
                assert_int_equal(x[k].week, y[k].week);
                assert_int_equal(x[k].n, y[k].n);
                assert_int_equal(x[k].failed, y[k].failed);
                assert_int_equal(x[k].n_dur, y[k].n_dur);
                assert_int_equal(x[k].kept, y[k].kept);
                full_weeks += x[k].n_dur > ENG_EXP_SAMPLE && x[k].kept == ENG_EXP_SAMPLE;
                for (uint32_t i = 0; i < x[k].kept; i++) {
                        assert_true(x[k].hash[i] == y[k].hash[i]);
                        assert_int_equal(x[k].dur[i], y[k].dur[i]);
                        assert_true(!i || x[k].hash[i - 1] <= x[k].hash[i]);
                }
        }
        assert_true(full_weeks >= 2);
        cxg_buf_release(&b);
        eng_exp_part_free(one);
        eng_partials_free(all);
        eng_snapshot_release(&full);
}

/* Rewrite blob's trailing CRC-32 after an edit (a blob well framed but bad inside). */
static void reframe(unsigned char *b, size_t len)
{
        uint32_t crc = (uint32_t)crc32(crc32(0, Z_NULL, 0), b, (uInt)(len - 4));

        for (int i = 0; i < 4; i++)
                b[len - 4 + (size_t)i] = (unsigned char)(crc >> (8 * i));
}

static void rejects(const unsigned char *b, size_t len, const char *why)
{
        struct eng_foreign *f = eng_foreign_new();
        struct cxg_error e;

        cxg_error_clear(&e);
        assert_int_equal(eng_foreign_put(f, 1, b, len, &e), CXG_ERR_PARSE);
        if (!strstr(e.msg, why))
                fail_msg("expected \"%s\" in \"%s\"", why, e.msg);
        assert_int_equal(eng_foreign_count(f), 0);
        eng_foreign_free(f);
}

static void test_decode_rejects_bad_blobs(void **st)
{
        struct eng_compute_opts o = {.at = AT, .threads = 1};
        struct eng_snapshot s;
        struct eng_scores r;
        struct cxg_error e;
        struct cxg_buf b;
        unsigned char *copy;

        (void)st;
        world(&s, NULL);
        compute(&s, &o, &r);
        cxg_buf_init(&b, 0);
        assert_int_equal(eng_state_encode(&s, &r, 3, &b, &e), CXG_OK);
        copy = malloc(b.len);
        assert_non_null(copy);
        rejects((const unsigned char *)b.data, 5, "shorter than its frame");
        for (size_t cut = 1; b.len - cut >= 12; cut += 7)
                rejects((const unsigned char *)b.data, b.len - cut, "checksum");
        for (size_t at = 8; at < b.len - 4; at += 5) {
                memcpy(copy, b.data, b.len);
                copy[at] ^= 0x10;
                rejects(copy, b.len, "checksum");
        }
        memcpy(copy, b.data, b.len);
        copy[4] = 9;
        rejects(copy, b.len, "format version 9");
        memcpy(copy, b.data, b.len);
        copy[0] = 'X';
        rejects(copy, b.len, "bad magic");
        /* well framed, but the account id's length runs past the end */
        memcpy(copy, b.data, b.len);
        copy[10] = 0x7f;
        reframe(copy, b.len);
        rejects(copy, b.len, "bad account id");
        /* well framed, but more reasons than a score holds (the byte after the magic,
         * version, id, as-of, 23 floats, 2 counts, band, card and stage) */
        memcpy(copy, b.data, b.len);
        copy[8 + 4 + strlen(s.a_ext[3]) + 1 + 8 + 23 * 4 + 8 + 3] = ENG_MAX_REASONS + 1;
        reframe(copy, b.len);
        rejects(copy, b.len, "bad reason count");
        /* well framed, one byte more than the fields */
        copy = realloc(copy, b.len + 1);
        assert_non_null(copy);
        memcpy(copy, b.data, b.len - 4);
        copy[b.len - 4] = 0;
        reframe(copy, b.len + 1);
        rejects(copy, b.len + 1, "bad trailing bytes");
        free(copy);
        cxg_buf_release(&b);
        eng_scores_release(&r);
        eng_snapshot_release(&s);
}

/*
 * With own, only those shards' accounts are scored (as in the full run); the others and their
 * people are left NAN, also by eng_compute_accounts on a sharded snapshot.
 */
static void test_own_mask_leaves_other_accounts_unscored(void **st)
{
        struct eng_compute_opts o = {.at = AT, .threads = 2};
        struct eng_snapshot s, sub;
        struct eng_scores r, rm, rs;
        struct cxg_shardset own;
        struct cxg_error e;
        uint32_t all[N_ACC], mine = 0;

        (void)st;
        world(&s, NULL);
        compute(&s, &o, &r);
        set_of(&own, 1);
        o.own = &own;
        compute(&s, &o, &rm);
        for (uint32_t a = 0; a < s.n_accounts; a++) {
                all[a] = a;
                if (cxg_shardset_has(&own, eng_account_shard(&s, a, N_SHARDS))) {
                        same_score(&r.acc[a], &rm.acc[a], a);
                        mine++;
                        continue;
                }
                assert_true(isnan(rm.acc[a].health) && isnan(rm.acc[a].engagement));
                assert_int_equal(rm.acc[a].n_reasons, 0);
                for (uint32_t k = s.a_poff[a]; k < s.a_poff[a + 1]; k++)
                        assert_true(isnan(rm.p_engagement[s.p_list[k]]));
        }
        assert_true(mine > 0 && mine < s.n_accounts);
        /* a sharded snapshot scores its own shards only, by default and when rescoring */
        world(&sub, &own);
        o.own = NULL;
        compute(&sub, &o, &rs);
        assert_int_equal(eng_compute_accounts(&sub, &rs, all, s.n_accounts, AT, &e), CXG_OK);
        for (uint32_t a = 0; a < s.n_accounts; a++)
                if (!cxg_shardset_has(&own, eng_account_shard(&s, a, N_SHARDS)))
                        assert_true(isnan(rs.acc[a].health));
                else
                        assert_false(isnan(rs.acc[a].engagement));
        eng_scores_release(&rs);
        eng_snapshot_release(&sub);
        eng_scores_release(&rm);
        eng_scores_release(&r);
        eng_snapshot_release(&s);
}

int main(void)
{
        const struct CMUnitTest tests[] = {
            cmocka_unit_test(test_round_trip_reproduces_scores_and_months),
            cmocka_unit_test(test_shard_plus_foreign_states_equal_single_node),
            cmocka_unit_test(test_shard_detect_inputs_equal_single_node),
            cmocka_unit_test(test_experience_sample_merge_equals_single_node),
            cmocka_unit_test(test_decode_rejects_bad_blobs),
            cmocka_unit_test(test_own_mask_leaves_other_accounts_unscored),
        };

        return cmocka_run_group_tests(tests, NULL, NULL);
}
