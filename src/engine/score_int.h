/*
 * score_int.h: what the two halves of the score computation share: the read-only context of
 * one eng_compute run (score_compute.c builds it) and the per-account pass over it (score.c).
 */
#ifndef CXG_ENGINE_SCORE_INT_H
#define CXG_ENGINE_SCORE_INT_H

#include <stddef.h>
#include <stdint.h>

#include "engine/score.h"

struct ctx {
        const struct eng_snapshot *s;
        const struct eng_params *p;
        const struct eng_compute_opts *o;
        struct eng_scores *r;
        int64_t at;
        int32_t at_rel;
        float *tw;       /* weight per type index */
        uint8_t *dkind;  /* eng_duration_kind per (type, channel) */
        float *wt;       /* type weight * channel weight, [type * 16 + channel] */
        float *t_expect; /* expected web/app duration per type (s), EWMA of its months */
        int64_t *mstart; /* start of snapshot month k, k <= n_months */
        float cw[CXG_CH__COUNT];
        float *decay; /* per hour of age */
        size_t n_decay;
        float k_trend; /* 2^(trend_days / half_life) */
        int32_t window_s, trend_s, span_s;
        uint32_t *seg;       /* expectation segment per account */
        uint8_t *card;       /* scorecard per account */
        size_t month_at;     /* month slot of `at` (may be n_months when after the data) */
        const uint8_t *mine; /* per account: 1 when scored in this run (opts->own); NULL: all */
        int have_caps;
};

struct worker {
        struct ctx *c;
        uint32_t a0, a1;
        enum cxg_err rc;
};

/* Per-thread, per-account latency sums by interaction type (reset after each account). */
struct tscratch {
        float *sum;
        uint32_t *n;
        uint16_t *touched;
        uint32_t n_touched;
};

/* Score account a into c->r (every component, health, robustness, reasons); ts is the calling
 * thread's scratch, left reset. */
void score_account(struct ctx *c, uint32_t a, struct tscratch *ts);

/* Lifecycle stage of account a at c->at (churned, onboarding, active: enum eng_stage). */
int score_stage_of(const struct ctx *c, uint32_t a);

#endif
