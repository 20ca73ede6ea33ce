/*
 * partials_exp.h: the experience detector's mergeable partials (docs/scoring.md, "Experience
 * degradation"): per interaction type (by name) and absolute week, interactions, failed ones,
 * ones with a duration, and a deterministic bottom-K sample of the durations: the K durations
 * whose hash of the row's identity (person external id, time, type name, duration) is smallest.
 * Merging adds the counts and keeps the K smallest hashes of the union, so shards merged give
 * the single node's sample exactly. Carried by struct eng_partials (partials.c).
 */
#ifndef CXG_ENG_PARTIALS_EXP_H
#define CXG_ENG_PARTIALS_EXP_H

#include <stddef.h>
#include <stdint.h>

#include "core/buf.h"
#include "core/err.h"
#include "engine/snapshot.h"

/* Durations kept per (type, week) for its quantiles. */
#define ENG_EXP_SAMPLE 2048
/* Weeks kept before the latest row's week (the detector judges 104 at most). */
#define ENG_EXP_WEEKS 106

struct eng_exp_part;

struct eng_exp_part *eng_exp_part_new(void);
void eng_exp_part_free(struct eng_exp_part *x);
/*
 * The experience partials of the rows of accounts with mask[a] set (mask NULL: every account)
 * in weeks from ENG_EXP_WEEKS before the week of `latest` (s->max_ts when CXG_TS_NONE) on.
 */
enum cxg_err eng_exp_part_compute(const struct eng_snapshot *s, const uint8_t *mask, int64_t latest,
                                  struct eng_exp_part **out) CXG_WUR;
/* Add add into into (counts summed, samples merged: bottom-K of the union). */
enum cxg_err eng_exp_part_merge(struct eng_exp_part *into, const struct eng_exp_part *add) CXG_WUR;
enum cxg_err eng_exp_part_encode(const struct eng_exp_part *x, struct cxg_buf *out) CXG_WUR;
/* Decode len bytes; NULL on success, else what is wrong (*out NULL). */
const char *eng_exp_part_decode(const unsigned char *p, size_t len, struct eng_exp_part **out);

/* One (type, week) cell: counts and the sample's durations (ms), kept values in hash order. */
struct eng_exp_cell {
        int64_t week; /* week start, unix seconds */
        uint32_t n, failed, n_dur, kept;
        uint64_t *hash;
        uint32_t *dur;
};

/* Cells of type name, ascending weeks (*n of them; NULL when none). */
const struct eng_exp_cell *eng_exp_part_type(const struct eng_exp_part *x, const char *name,
                                             size_t *n);

#endif
