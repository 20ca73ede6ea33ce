/*
 * gen.h: the demo-data generator. It invents a B2B subscription company (accounts, people,
 * subscriptions, interactions, survey answers, objectives, capabilities) over a window of
 * months, deterministically from a seed, and plants five scenarios with known ground truth
 * (see docs/generator.md). It writes only through store.h and streams interactions day by
 * day, so memory stays bounded whatever the scale.
 */
#ifndef CXG_GEN_H
#define CXG_GEN_H

#include <stddef.h>
#include <stdint.h>

#include "core/buf.h"
#include "core/err.h"
#include "store/store.h"

/* Default end of the generated window: 2026-11-01T00:00:00Z (exclusive). */
#define GEN_DEFAULT_END INT64_C(1793491200)

/* What to generate. Set up with gen_options_init(), then change fields. */
struct gen_options {
        uint64_t seed;
        double scale;    /* 1: ~2,000 accounts, 15,000 people, 5M interactions; (0, 1000] */
        double activity; /* multiplies interaction and survey volume only; (0, 100], default 1 */
        int months;      /* length of the window, 12..120, default 24 */
        int64_t end;     /* first instant after the window, a month start (unix seconds) */
        int control;     /* 1: the same company with no planted effects */
        size_t batch;    /* interactions per transaction, default 100,000 */
        /*
         * Called now and then with the phase ("structure", "calibrate", "interactions"), the
         * fraction done in [0, 1] and the interactions written so far. May be NULL.
         */
        void (*progress)(void *ctx, const char *phase, double done, int64_t interactions);
        void *progress_ctx;
};

/* What was generated. */
struct gen_summary {
        int64_t accounts, people, subscriptions, interactions, feedback, objectives, capabilities,
            interaction_types;
        double seconds;
};

/* Defaults: seed 1, scale 1, activity 1, 24 months ending GEN_DEFAULT_END, batch 100,000. */
void gen_options_init(struct gen_options *o);

/*
 * The first instant of the month containing t, which is how an --end date is read (a window
 * always ends at a month boundary).
 */
int64_t gen_month_floor(int64_t t);

/*
 * Generate into the open store s (which must hold no accounts: CXG_ERR_CONFLICT otherwise,
 * nothing written). Writes entities, then interactions and feedback in transactions of
 * o->batch rows. On success, *sum (may be NULL) receives the counts and, when manifest is
 * not NULL, the ground-truth manifest JSON (seed, scale, window, counts, and per scenario its
 * parameters, measured figures and the ids involved) is appended to it. On failure the
 * database may hold a partial company (meta "generator.complete" stays "0") and err says what
 * failed. Options out of range give CXG_ERR_USAGE.
 */
enum cxg_err gen_run(struct store *s, const struct gen_options *o, struct gen_summary *sum,
                     struct cxg_buf *manifest, struct cxg_error *err) CXG_WUR;

/*
 * Deterministic natural logarithm and exponential built from IEEE-754 basic operations only
 * (no libm), so the generator's output does not depend on the C library. gen_log(x) needs
 * x > 0. Exposed for tests.
 */
double gen_log(double x);
double gen_exp(double x);

#endif
