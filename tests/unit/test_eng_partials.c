/*
 * test_eng_partials.c: phase 1 of the two-phase compute (engine/cluster.h). A snapshot split
 * by account shard into four, each shard's baseline partials encoded, decoded and merged in
 * a shuffled order, scores every owned account exactly as the single snapshot does; a
 * segment's expectation matches a hand computation; bad blobs are rejected with a reason.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/alloc.h"
#include "core/buf.h"
#include "engine/cluster.h"
#include "engine/score.h"
#include "engine/snapshot.h"
#include "model/shard.h"

#define DAYS 86400
/* 2026-06-30T00:00:00Z */
#define AT INT64_C(1782777600)
/* 2026-03-01, 2026-04-01, 2026-05-01 */
#define MAR INT64_C(1772323200)
#define APR INT64_C(1775001600)
#define MAY INT64_C(1777593600)
#define N_ACC 40
#define N_SHARDS 4
#define TOL 1e-6

static const char *plans[] = {"Basic", "Pro", "Enterprise"};
static const char *roles[] = {"CEO", "Engineer", "Analyst"};
static const char *types[] = {"login", "report_export", "support_ticket", "dashboard"};

/* ---- building snapshots: every account, person, type and answer; rows of some shards ---- */

static void acc(struct eng_snapshot *s, int64_t id, const char *ext, const char *plan)
{
        struct account a;

        model_account_init(&a);
        a.id = ext;
        a.plan = plan;
        a.mrr = 100;
        a.created_at = AT - 400 * DAYS;
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

static uint64_t rng;

static uint32_t rnd(uint32_t n)
{
        rng = rng * UINT64_C(6364136223846793005) + UINT64_C(1442695040888963407);
        return (uint32_t)(rng >> 33) % n;
}

static char ext_of[N_ACC + 1][16];

/*
 * The data set into s (initialised), keeping only the interactions of accounts of shard
 * `shard` of N_SHARDS (UINT32_MAX: all). The same seed gives the same rows in every copy.
 * Account N_ACC, "solo", on plan "Solo", has one support row in each of March, April, May
 * (10 s, 20 s, 30 s) and one in June (36.2 s): the hand-computed expectation.
 */
static void build(struct eng_snapshot *s, uint32_t shard)
{
        struct cxg_error e;
        int64_t id = 1;

        eng_snapshot_init(s, NULL);
        for (int t = 0; t < 4; t++)
                assert_int_equal(eng_snapshot_add_type(s, t + 1, types[t]), CXG_OK);
        for (int a = 0; a <= N_ACC; a++) {
                snprintf(ext_of[a], sizeof(ext_of[a]), a == N_ACC ? "solo" : "acct-%02d", a);
                acc(s, a + 1, ext_of[a], a == N_ACC ? "Solo" : plans[a % 3]);
                for (int p = 0; p < 3; p++) {
                        char pe[32];

                        snprintf(pe, sizeof(pe), "%s-p%d", ext_of[a], p);
                        person(s, (a + 1) * 10 + p, a + 1, pe, roles[p]);
                }
        }
        rng = 42;
        for (int a = 0; a < N_ACC; a++) {
                int n = 20 + (int)rnd(60);
                int keep = shard == UINT32_MAX || cxg_shard_of(ext_of[a], N_SHARDS) == shard;

                for (int k = 0; k < n; k++) {
                        static const int ch[] = {CXG_CH_WEB, CXG_CH_APP, CXG_CH_SUPPORT,
                                                 CXG_CH_MEETING, CXG_CH_EMAIL};
                        struct store_interaction r = {0};

                        r.id = id++;
                        r.person_id = (a + 1) * 10 + rnd(3);
                        r.account_id = a + 1;
                        r.ts = AT - (int64_t)rnd(240) * DAYS - rnd(DAYS);
                        r.channel = (uint8_t)ch[rnd(5)];
                        r.duration_ms = rnd(4) ? 50 + (int64_t)rnd(20000) : -1;
                        r.outcome = rnd(8) ? CXG_OUT_OK : CXG_OUT_FAILED;
                        r.value = NAN;
                        r.type_id = 1 + rnd(4);
                        if (keep)
                                assert_int_equal(eng_snapshot_add_interaction(s, &r), CXG_OK);
                }
                for (int k = 0; k < 6; k++)
                        fb(s, (a + 1) * 10 + rnd(3), a + 1, AT - (int64_t)rnd(300) * DAYS,
                           rnd(2) ? CXG_FB_CSAT : CXG_FB_NPS, rnd(2) ? 1 + rnd(5) : rnd(11));
        }
        if (shard == UINT32_MAX || cxg_shard_of("solo", N_SHARDS) == shard) {
                static const int64_t when[] = {MAR + 5 * DAYS, APR + 5 * DAYS, MAY + 5 * DAYS,
                                               AT - 10 * DAYS};
                static const int64_t dur[] = {10000, 20000, 30000, 36200};

                for (int k = 0; k < 4; k++) {
                        struct store_interaction r = {0};

                        r.id = id++;
                        r.person_id = (N_ACC + 1) * 10 + 1;
                        r.account_id = N_ACC + 1;
                        r.ts = when[k];
                        r.channel = CXG_CH_SUPPORT;
                        r.duration_ms = dur[k];
                        r.outcome = CXG_OUT_OK;
                        r.value = NAN;
                        r.type_id = 3;
                        assert_int_equal(eng_snapshot_add_interaction(s, &r), CXG_OK);
                }
        }
        assert_int_equal(eng_snapshot_finish(s, &e), CXG_OK);
}

static void compute(const struct eng_snapshot *s, const struct eng_partials *pt, int64_t at,
                    struct eng_scores *r)
{
        struct eng_compute_opts o = {.at = at, .threads = 2, .partials = pt};
        struct cxg_error e;

        eng_scores_init(r);
        assert_int_equal(eng_compute(s, NULL, &o, r, &e), CXG_OK);
}

static void near(double want, double got, const char *what, uint32_t a)
{
        if (isnan(want) && isnan(got))
                return;
        if (isnan(want) || isnan(got) || fabs(want - got) > TOL)
                fail_msg("%s of account %s: single node %.9g, sharded %.9g", what, ext_of[a], want,
                         got);
}

/* Every figure of account a in want and got agrees within TOL. */
static void same_account(const struct eng_scores *want, const struct eng_scores *got, uint32_t a)
{
        const struct eng_account_score *x = &want->acc[a], *y = &got->acc[a];

        near(x->health, y->health, "health", a);
        near(x->robustness, y->robustness, "robustness", a);
        near(x->engagement, y->engagement, "engagement", a);
        for (int c = 0; c < ENG_C__COUNT; c++)
                near(x->comp[c], y->comp[c], eng_comp_name(c), a);
        for (int m = 0; m < ENG_M__COUNT; m++) {
                near(x->exp_base[m], y->exp_base[m], "exp_base", a);
                near(x->exp_value[m], y->exp_value[m], "exp_value", a);
        }
        assert_int_equal(x->band, y->band);
}

/* The partials of shard k of s, through their binary form. */
static struct eng_partials *shard_partials(const struct eng_snapshot *s, uint32_t k)
{
        struct eng_partials *pt, *back;
        struct cxg_buf b;
        struct cxg_error e;

        cxg_buf_init(&b, 0);
        assert_int_equal(eng_partials_compute(s, NULL, k, N_SHARDS, &pt, &e), CXG_OK);
        assert_int_equal(eng_partials_encode(pt, &b, &e), CXG_OK);
        assert_int_equal(eng_partials_decode(b.data, b.len, &back, &e), CXG_OK);
        eng_partials_free(pt);
        cxg_buf_release(&b);
        return back;
}

static void encode(const struct eng_partials *pt, struct cxg_buf *b)
{
        struct cxg_error e;

        cxg_buf_init(b, 0);
        assert_int_equal(eng_partials_encode(pt, b, &e), CXG_OK);
}

/* ---- tests ---- */

static void test_sharded_scores_equal_single_node(void **st)
{
        static const uint32_t order[N_SHARDS] = {2, 0, 3, 1};
        struct eng_snapshot full, part[N_SHARDS];
        struct eng_partials *pt[N_SHARDS], *merged = eng_partials_new(),
                                           *inorder = eng_partials_new(), *all;
        struct eng_scores want, want_at, got;
        struct cxg_buf b1, b2;
        struct cxg_error e;
        uint32_t owned = 0;

        (void)st;
        build(&full, UINT32_MAX);
        compute(&full, NULL, CXG_TS_NONE, &want);
        compute(&full, NULL, AT - DAYS, &want_at);
        for (uint32_t k = 0; k < N_SHARDS; k++) {
                build(&part[k], k);
                pt[k] = shard_partials(&part[k], k);
                assert_true(eng_partials_rows(pt[k]) > 0);
        }
        for (uint32_t k = 0; k < N_SHARDS; k++) {
                assert_int_equal(eng_partials_merge(merged, pt[order[k]], &e), CXG_OK);
                assert_int_equal(eng_partials_merge(inorder, pt[k], &e), CXG_OK);
        }
        /* the merge is exact: any order, and the single node's own sums, are the same bytes */
        assert_int_equal(eng_partials_compute(&full, NULL, UINT32_MAX, 0, &all, &e), CXG_OK);
        encode(merged, &b1);
        encode(inorder, &b2);
        assert_int_equal(b1.len, b2.len);
        assert_memory_equal(b1.data, b2.data, b1.len);
        cxg_buf_release(&b2);
        encode(all, &b2);
        assert_int_equal(b1.len, b2.len);
        assert_memory_equal(b1.data, b2.data, b1.len);
        cxg_buf_release(&b1);
        cxg_buf_release(&b2);
        assert_int_equal(eng_partials_max_ts(merged), full.max_ts);
        assert_int_equal(eng_partials_min_ts(merged), full.min_ts);
        assert_int_equal(eng_partials_rows(merged), full.main.n + full.delta.n);
        for (uint32_t k = 0; k < N_SHARDS; k++) {
                /* "latest data" comes from the partials: a shard's own rows may end earlier */
                compute(&part[k], merged, CXG_TS_NONE, &got);
                assert_int_equal(got.at, want.at);
                assert_int_equal(got.n_segments, want.n_segments);
                for (size_t i = 0; i < (size_t)want.n_segments * ENG_M__COUNT; i++)
                        near(want.seg_base[i], got.seg_base[i], "seg_base (segment of)", 0);
                for (uint32_t a = 0; a < full.n_accounts; a++)
                        if (cxg_shard_of(ext_of[a], N_SHARDS) == k) {
                                same_account(&want, &got, a);
                                owned++;
                        }
                eng_scores_release(&got);
                compute(&part[k], merged, AT - DAYS, &got);
                for (uint32_t a = 0; a < full.n_accounts; a++)
                        if (cxg_shard_of(ext_of[a], N_SHARDS) == k)
                                same_account(&want_at, &got, a);
                eng_scores_release(&got);
        }
        assert_int_equal(owned, full.n_accounts);
        eng_partials_free(all);
        eng_partials_free(merged);
        eng_partials_free(inorder);
        for (uint32_t k = 0; k < N_SHARDS; k++) {
                eng_partials_free(pt[k]);
                eng_snapshot_release(&part[k]);
        }
        eng_scores_release(&want);
        eng_scores_release(&want_at);
        eng_snapshot_release(&full);
}

/* The "Solo" segment's support expectation as of June 29: EWMA(alpha 0.3) of the March, April
 * and May means 10, 20, 30 s: 10, then 0.3 * 20 + 0.7 * 10 = 13, then 0.3 * 30 + 0.7 * 13 =
 * 18.1 (June is not complete). Every shard sees it, though one holds the rows. */
static void test_segment_expectation_by_hand(void **st)
{
        struct eng_snapshot part[N_SHARDS];
        struct eng_partials *merged = eng_partials_new();
        struct eng_scores r;
        struct cxg_error e;
        uint32_t solo_shard = cxg_shard_of("solo", N_SHARDS);

        (void)st;
        for (uint32_t k = 0; k < N_SHARDS; k++) {
                struct eng_partials *pt;

                build(&part[k], k);
                pt = shard_partials(&part[k], k);
                assert_int_equal(eng_partials_merge(merged, pt, &e), CXG_OK);
                eng_partials_free(pt);
        }
        for (uint32_t k = 0; k < N_SHARDS; k++) {
                uint32_t solo = eng_account_find(&part[k], "solo");

                compute(&part[k], merged, AT - DAYS, &r);
                assert_float_equal(r.acc[solo].exp_base[ENG_M_SUPPORT], 18.1, 1e-4);
                if (k == solo_shard)
                        assert_float_equal(r.acc[solo].exp_value[ENG_M_SUPPORT], 36.2, 1e-4);
                eng_scores_release(&r);
                /* without the other shards' partials, a shard lacking the rows knows nothing */
                if (k != solo_shard) {
                        compute(&part[k], NULL, AT - DAYS, &r);
                        assert_true(isnan(r.acc[solo].exp_base[ENG_M_SUPPORT]));
                        eng_scores_release(&r);
                }
                eng_snapshot_release(&part[k]);
        }
        eng_partials_free(merged);
}

static void expect_rejected(const void *blob, size_t len, const char *says)
{
        struct eng_partials *pt = (struct eng_partials *)1;
        struct cxg_error e;

        assert_int_equal(eng_partials_decode(blob, len, &pt, &e), CXG_ERR_PARSE);
        assert_null(pt);
        if (!strstr(e.msg, says))
                fail_msg("decode error \"%s\" does not say \"%s\"", e.msg, says);
}

static void test_decode_rejects_bad_blobs(void **st)
{
        struct eng_snapshot s;
        struct eng_partials *pt, *other = eng_partials_new();
        struct eng_params p;
        struct cxg_buf b;
        struct cxg_error e;
        char *copy;

        (void)st;
        build(&s, UINT32_MAX);
        assert_int_equal(eng_partials_compute(&s, NULL, UINT32_MAX, 0, &pt, &e), CXG_OK);
        encode(pt, &b);
        assert_true(b.len > 100);
        copy = malloc(b.len);
        assert_non_null(copy);
        expect_rejected(b.data, b.len - 1, "checksum");
        expect_rejected(b.data, b.len / 2, "checksum");
        expect_rejected(b.data, 7, "shorter than a header");
        memcpy(copy, b.data, b.len);
        copy[b.len / 2] ^= 0x10;
        expect_rejected(copy, b.len, "checksum");
        memcpy(copy, b.data, b.len);
        copy[4] = 9;
        expect_rejected(copy, b.len, "format version 9");
        memcpy(copy, b.data, b.len);
        copy[0] = 'X';
        expect_rejected(copy, b.len, "magic");
        free(copy);
        /* partials of another expectation segment neither merge nor score */
        eng_params_init(&p);
        snprintf(p.expect_segment, sizeof(p.expect_segment), "%s", "owner");
        eng_partials_free(other);
        assert_int_equal(eng_partials_compute(&s, &p, UINT32_MAX, 0, &other, &e), CXG_OK);
        assert_int_equal(eng_partials_merge(other, pt, &e), CXG_ERR_INVALID);
        {
                struct eng_compute_opts o = {.at = AT, .partials = other};
                struct eng_scores r;

                eng_scores_init(&r);
                assert_int_equal(eng_compute(&s, NULL, &o, &r, &e), CXG_ERR_INVALID);
                eng_scores_release(&r);
        }
        eng_partials_free(other);
        assert_int_equal(eng_partials_compute(&s, NULL, 4, 4, &other, &e), CXG_ERR_INVALID);
        assert_null(other);
        cxg_buf_release(&b);
        eng_partials_free(pt);
        eng_snapshot_release(&s);
}

/* Running out of memory anywhere in compute, encode, decode or merge fails with NOMEM, leaking
 * nothing (ASan), and leaves the merge target as it was. */
static void test_out_of_memory_fails_cleanly(void **st)
{
        struct eng_snapshot s;
        int ok = 0;

        (void)st;
        build(&s, UINT32_MAX);
        for (unsigned long k = 1; k < 2000 && !ok; k++) {
                struct eng_partials *pt = NULL, *back = NULL, *into = eng_partials_new();
                struct cxg_buf b;
                struct cxg_error e;
                enum cxg_err rc;

                cxg_buf_init(&b, 0);
                cxg_alloc_fail_at(k);
                rc = eng_partials_compute(&s, NULL, 1, N_SHARDS, &pt, &e);
                if (!rc)
                        rc = eng_partials_encode(pt, &b, &e);
                if (!rc)
                        rc = eng_partials_decode(b.data, b.len, &back, &e);
                if (!rc && into)
                        rc = eng_partials_merge(into, back, &e);
                cxg_alloc_fail_at(0);
                if (rc)
                        assert_int_equal(rc, CXG_ERR_NOMEM);
                else if (into)
                        ok = eng_partials_rows(into) == eng_partials_rows(pt);
                eng_partials_free(pt);
                eng_partials_free(back);
                eng_partials_free(into);
                cxg_buf_release(&b);
        }
        assert_true(ok);
        eng_snapshot_release(&s);
}

int main(void)
{
        const struct CMUnitTest tests[] = {
            cmocka_unit_test(test_sharded_scores_equal_single_node),
            cmocka_unit_test(test_segment_expectation_by_hand),
            cmocka_unit_test(test_decode_rejects_bad_blobs),
            cmocka_unit_test(test_out_of_memory_fails_cleanly),
        };

        return cmocka_run_group_tests(tests, NULL, NULL);
}
