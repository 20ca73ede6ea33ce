/*
 * test_eng_generated.c: on demo data with a planted ground truth (cxgarden generate, scale
 * 0.05), the scores recover it: accounts whose executives went silent lose robustness and
 * rank below those whose executives stayed; the `like` slowdown shows as a latency gap to the
 * expectation; support getting faster raises the expectation.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <jansson.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "engine/score.h"
#include "engine/snapshot.h"
#include "store/store.h"
#include "testdb.h"

static char dir[64], db[TESTDB_PATH_MAX], manifest[TESTDB_PATH_MAX + 16];
static struct eng_snapshot snap;
static json_t *truth;

static int setup(void **st)
{
        const char *bin = getenv("CXG_BINARY");
        char cmd[2 * TESTDB_PATH_MAX + 1024];
        struct store *s = NULL;
        struct cxg_error e;

        (void)st;
        if (!bin)
                return -1;
        snprintf(dir, sizeof(dir), "/tmp/cxg-eng-gen-XXXXXX");
        if (!mkdtemp(dir))
                return -1;
        if (testdb_is_pg() ? testdb_path(db, sizeof(db), "eng_gen") : 0)
                return -1;
        if (!testdb_is_pg())
                snprintf(db, sizeof(db), "%s/g.db", dir);
        /* the ground truth goes to --manifest (a PostgreSQL address has no file beside it) */
        snprintf(manifest, sizeof(manifest), "%s/g.manifest.json", dir);
        snprintf(cmd, sizeof(cmd),
                 "'%s' --db '%s' generate --seed 7 --scale 0.05 --manifest '%s' >/dev/null 2>&1",
                 bin, db, manifest);
        if (system(cmd) != 0)
                return -1;
        truth = json_load_file(manifest, 0, NULL);
        if (!truth)
                return -1;
        if (store_open(db, STORE_READONLY, &s, &e))
                return -1;
        eng_snapshot_init(&snap, NULL);
        if (eng_snapshot_load(&snap, s, &e)) {
                store_close(s);
                return -1;
        }
        store_close(s);
        return 0;
}

static int teardown(void **st)
{
        char cmd[160];

        (void)st;
        eng_snapshot_release(&snap);
        json_decref(truth);
        snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
        return system(cmd) == 0 ? 0 : -1;
}

static json_t *scenario(const char *name)
{
        json_t *sc = json_object_get(truth, "scenarios"), *x;
        size_t i;

        json_array_foreach(sc, i, x) if (strcmp(json_string_value(json_object_get(x, "name")),
                                                name) == 0) return x;
        fail_msg("scenario %s missing from the manifest", name);
        return NULL;
}

static int64_t date(const char *s)
{
        int64_t t;

        assert_int_equal(cxg_parse_time(s, strlen(s), &t, NULL), CXG_OK);
        return t;
}

static void compute(int64_t at, struct eng_scores *r)
{
        struct eng_compute_opts o = {.at = at, .threads = 2};
        struct cxg_error e;

        eng_scores_init(r);
        assert_int_equal(eng_compute(&snap, NULL, &o, r, &e), CXG_OK);
}

static void test_silent_executives_lower_robustness(void **st)
{
        json_t *sc = scenario("erosion_behind_growth");
        json_t *eroding = json_object_get(sc, "eroding_accounts"), *x;
        int64_t launch = date(json_string_value(json_object_get(sc, "recruiter_launch")));
        int64_t end =
            date(json_string_value(json_array_get(json_object_get(sc, "window_after"), 1))) - 1;
        struct eng_scores before, after;
        uint8_t *is_eroding = calloc(snap.n_accounts, 1);
        double d_er = 0, d_ot = 0, h_er = 0, h_ot = 0, rank_er = 0;
        int n_er = 0, n_ot = 0, nh_er = 0, nh_ot = 0;
        size_t i, n_ranked = 0;
        double *delta = calloc(snap.n_accounts, sizeof(double));

        (void)st;
        assert_non_null(is_eroding);
        assert_non_null(delta);
        json_array_foreach(eroding, i, x)
        {
                uint32_t a = eng_account_find(&snap, json_string_value(x));

                assert_int_not_equal(a, ENG_NONE);
                is_eroding[a] = 1;
        }
        compute(launch - 1, &before);
        compute(end, &after);
        for (uint32_t a = 0; a < snap.n_accounts; a++) {
                float h = after.acc[a].comp[ENG_C_HOLD];

                delta[a] = NAN;
                if (!isnan(before.acc[a].robustness) && !isnan(after.acc[a].robustness)) {
                        delta[a] = after.acc[a].robustness - before.acc[a].robustness;
                        if (is_eroding[a]) {
                                d_er += delta[a];
                                n_er++;
                        } else {
                                d_ot += delta[a];
                                n_ot++;
                        }
                }
                if (!isnan(h)) {
                        if (is_eroding[a]) {
                                h_er += h;
                                nh_er++;
                        } else {
                                h_ot += h;
                                nh_ot++;
                        }
                }
        }
        assert_true(n_er >= 10 && n_ot >= 10 && nh_er >= 10 && nh_ot >= 5);
        d_er /= n_er;
        d_ot /= n_ot;
        h_er /= nh_er;
        h_ot /= nh_ot;
        printf("robustness change: eroding %.1f, others %.1f; senior hold: %.1f vs %.1f\n", d_er,
               d_ot, h_er, h_ot);
        /* executives going quiet costs robustness; where they stayed it holds */
        assert_true(d_er < d_ot - 5);
        assert_true(h_er < h_ot - 15);
        /* ranks of the robustness change: eroding accounts sit in the lower half on average */
        for (uint32_t a = 0; a < snap.n_accounts; a++) {
                size_t below = 0;

                if (isnan(delta[a]) || !is_eroding[a])
                        continue;
                for (uint32_t b = 0; b < snap.n_accounts; b++)
                        below += !isnan(delta[b]) && delta[b] < delta[a];
                rank_er += (double)below / (double)(n_er + n_ot);
                n_ranked++;
        }
        assert_true(rank_er / (double)n_ranked < 0.4);
        eng_scores_release(&before);
        eng_scores_release(&after);
        free(is_eroding);
        free(delta);
}

/* mean over accounts of the latency gap (account / expectation) */
static double latency_gap(const struct eng_scores *r)
{
        double s = 0;
        int n = 0;

        for (uint32_t a = 0; a < snap.n_accounts; a++) {
                double v = r->acc[a].exp_value[ENG_M_LATENCY],
                       b = r->acc[a].exp_base[ENG_M_LATENCY];

                if (!isnan(v) && !isnan(b) && b > 0) {
                        s += v / b;
                        n++;
                }
        }
        assert_true(n > 10);
        return s / n;
}

/* accounts whose reasons name `like` as slower than its usual response time */
static int like_slow(const struct eng_scores *r)
{
        int n = 0;

        for (uint32_t a = 0; a < snap.n_accounts; a++)
                for (int k = 0; k < r->acc[a].n_reasons; k++) {
                        const struct eng_reason *y = &r->acc[a].reasons[k];

                        if (y->code == ENG_R_TYPE_SLOW && y->ref < snap.types.n &&
                            strcmp(snap.types.names[y->ref], "like") == 0)
                                n++;
                }
        return n;
}

static void test_like_slowdown_shows_as_latency_gap(void **st)
{
        json_t *sc = scenario("experience_degradation");
        int64_t from = date(json_string_value(json_object_get(sc, "from")));
        struct eng_scores pre, post;
        double g0, g1;
        int n0, n1;

        (void)st;
        compute(from - 1, &pre);
        compute(from + 20 * 86400, &post);
        g0 = latency_gap(&pre);
        g1 = latency_gap(&post);
        n0 = like_slow(&pre);
        n1 = like_slow(&post);
        printf("latency against expectation: before %.2f, after %.2f; accounts told `like` is "
               "slow: %d then %d\n",
               g0, g1, n0, n1);
        assert_true(g0 < 1.1);
        assert_true(g1 > g0 + 0.3);
        assert_true(n0 <= 2);
        assert_true(n1 >= 20);
        eng_scores_release(&pre);
        eng_scores_release(&post);
}

static void test_faster_support_raises_the_expectation(void **st)
{
        json_t *sc = scenario("erosion_behind_growth");
        int64_t end =
            date(json_string_value(json_array_get(json_object_get(sc, "window_after"), 1))) - 1;
        struct eng_scores early, late;
        double b0 = 0, b1 = 0;
        uint32_t n = 0;

        (void)st;
        compute(end - 300 * 86400, &early);
        compute(end, &late);
        for (uint32_t g = 0; g < late.n_segments; g++) {
                float x = early.seg_base[g * ENG_M__COUNT + ENG_M_SUPPORT];
                float y = late.seg_base[g * ENG_M__COUNT + ENG_M_SUPPORT];

                if (!isnan(x) && !isnan(y)) {
                        b0 += x;
                        b1 += y;
                        n++;
                }
        }
        assert_true(n >= 2);
        printf("support expectation: %.0f s then %.0f s\n", b0 / n, b1 / n);
        /* the generator makes support 4x faster over two years: the baseline follows */
        assert_true(b1 < 0.75 * b0);
        eng_scores_release(&early);
        eng_scores_release(&late);
}

int main(void)
{
        const struct CMUnitTest tests[] = {
            cmocka_unit_test(test_silent_executives_lower_robustness),
            cmocka_unit_test(test_like_slowdown_shows_as_latency_gap),
            cmocka_unit_test(test_faster_support_raises_the_expectation),
        };

        return cmocka_run_group_tests(tests, setup, teardown);
}
