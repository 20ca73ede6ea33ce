/*
 * test_generate.c: the demo-data generator. Determinism (same seed, same bytes), different
 * seeds differ, the manifest, and each planted scenario measured from the data read back
 * through the store's scans, against the control company that must show none of them.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <jansson.h>
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/alloc.h"
#include "core/parse.h"
#include "ingest/gen.h"
#include "model/model.h"
#include "store/store.h"
#include "testdb.h"

#define DAY INT64_C(86400)
/* the default window: 2024-11-01 .. 2026-11-01 */
#define T_START INT64_C(1730419200) /* 2024-11-01 */
#define T_A INT64_C(1761955200)     /* 2025-11-01: six months before the launch */
#define T_B INT64_C(1777593600)     /* 2026-05-01: Recruiter launch, window B */
#define T_LIKE INT64_C(1780272000)  /* 2026-06-01: month 20 of 24 */
#define T_END GEN_DEFAULT_END       /* 2026-11-01 */

/* ---- a generated database ---- */

struct gdb {
        char path[TESTDB_PATH_MAX];
        struct store *s;
        struct gen_summary sum;
        struct cxg_buf manifest;
};

static void gdb_remove(const char *path)
{
        static const char *const suffix[] = {"", "-wal", "-shm"};
        char p[TESTDB_PATH_MAX + 16];

        for (size_t i = 0; i < 3; i++) {
                snprintf(p, sizeof(p), "%s%s", path, suffix[i]);
                unlink(p);
        }
}

static struct gdb *gdb_make(uint64_t seed, double scale, double activity, int control)
{
        struct gdb *d = calloc(1, sizeof(*d));
        struct gen_options o;
        struct cxg_error e;

        assert_non_null(d);
        assert_int_equal(testdb_path(d->path, sizeof(d->path), "gen"), 0);
        unlink(d->path);
        cxg_error_clear(&e);
        if (store_open(d->path, 0, &d->s, &e))
                fail_msg("store_open: %s", e.msg);
        gen_options_init(&o);
        o.seed = seed;
        o.scale = scale;
        o.activity = activity;
        o.control = control;
        o.batch = 20000; /* several transactions even at small scale */
        cxg_buf_init(&d->manifest, 0);
        if (gen_run(d->s, &o, &d->sum, &d->manifest, &e))
                fail_msg("gen_run: %s", e.msg);
        return d;
}

static void gdb_free(struct gdb *d)
{
        if (!d)
                return;
        store_close(d->s);
        gdb_remove(d->path);
        cxg_buf_release(&d->manifest);
        free(d);
}

/* ---- what the tests read back through scans ---- */

struct person_row {
        int64_t account;
        int sen;
};

struct acc_row {
        int currency; /* 0 USD, 1 EUR, 2 GBP */
        int64_t created, churned, joined;
        char garden[64];
        char plan[16];
};

struct sub_row {
        int64_t account, start, end;
        double mrr;
        char plan[16];
};

struct world {
        struct person_row *people;
        size_t npeople;
        struct acc_row *acc;
        size_t nacc;
        struct sub_row *subs;
        size_t nsubs, capsubs;
        char type_names[64][32];
        int ntypes;
        /* interaction figures */
        uint64_t checksum;
        int64_t n;
        int64_t *like_before, *like_after;
        size_t nlb, nla, caplb, capla;
        int64_t *sup_first, *sup_last;
        size_t nsf, nsl, capsf, capsl;
        int64_t exec_a, exec_b;
        uint32_t *used_mask; /* per account: capabilities used in the last 90 days */
        /* capabilities: index -> plans mask, type name -> capability index */
        char cap_ids[32][48];
        unsigned cap_plans[32];
        int ncaps;
        int type_cap[64];
        /* feedback */
        double csat_first, csat_last;
        int64_t ncsat_first, ncsat_last;
        int64_t det_n, det_theme, pro_n, pro_theme, det_promo_words, pro_det_words;
        uint64_t fb_checksum;
        /* objectives needing a capability the account's current plan lacks */
        int64_t objectives, objective_gaps;
};

static uint64_t fnv(uint64_t h, const void *p, size_t n)
{
        const unsigned char *b = p;

        for (size_t i = 0; i < n; i++)
                h = (h ^ b[i]) * UINT64_C(0x100000001b3);
        return h;
}

static void push(int64_t **a, size_t *n, size_t *cap, int64_t v)
{
        if (*n == *cap) {
                *cap = *cap ? *cap * 2 : 1024;
                *a = realloc(*a, *cap * sizeof(**a));
                assert_non_null(*a);
        }
        (*a)[(*n)++] = v;
}

static int plan_bit(const char *plan)
{
        static const char *const names[] = {"Free", "Pro", "Premium", "Recruiter"};

        for (int i = 0; i < 4; i++)
                if (strcmp(plan, names[i]) == 0)
                        return i;
        return -1;
}

static enum cxg_err on_person(void *ctx, int64_t id, int64_t account_id, const struct person *p)
{
        struct world *w = ctx;

        assert_true(id >= 1 && (size_t)id <= w->npeople);
        w->people[id - 1].account = account_id;
        w->people[id - 1].sen = p->seniority;
        return CXG_OK;
}

static enum cxg_err on_account(void *ctx, int64_t id, const struct account *a)
{
        struct world *w = ctx;
        struct acc_row *r;
        json_t *j, *v;

        assert_true(id >= 1 && (size_t)id <= w->nacc);
        r = &w->acc[id - 1];
        r->currency = strcmp(a->currency, "EUR") == 0 ? 1 : strcmp(a->currency, "GBP") == 0 ? 2 : 0;
        r->created = a->created_at;
        r->churned = a->churned_at;
        r->joined = CXG_TS_NONE;
        snprintf(r->plan, sizeof(r->plan), "%s", a->plan);
        assert_non_null(a->attributes);
        j = json_loads(a->attributes, 0, NULL);
        assert_non_null(j);
        if ((v = json_object_get(j, "garden")) && json_is_string(v)) {
                struct cxg_error e;
                const char *d = json_string_value(json_object_get(j, "garden_joined_at"));

                assert_non_null(d);
                snprintf(r->garden, sizeof(r->garden), "%s", json_string_value(v));
                assert_int_equal(cxg_parse_time(d, strlen(d), &r->joined, &e), CXG_OK);
        }
        json_decref(j);
        return CXG_OK;
}

static enum cxg_err on_sub(void *ctx, int64_t id, int64_t account_id,
                           const struct subscription *sub)
{
        struct world *w = ctx;
        struct sub_row *r;

        (void)id;
        if (w->nsubs == w->capsubs) {
                w->capsubs = w->capsubs ? w->capsubs * 2 : 1024;
                w->subs = realloc(w->subs, w->capsubs * sizeof(*w->subs));
                assert_non_null(w->subs);
        }
        r = &w->subs[w->nsubs++];
        r->account = account_id;
        r->start = sub->started_at;
        r->end = sub->ended_at;
        r->mrr = sub->mrr;
        snprintf(r->plan, sizeof(r->plan), "%s", sub->plan);
        return CXG_OK;
}

static enum cxg_err on_type(void *ctx, int32_t id, const char *name)
{
        struct world *w = ctx;

        assert_true(id >= 0 && id < 64);
        snprintf(w->type_names[id], sizeof(w->type_names[id]), "%s", name);
        if (id >= w->ntypes)
                w->ntypes = id + 1;
        return CXG_OK;
}

static enum cxg_err on_cap(void *ctx, int64_t id, const struct capability *c)
{
        struct world *w = ctx;
        int k = w->ncaps++;

        (void)id;
        assert_true(k < 32);
        snprintf(w->cap_ids[k], sizeof(w->cap_ids[k]), "%s", c->id);
        for (size_t i = 0; i < c->n_plans; i++)
                w->cap_plans[k] |= 1u << plan_bit(c->plans[i]);
        for (size_t i = 0; i < c->n_interaction_types; i++)
                for (int t = 0; t < w->ntypes; t++)
                        if (strcmp(w->type_names[t], c->interaction_types[i]) == 0)
                                w->type_cap[t] = k;
        return CXG_OK;
}

static enum cxg_err on_interaction(void *ctx, const struct store_interaction *r)
{
        struct world *w = ctx;
        const char *type = w->type_names[r->type_id];
        const struct person_row *p = &w->people[r->person_id - 1];

        w->n++;
        w->checksum = fnv(w->checksum, &r->ts, sizeof(r->ts));
        w->checksum = fnv(w->checksum, &r->duration_ms, sizeof(r->duration_ms));
        w->checksum = fnv(w->checksum, &r->person_id, sizeof(r->person_id));
        w->checksum = fnv(w->checksum, &r->type_id, sizeof(r->type_id));
        w->checksum = fnv(w->checksum, &r->channel, 1);
        w->checksum = fnv(w->checksum, &r->outcome, 1);
        assert_true(r->ts >= T_START && r->ts < T_END);
        assert_int_equal(p->account, r->account_id);
        if (strcmp(type, "like") == 0) {
                if (r->ts >= T_LIKE)
                        push(&w->like_after, &w->nla, &w->capla, r->duration_ms);
                else
                        push(&w->like_before, &w->nlb, &w->caplb, r->duration_ms);
        } else if (strcmp(type, "support_ticket") == 0) {
                if (r->ts < T_START + 182 * DAY)
                        push(&w->sup_first, &w->nsf, &w->capsf, r->duration_ms);
                else if (r->ts >= T_END - 184 * DAY)
                        push(&w->sup_last, &w->nsl, &w->capsl, r->duration_ms);
        }
        if (p->sen == CXG_SEN_EXECUTIVE && r->ts >= T_A) {
                if (r->ts >= T_B)
                        w->exec_b++;
                else
                        w->exec_a++;
        }
        if (r->ts >= T_END - 90 * DAY && w->type_cap[r->type_id] >= 0)
                w->used_mask[r->account_id - 1] |= 1u << w->type_cap[r->type_id];
        return CXG_OK;
}

static int has_any(const char *s, const char *const *words)
{
        for (; *words; words++)
                if (strstr(s, *words))
                        return 1;
        return 0;
}

static enum cxg_err on_feedback(void *ctx, int64_t id, int64_t person_id, int64_t account_id,
                                const struct feedback *f)
{
        static const char *const bad[] = {"slow",        "price",    "expensive", "never answered",
                                          "waited days", "time out", NULL};
        static const char *const good[] = {"Easy",    "easy",      "intuitive", "Great candidates",
                                           "helpful", "excellent", NULL};
        struct world *w = ctx;

        (void)id;
        (void)account_id;
        w->fb_checksum = fnv(w->fb_checksum, &f->ts, sizeof(f->ts));
        w->fb_checksum = fnv(w->fb_checksum, &f->score, sizeof(f->score));
        w->fb_checksum = fnv(w->fb_checksum, &person_id, sizeof(person_id));
        if (f->comment)
                w->fb_checksum = fnv(w->fb_checksum, f->comment, strlen(f->comment));
        if (f->kind == CXG_FB_CSAT) {
                assert_true(f->score >= 1 && f->score <= 5);
                if (f->ts < T_START + 182 * DAY) {
                        w->csat_first += f->score;
                        w->ncsat_first++;
                } else if (f->ts >= T_END - 184 * DAY) {
                        w->csat_last += f->score;
                        w->ncsat_last++;
                }
        } else if (f->kind == CXG_FB_NPS && f->comment) {
                assert_true(f->score >= 0 && f->score <= 10);
                if (f->score <= 6) {
                        w->det_n++;
                        w->det_theme += has_any(f->comment, bad);
                        w->det_promo_words += has_any(f->comment, good);
                } else if (f->score >= 9) {
                        w->pro_n++;
                        w->pro_theme += has_any(f->comment, good);
                        w->pro_det_words += has_any(f->comment, bad);
                }
        }
        return CXG_OK;
}

static const struct sub_row *sub_at(const struct world *w, int64_t account, int64_t t)
{
        for (size_t i = 0; i < w->nsubs; i++) {
                const struct sub_row *r = &w->subs[i];
                if (r->account == account && r->start <= t && (r->end == CXG_TS_NONE || r->end > t))
                        return r;
        }
        return NULL;
}

static enum cxg_err on_objective(void *ctx, int64_t id, int64_t account_id, int64_t person_id,
                                 const struct objective *o)
{
        struct world *w = ctx;
        const struct sub_row *sub = sub_at(w, account_id, T_END - 1);
        int plan = plan_bit(sub ? sub->plan : w->acc[account_id - 1].plan), gap = 0;

        (void)id;
        (void)person_id;
        w->objectives++;
        assert_true(o->n_capabilities > 0);
        for (size_t i = 0; i < o->n_capabilities; i++)
                for (int k = 0; k < w->ncaps; k++)
                        if (strcmp(w->cap_ids[k], o->capabilities[i]) == 0 &&
                            !(w->cap_plans[k] >> plan & 1))
                                gap = 1;
        w->objective_gaps += gap;
        return CXG_OK;
}

static void world_load(struct world *w, struct gdb *d)
{
        struct store_counts c;
        struct cxg_error e;

        memset(w, 0, sizeof(*w));
        assert_int_equal(store_counts(d->s, &c, &e), CXG_OK);
        w->npeople = (size_t)c.people;
        w->nacc = (size_t)c.accounts;
        w->people = calloc(w->npeople, sizeof(*w->people));
        w->acc = calloc(w->nacc, sizeof(*w->acc));
        w->used_mask = calloc(w->nacc, sizeof(*w->used_mask));
        assert_true(w->people && w->acc && w->used_mask);
        for (int t = 0; t < 64; t++)
                w->type_cap[t] = -1;
        assert_int_equal(store_scan_accounts(d->s, 0, on_account, w, &e), CXG_OK);
        assert_int_equal(store_scan_people(d->s, 0, on_person, w, &e), CXG_OK);
        assert_int_equal(store_scan_subscriptions(d->s, 0, on_sub, w, &e), CXG_OK);
        assert_int_equal(store_scan_types(d->s, on_type, w, &e), CXG_OK);
        assert_int_equal(store_scan_capabilities(d->s, on_cap, w, &e), CXG_OK);
        assert_int_equal(store_scan_interactions(d->s, 0, on_interaction, w, &e), CXG_OK);
        assert_int_equal(store_scan_feedback(d->s, 0, on_feedback, w, &e), CXG_OK);
        assert_int_equal(store_scan_objectives(d->s, on_objective, w, &e), CXG_OK);
}

static void world_free(struct world *w)
{
        free(w->people);
        free(w->acc);
        free(w->subs);
        free(w->like_before);
        free(w->like_after);
        free(w->sup_first);
        free(w->sup_last);
        free(w->used_mask);
}

static int cmp64(const void *a, const void *b)
{
        int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;

        return (x > y) - (x < y);
}

static int64_t quantile(int64_t *v, size_t n, double q)
{
        assert_true(n > 0);
        qsort(v, n, sizeof(*v), cmp64);
        return v[(size_t)(q * (double)(n - 1))];
}

static double mrr_usd(const struct world *w, int64_t t)
{
        static const double per_usd[3] = {1.0, 0.92, 0.79};
        double sum = 0;

        for (size_t i = 0; i < w->nsubs; i++) {
                const struct sub_row *r = &w->subs[i];
                if (r->start <= t && (r->end == CXG_TS_NONE || r->end > t))
                        sum += r->mrr / per_usd[w->acc[r->account - 1].currency];
        }
        return sum;
}

/* Share of Premium accounts' included capabilities used in the last 90 days. */
static double premium_use(const struct world *w)
{
        double sum = 0;
        int n = 0;
        unsigned inc = 0;
        int ninc = 0;

        for (int k = 0; k < w->ncaps; k++)
                if (w->cap_plans[k] >> 2 & 1) {
                        inc |= 1u << k;
                        ninc++;
                }
        for (size_t a = 0; a < w->nacc; a++) {
                const struct sub_row *s = sub_at(w, (int64_t)a + 1, T_END - 1);
                int used = 0;

                if (!s || strcmp(s->plan, "Premium") != 0)
                        continue;
                for (int k = 0; k < w->ncaps; k++)
                        used += (w->used_mask[a] & inc) >> k & 1;
                sum += (double)used / ninc;
                n++;
        }
        assert_true(n > 0);
        return sum / n;
}

/* ---- shared fixtures: generated once for the whole file ---- */

static struct gdb *treat, *treat_again, *other_seed, *control;
static struct world w_treat, w_again, w_other, w_control;
/* full structure (2,000 accounts) with 1% of the activity, planted and control */
static struct gdb *big, *big_control;
static struct world w_big, w_big_control;

static int setup(void **state)
{
        (void)state;
        treat = gdb_make(7, 0.05, 1, 0);
        treat_again = gdb_make(7, 0.05, 1, 0);
        other_seed = gdb_make(8, 0.05, 1, 0);
        control = gdb_make(7, 0.05, 1, 1);
        big = gdb_make(11, 1, 0.01, 0);
        big_control = gdb_make(11, 1, 0.01, 1);
        world_load(&w_treat, treat);
        world_load(&w_again, treat_again);
        world_load(&w_other, other_seed);
        world_load(&w_control, control);
        world_load(&w_big, big);
        world_load(&w_big_control, big_control);
        return 0;
}

static int teardown(void **state)
{
        (void)state;
        world_free(&w_treat);
        world_free(&w_again);
        world_free(&w_other);
        world_free(&w_control);
        world_free(&w_big);
        world_free(&w_big_control);
        gdb_free(big);
        gdb_free(big_control);
        gdb_free(treat);
        gdb_free(treat_again);
        gdb_free(other_seed);
        gdb_free(control);
        return 0;
}

/* ---- tests ---- */

static void test_log_and_exp_match_the_c_library(void **state)
{
        static const double xs[] = {1e-300, 1e-9,      0.001, 0.3, 0.5,
                                    0.7071, 1,         1.5,   2,   2.718281828459045,
                                    10,     12345.678, 1e300};

        (void)state;
        for (size_t i = 0; i < sizeof(xs) / sizeof(xs[0]); i++) {
                double l = log(xs[i]);
                assert_true(fabs(gen_log(xs[i]) - l) <= 1e-15 * fmax(1, fabs(l)));
        }
        for (double x = -700; x <= 700; x += 13.7) {
                double e = exp(x);
                assert_true(fabs(gen_exp(x) - e) <= 1e-15 * e);
        }
        assert_true(gen_exp(0) == 1);
        assert_true(gen_log(1) == 0);
}

static void test_same_seed_gives_identical_data(void **state)
{
        (void)state;
        assert_true(treat->sum.interactions > 100000);
        assert_int_equal(treat->sum.accounts, treat_again->sum.accounts);
        assert_int_equal(treat->sum.people, treat_again->sum.people);
        assert_int_equal(treat->sum.subscriptions, treat_again->sum.subscriptions);
        assert_int_equal(treat->sum.interactions, treat_again->sum.interactions);
        assert_int_equal(treat->sum.feedback, treat_again->sum.feedback);
        assert_int_equal(w_treat.n, w_again.n);
        assert_true(w_treat.checksum == w_again.checksum);
        assert_true(w_treat.fb_checksum == w_again.fb_checksum);
        /* the manifest too, apart from nothing: it holds no timings */
        assert_int_equal(treat->manifest.len, treat_again->manifest.len);
        assert_memory_equal(treat->manifest.data, treat_again->manifest.data, treat->manifest.len);
}

static void test_different_seeds_give_different_data(void **state)
{
        (void)state;
        assert_true(w_treat.checksum != w_other.checksum);
        assert_true(w_treat.fb_checksum != w_other.fb_checksum);
        assert_true(treat->sum.interactions != other_seed->sum.interactions ||
                    treat->sum.people != other_seed->sum.people);
}

static void test_counts_follow_the_scale(void **state)
{
        struct store_counts c;
        struct cxg_error e;

        (void)state;
        assert_int_equal(store_counts(treat->s, &c, &e), CXG_OK);
        assert_int_equal(c.accounts, 100); /* 2,000 x 0.05 */
        assert_int_equal(c.accounts, treat->sum.accounts);
        assert_int_equal(c.people, treat->sum.people);
        assert_int_equal(c.interactions, treat->sum.interactions);
        assert_int_equal(c.feedback, treat->sum.feedback);
        assert_int_equal(c.subscriptions, treat->sum.subscriptions);
        assert_int_equal(c.objectives, treat->sum.objectives);
        assert_int_equal(c.capabilities, 15);
        assert_int_equal(c.interaction_types, 29);
        /* ~750 people, ~250,000 interactions, ~1,000 survey answers at this scale */
        assert_in_range(c.people, 450, 1100);
        assert_in_range(c.interactions, 200000, 300000);
        assert_in_range(c.feedback, 600, 1500);
}

static void test_manifest_names_the_scenarios_and_counts(void **state)
{
        static const char *const names[] = {"erosion_behind_growth", "experience_degradation",
                                            "garden_effect", "fit", "rising_expectation"};
        json_error_t je;
        json_t *m = json_loadb(treat->manifest.data, treat->manifest.len, 0, &je), *sc;

        (void)state;
        if (!m)
                fail_msg("manifest is not JSON: %s at line %d", je.text, je.line);
        assert_int_equal(json_integer_value(json_object_get(m, "seed")), 7);
        assert_string_equal(json_string_value(json_object_get(m, "end")), "2026-11-01");
        assert_string_equal(json_string_value(json_object_get(m, "start")), "2024-11-01");
        assert_int_equal(
            json_integer_value(json_object_get(json_object_get(m, "counts"), "interactions")),
            treat->sum.interactions);
        sc = json_object_get(m, "scenarios");
        assert_int_equal(json_array_size(sc), 5);
        for (size_t i = 0; i < 5; i++) {
                json_t *s = json_array_get(sc, i);
                assert_string_equal(json_string_value(json_object_get(s, "name")), names[i]);
                assert_true(json_is_true(json_object_get(s, "planted")));
        }
        /* the ids it names exist in the data */
        assert_true(json_array_size(json_object_get(json_array_get(sc, 0), "eroding_accounts")) >
                    0);
        assert_int_equal(json_integer_value(json_object_get(
                             json_array_get(sc, 3), "objectives_missing_capabilities_count")),
                         w_treat.objective_gaps);
        json_decref(m);

        m = json_loadb(control->manifest.data, control->manifest.len, 0, &je);
        assert_non_null(m);
        assert_true(json_is_true(json_object_get(m, "control")));
        sc = json_object_get(m, "scenarios");
        for (size_t i = 0; i < 5; i++)
                assert_true(json_is_false(json_object_get(json_array_get(sc, i), "planted")));
        json_decref(m);
}

static void test_like_p95_rises_from_month_20(void **state)
{
        int64_t b, a;

        (void)state;
        b = quantile(w_treat.like_before, w_treat.nlb, 0.95);
        a = quantile(w_treat.like_after, w_treat.nla, 0.95);
        assert_in_range(b, 300, 550);    /* ~400 ms */
        assert_in_range(a, 7000, 14000); /* ~10 s */
        b = quantile(w_control.like_before, w_control.nlb, 0.95);
        a = quantile(w_control.like_after, w_control.nla, 0.95);
        assert_in_range(b, 300, 550);
        assert_in_range(a, 300, 550);
}

static void test_executive_activity_falls_40_percent(void **state)
{
        double rt = (double)w_treat.exec_b / (double)w_treat.exec_a;
        double rc = (double)w_control.exec_b / (double)w_control.exec_a;

        (void)state;
        assert_true(w_treat.exec_a > 2000);
        assert_true(rt > 0.5 && rt < 0.7); /* -40% */
        assert_true(rc > 0.85);            /* no fall without the planted effect */
}

/* Measured on the 2,000-account company: MRR depends on the structure only. */
static void test_mrr_grows_25_percent_with_the_recruiter_plan(void **state)
{
        double mb = mrr_usd(&w_big, T_B), me = mrr_usd(&w_big, T_END - 1);
        double cb = mrr_usd(&w_big_control, T_B), ce = mrr_usd(&w_big_control, T_END - 1);
        double rec = 0;

        (void)state;
        assert_true(me / mb - 1 >= 0.25);
        assert_true(ce / cb - 1 < 0.15);
        /* the six months before grew far less: the growth comes with the launch */
        assert_true(mb / mrr_usd(&w_big, T_A) - 1 < 0.15);
        /* driven by the Recruiter plan, which starts at the launch */
        for (size_t i = 0; i < w_big.nsubs; i++) {
                const struct sub_row *r = &w_big.subs[i];
                if (strcmp(r->plan, "Recruiter") == 0) {
                        assert_true(r->start >= T_B);
                        if (r->end == CXG_TS_NONE)
                                rec += r->mrr;
                }
        }
        assert_true(rec > 0.5 * (me - mb)); /* most of the new MRR is Recruiter's */
        for (size_t i = 0; i < w_big_control.nsubs; i++)
                assert_string_not_equal(w_big_control.subs[i].plan, "Recruiter");
}

static void test_support_gets_faster_while_csat_stays_flat(void **state)
{
        int64_t f = quantile(w_treat.sup_first, w_treat.nsf, 0.5);
        int64_t l = quantile(w_treat.sup_last, w_treat.nsl, 0.5);
        int64_t cf = quantile(w_control.sup_first, w_control.nsf, 0.5);
        int64_t cl = quantile(w_control.sup_last, w_control.nsl, 0.5);
        double c0 = w_treat.csat_first / (double)w_treat.ncsat_first;
        double c1 = w_treat.csat_last / (double)w_treat.ncsat_last;

        (void)state;
        assert_true((double)f / (double)l > 2.0); /* 4x faster over the window, ~2.6x here */
        assert_true((double)cf / (double)cl < 1.4 && (double)cf / (double)cl > 0.7);
        assert_true(w_treat.ncsat_first > 20 && w_treat.ncsat_last > 20);
        assert_true(fabs(c1 - c0) < 0.4);
}

static void test_premium_uses_40_percent_of_its_capabilities(void **state)
{
        double t = premium_use(&w_treat), c = premium_use(&w_control);

        (void)state;
        assert_true(t > 0.25 && t < 0.55);
        assert_true(c > 0.6);
        assert_true(w_treat.objective_gaps > 0);
        assert_int_equal(w_control.objective_gaps, 0);
        assert_true(w_treat.objectives >= 100);
}

static void test_comments_separate_detractors_from_promoters(void **state)
{
        (void)state;
        assert_true(w_treat.det_n > 20 && w_treat.pro_n > 20);
        assert_true(w_treat.det_theme * 10 >= w_treat.det_n * 6); /* >= 60% */
        assert_true(w_treat.pro_theme * 10 >= w_treat.pro_n * 6);
        assert_true(w_treat.det_promo_words * 10 <= w_treat.det_n);
        assert_true(w_treat.pro_det_words * 10 <= w_treat.pro_n);
}

static void test_titles_map_to_their_seniority(void **state)
{
        struct world *w = &w_treat;
        int64_t execs = 0, accounts_with_exec = 0;

        (void)state;
        for (size_t i = 0; i < w->npeople; i++)
                execs += w->people[i].sen == CXG_SEN_EXECUTIVE;
        for (size_t a = 0; a < w->nacc; a++) {
                int has = 0;
                for (size_t i = 0; i < w->npeople; i++)
                        has |= w->people[i].account == (int64_t)a + 1 &&
                               w->people[i].sen == CXG_SEN_EXECUTIVE;
                accounts_with_exec += has;
        }
        /* executives are few per account: every account has one, they are ~10-20% of people */
        assert_int_equal(accounts_with_exec, (int64_t)w->nacc);
        assert_true(execs * 100 >= (int64_t)w->npeople * 8 &&
                    execs * 100 <= (int64_t)w->npeople * 25);
}

struct role_check {
        int mismatches, n;
};

static enum cxg_err check_role(void *ctx, int64_t id, int64_t account_id, const struct person *p)
{
        struct role_check *r = ctx;

        (void)id;
        (void)account_id;
        r->n++;
        r->mismatches += (int)model_seniority_from_title(p->role, strlen(p->role)) != p->seniority;
        return CXG_OK;
}

static void test_person_roles_agree_with_the_title_mapping(void **state)
{
        struct role_check r = {0, 0};
        struct cxg_error e;

        (void)state;
        assert_int_equal(store_scan_people(treat->s, 0, check_role, &r, &e), CXG_OK);
        assert_true(r.n > 0);
        assert_int_equal(r.mismatches, 0);
}

static void test_refuses_a_database_that_has_accounts(void **state)
{
        struct gen_options o;
        struct cxg_error e;
        struct store_counts before, after;

        (void)state;
        gen_options_init(&o);
        o.scale = 0.01;
        assert_int_equal(store_counts(treat->s, &before, &e), CXG_OK);
        assert_int_equal(gen_run(treat->s, &o, NULL, NULL, &e), CXG_ERR_CONFLICT);
        assert_non_null(strstr(e.msg, "already holds 100 accounts"));
        assert_int_equal(store_counts(treat->s, &after, &e), CXG_OK);
        assert_int_equal(before.interactions, after.interactions);
}

static void test_rejects_options_out_of_range(void **state)
{
        struct gen_options o;
        struct cxg_error e;

        (void)state;
        gen_options_init(&o);
        o.scale = 0;
        assert_int_equal(gen_run(control->s, &o, NULL, NULL, &e), CXG_ERR_USAGE);
        assert_string_equal(e.field, "scale");
        gen_options_init(&o);
        o.months = 6;
        assert_int_equal(gen_run(control->s, &o, NULL, NULL, &e), CXG_ERR_USAGE);
        gen_options_init(&o);
        o.end = GEN_DEFAULT_END + 86400;
        assert_int_equal(gen_run(control->s, &o, NULL, NULL, &e), CXG_ERR_USAGE);
        assert_true(gen_month_floor(GEN_DEFAULT_END + 20 * 86400) == GEN_DEFAULT_END);
}

/*
 * Garden members retain 10 points better over 180 days. Measured at full structure (2,000
 * accounts, few interactions): the same members in the planted and the control company,
 * whose churn draws are shared, so the difference is the effect alone.
 */
static void test_garden_members_retain_10_points_better(void **state)
{
        const struct world *wtp = &w_big, *wcp = &w_big_control;
        int64_t members = 0, kept_t = 0, kept_c = 0;
        double share;

        (void)state;
        assert_int_equal(wtp->nacc, wcp->nacc);
        for (size_t a = 0; a < wtp->nacc; a++) {
                int64_t j = wtp->acc[a].joined;

                if (j == CXG_TS_NONE) {
                        assert_int_equal(wcp->acc[a].joined, CXG_TS_NONE);
                        continue;
                }
                assert_true(wcp->acc[a].joined == j); /* the same membership in both */
                assert_string_equal(wtp->acc[a].garden, wcp->acc[a].garden);
                assert_true(j + 180 * DAY <= T_END);
                members++;
                kept_t += wtp->acc[a].churned == CXG_TS_NONE || wtp->acc[a].churned > j + 180 * DAY;
                kept_c += wcp->acc[a].churned == CXG_TS_NONE || wcp->acc[a].churned > j + 180 * DAY;
        }
        share = (double)members / (double)wtp->nacc;
        assert_true(share > 0.06 && share < 0.14); /* ~10% of accounts */
        {
                double up = (double)(kept_t - kept_c) / (double)members;
                assert_true(up > 0.05 && up < 0.16); /* +10 points */
        }
}

#define OOM_STEP_SQLITE 3 /* SQLite: every third allocation */
#define OOM_POINTS_PG 16  /* PostgreSQL: this many points over the run (a database each) */

/* a small run on a fresh database, its k-th allocation failing (0: none); its count in *n */
static enum cxg_err oom_run(char *path, struct store **s, unsigned long k, struct cxg_buf *m,
                            unsigned long *n, struct cxg_error *e)
{
        struct gen_options o;
        enum cxg_err rc;

        assert_int_equal(testdb_path(path, TESTDB_PATH_MAX, "gen_oom"), 0);
        unlink(path);
        assert_int_equal(store_open(path, 0, s, e), CXG_OK);
        gen_options_init(&o);
        o.scale = 0.005;
        o.activity = 0.02;
        cxg_buf_init(m, 0);
        cxg_alloc_fail_at(k ? k : ULONG_MAX); /* ULONG_MAX: never, but counted */
        rc = gen_run(*s, &o, NULL, m, e);
        *n = cxg_alloc_count();
        cxg_alloc_fail_at(0);
        return rc;
}

/* Every allocation failure ends the run with CXG_ERR_NOMEM and nothing leaked or half-done.
 * The PostgreSQL driver allocates more per statement than SQLite's: the failure points are
 * spread over the whole run, which a first run without failures counts. */
static void test_out_of_memory_fails_cleanly(void **state)
{
        char path[TESTDB_PATH_MAX];
        struct store *s = NULL;
        struct cxg_error e;
        struct cxg_buf m;
        unsigned long total, step, n;
        int ok = 0;

        (void)state;
        assert_int_equal(oom_run(path, &s, 0, &m, &total, &e), CXG_OK);
        cxg_buf_release(&m);
        store_close(s);
        gdb_remove(path);
        step = testdb_is_pg() ? total / OOM_POINTS_PG + 1 : OOM_STEP_SQLITE;
        for (unsigned long k = 1; k <= total + step && !ok; k += step) {
                enum cxg_err rc = oom_run(path, &s, k, &m, &n, &e);

                if (rc == CXG_OK) {
                        ok = 1;
                } else {
                        struct store_counts c;
                        char v[8];

                        assert_int_equal(rc, CXG_ERR_NOMEM);
                        assert_non_null(strstr(e.msg, "memory"));
                        /* the structure is all or nothing; a later failure is marked */
                        assert_int_equal(store_counts(s, &c, NULL), CXG_OK);
                        if (c.accounts) {
                                struct cxg_error e2;
                                assert_int_equal(
                                    store_meta_get(s, "generator.complete", v, sizeof(v), &e2),
                                    CXG_OK);
                                if (strcmp(v, "1") == 0) /* only the manifest failed */
                                        assert_non_null(strstr(e.msg, "manifest"));
                                else
                                        assert_string_equal(v, "0");
                        }
                }
                cxg_buf_release(&m);
                store_close(s);
                gdb_remove(path);
        }
        assert_true(ok); /* enough allocations were allowed in the end */
}

int main(void)
{
        const struct CMUnitTest tests[] = {
            cmocka_unit_test(test_log_and_exp_match_the_c_library),
            cmocka_unit_test(test_same_seed_gives_identical_data),
            cmocka_unit_test(test_different_seeds_give_different_data),
            cmocka_unit_test(test_counts_follow_the_scale),
            cmocka_unit_test(test_manifest_names_the_scenarios_and_counts),
            cmocka_unit_test(test_like_p95_rises_from_month_20),
            cmocka_unit_test(test_executive_activity_falls_40_percent),
            cmocka_unit_test(test_mrr_grows_25_percent_with_the_recruiter_plan),
            cmocka_unit_test(test_support_gets_faster_while_csat_stays_flat),
            cmocka_unit_test(test_premium_uses_40_percent_of_its_capabilities),
            cmocka_unit_test(test_comments_separate_detractors_from_promoters),
            cmocka_unit_test(test_titles_map_to_their_seniority),
            cmocka_unit_test(test_person_roles_agree_with_the_title_mapping),
            cmocka_unit_test(test_refuses_a_database_that_has_accounts),
            cmocka_unit_test(test_rejects_options_out_of_range),
            cmocka_unit_test(test_garden_members_retain_10_points_better),
            cmocka_unit_test(test_out_of_memory_fails_cleanly),
        };

        return cmocka_run_group_tests(tests, setup, teardown);
}
