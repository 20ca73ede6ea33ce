/*
 * cohorts.h: monthly signup cohorts with retention (accounts, people or revenue), recurring or
 * cumulative, and the lifecycle of accounts or people per month (new, returning, resurrecting,
 * dormant). Read-only on the snapshot: thread-safe like eng_compute.
 */
#ifndef CXG_ENG_COHORTS_H
#define CXG_ENG_COHORTS_H

#include <stddef.h>
#include <stdint.h>

#include "core/buf.h"
#include "core/err.h"
#include "engine/score.h"
#include "engine/snapshot.h"

enum eng_cohort_by { ENG_COHORT_ACCOUNTS, ENG_COHORT_PEOPLE, ENG_COHORT_REVENUE };

struct eng_cohort_opts {
        int by;         /* enum eng_cohort_by */
        int cumulative; /* active in every period up to N instead of in period N */
        int64_t at;     /* last month counted is at's; CXG_TS_NONE: the latest data */
        const char *segment_field, *segment_value; /* optional filter FIELD=VALUE */
        const struct eng_scores *scores;           /* optional, for band/stage filters */
};

struct eng_cohorts {
        int64_t first_month; /* month index (cxg_month_index) of cohort 0 */
        size_t n;            /* cohorts = periods */
        double *size;        /* per cohort: members (revenue: MRR in period 0) */
        double *value;       /* n x n: [c * n + k] members active (or MRR) in period k; NAN
                                where c + k is after at's month or before the first
                                interaction (not observed) */
};

struct eng_lifecycle {
        int64_t first_month;
        size_t n;
        size_t *new_, *returning, *resurrecting, *dormant; /* per month */
};

/*
 * Monthly signup cohorts: an account's cohort is the month of created_at (else of its first
 * subscription, else of its first activity), a person's of created_at (else first activity).
 * An account is active in a month with any interaction (when the data set has no
 * interactions at all: with a live subscription or MRR); a person with any interaction.
 * Revenue: the account's MRR from its subscriptions (else its MRR between created_at and
 * churned_at). out is owned by the caller, freed with eng_cohorts_release.
 */
enum cxg_err eng_cohorts_compute(const struct eng_snapshot *s, const struct eng_cohort_opts *o,
                                 struct eng_cohorts *out, struct cxg_error *err) CXG_WUR;
/* Free what c holds; c is empty afterwards. */
void eng_cohorts_release(struct eng_cohorts *c);

/*
 * Lifecycle per month of accounts (o->by ENG_COHORT_ACCOUNTS) or people: new (first active
 * month), returning (active this month and last), resurrecting (active this month, not last,
 * but before), dormant (active last month, not this one). o->cumulative is ignored.
 */
enum cxg_err eng_lifecycle_compute(const struct eng_snapshot *s, const struct eng_cohort_opts *o,
                                   struct eng_lifecycle *out, struct cxg_error *err) CXG_WUR;
/* Free what l holds; l is empty afterwards. */
void eng_lifecycle_release(struct eng_lifecycle *l);

#endif
