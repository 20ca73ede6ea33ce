/*
 * segments.h: accounts (or people) grouped by a canonical field or an attribute, with count,
 * churn rate, MRR, average health and engagement, and NPS per group. Reads a finished
 * snapshot and, optionally, scores computed on it; thread-safe under the same rule as
 * eng_compute (read-only on its inputs).
 */
#ifndef CXG_ENG_SEGMENTS_H
#define CXG_ENG_SEGMENTS_H

#include <stddef.h>
#include <stdint.h>

#include "core/buf.h"
#include "core/err.h"
#include "engine/score.h"
#include "engine/snapshot.h"

struct eng_segment {
        char *name;                 /* the field's value; "(none)" when absent */
        size_t count, churned;      /* churned: account churned / person left, as of `at` */
        double mrr;                 /* sum of MRR (accounts; for people, of their accounts) */
        double health_sum, eng_sum; /* sums over the members with a value */
        size_t health_n, eng_n;
        size_t nps_n, nps_promoters, nps_detractors; /* NPS answers in the year before `at` */
};

struct eng_segments {
        struct eng_segment *groups; /* sorted by count, largest first */
        size_t n;
        struct eng_segment total;
};

/*
 * Field values a segment can be keyed on: for accounts plan, owner, currency, stage, band,
 * garden, churned, or any attribute key; for people also seniority and role (account fields
 * then refer to the person's account). Writes the value of entity idx into out (capacity cap)
 * and returns out; "(none)" when absent. r may be NULL (then band is "(none)").
 */
const char *eng_field_value(const struct eng_snapshot *s, const struct eng_scores *r, int people,
                            uint32_t idx, const char *field, int64_t at, char *out, size_t cap);

/* 1 when field is known for the entity kind without looking at attributes. */
int eng_field_is_canonical(const char *field, int people);

/*
 * Group the accounts (people when people != 0) of s by field as of at (CXG_TS_NONE: the
 * latest data). r (may be NULL) supplies health and engagement. out is owned by the caller,
 * freed with eng_segments_release.
 */
enum cxg_err eng_segments_compute(const struct eng_snapshot *s, const struct eng_scores *r,
                                  const char *field, int people, int64_t at,
                                  struct eng_segments *out, struct cxg_error *err) CXG_WUR;
/* Free the groups. */
void eng_segments_release(struct eng_segments *g);

/* Churn rate of a group in percent (NAN for an empty group). */
double eng_segment_churn(const struct eng_segment *g);
/* NPS of a group: % promoters - % detractors (NAN without answers). */
double eng_segment_nps(const struct eng_segment *g);

/* Metrics of a segment, in the order of the columns. */
enum eng_seg_metric {
        ENG_SM_COUNT,
        ENG_SM_CHURN, /* percent */
        ENG_SM_MRR,
        ENG_SM_HEALTH,
        ENG_SM_ENGAGEMENT,
        ENG_SM_NPS,
        ENG_SM__COUNT
};
/* "count", "churn", "mrr", "health", "engagement", "nps". */
const char *eng_segment_metric_name(int m);
/* Metric from its name (n bytes), or -1. */
int eng_segment_metric_parse(const char *s, size_t n);
/* Value of metric m of group g (NAN when it has none). */
double eng_segment_metric(const struct eng_segment *g, int m);

#endif
