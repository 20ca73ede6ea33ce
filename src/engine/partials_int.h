/*
 * partials_int.h: what eng_compute (score_compute.c) reads from a set of baseline partial
 * sums (partials.c, declared in engine/cluster.h): the expectation segments of a snapshot by
 * name, and the EWMA baselines of a segment or an interaction type over a range of months.
 */
#ifndef CXG_ENG_PARTIALS_INT_H
#define CXG_ENG_PARTIALS_INT_H

#include <stdint.h>

#include "engine/score.h"
#include "engine/snapshot.h"

/* Expectation segment of account a under field (plan, currency, owner, all; else plan). */
uint32_t eng_segment_of(const struct eng_snapshot *s, const char *field, uint32_t a);
/* Number of expectation segments of s under field (at least 1). */
uint32_t eng_segment_count(const struct eng_snapshot *s, const char *field);
/* Name of segment g of s under field: the dictionary name, or "all". */
const char *eng_segment_name(const struct eng_snapshot *s, const char *field, uint32_t g);

struct eng_exp_part;
/* The experience detector's partials (partials_exp.h) of pt. */
const struct eng_exp_part *eng_partials_exp(const struct eng_partials *pt);

/* The expectation segment field the partials were computed for ("" when nothing merged). */
const char *eng_partials_field(const struct eng_partials *pt);
/*
 * The EWMA (weight alpha) of segment name's monthly means over absolute months [lo, hi) into
 * out (per enum eng_metric, NAN when the segment has no month with that metric).
 */
void eng_partials_seg_baseline(const struct eng_partials *pt, const char *name, int64_t lo,
                               int64_t hi, double alpha, double out[ENG_M__COUNT]);
/* The EWMA of interaction type name's mean web/app duration (s) over [lo, hi), NAN if none. */
double eng_partials_type_baseline(const struct eng_partials *pt, const char *name, int64_t lo,
                                  int64_t hi, double alpha);

#endif
