/*
 * sweetspot.h: which customers the company serves well and which it does not. Accounts are
 * grouped by one or more fields (plan, owner, currency or any account attribute); each
 * segment gets its size, retention, MRR, engagement and fit, and a score that ranks the four
 * together (the mean of the segment's percentile ranks among segments). Formulas in
 * docs/scoring.md, "Early warning", "Sweet spot".
 */
#ifndef CXG_ENG_SWEETSPOT_H
#define CXG_ENG_SWEETSPOT_H

#include <stddef.h>
#include <stdint.h>

#include "core/err.h"

struct eng_snapshot;
struct eng_scores;

struct eng_sweet_opts {
        const char *by;        /* comma-separated fields, default "plan" */
        size_t min_size;       /* segments with fewer live accounts are listed, not ranked (10) */
        double retention_days; /* retention: accounts alive this long ago still alive (180) */
        double fit_days;       /* fit: capabilities of the plan used in this window (90) */
};

/* Defaults above. */
void eng_sweet_opts_init(struct eng_sweet_opts *o);

/* Metrics of the ranking, in eng_sweet_segment.pct. */
enum { ENG_SWEET_RETENTION, ENG_SWEET_MRR, ENG_SWEET_ENGAGEMENT, ENG_SWEET_FIT, ENG_SWEET__COUNT };

struct eng_sweet_segment {
        char key[192];         /* "plan=Pro" or "plan=Pro, region=EMEA" */
        size_t size;           /* accounts alive at the as-of time */
        size_t base, retained; /* alive retention_days before, and of those still alive */
        double retention;      /* retained / base, NAN when base is 0 */
        double mrr_mean;       /* mean MRR of live accounts */
        double mrr_total;
        double engagement; /* mean account engagement (0-100) of live accounts, NAN when none */
        double fit;        /* mean share of the plan's capabilities used, NAN when none */
        double pct[ENG_SWEET__COUNT]; /* percentile rank among ranked segments, NAN unknown */
        double score;                 /* 0-100: mean of the known pct x 100; NAN when not ranked */
        size_t rank;                  /* 1 = best; 0 when too small to rank */
        const char *verdict;          /* "sweet spot", "poorly served" or "" (static text) */
};

/* One account's values for the pure ranking. */
struct eng_sweet_row {
        uint32_t segment;
        int8_t alive;                /* alive at the as-of time */
        int8_t retained;             /* -1: not alive retention_days before; else 0/1 */
        double mrr, engagement, fit; /* NAN when unknown */
};

/*
 * Aggregate rows into seg[0..nseg) (keys filled by the caller, other fields set here) and
 * rank the segments with at least min_size live accounts: pct[m] = (segments with a lower
 * value + half of those with an equal one) / (ranked segments - 1), score = 100 x mean of
 * the known pct (50 when a single segment is ranked); rank by score, then total MRR. Score
 * >= 75: "sweet spot", <= 25: "poorly served". seg is sorted by rank (unranked last, by size).
 */
void eng_sweet_rank(const struct eng_sweet_row *rows, size_t n, struct eng_sweet_segment *seg,
                    size_t nseg, size_t min_size);

struct eng_sweet_result {
        char by[128];
        int64_t at;
        size_t n_accounts;
        struct eng_sweet_segment *seg; /* cxg_malloc'ed, sorted by rank */
        size_t n;
};

/*
 * Segments of the snapshot as of scores->at by o->by (NULL: defaults) into r (owned by the
 * caller: eng_sweet_result_release). CXG_ERR_INVALID for an empty field name.
 */
enum cxg_err eng_sweetspot(const struct eng_snapshot *s, const struct eng_scores *scores,
                           const struct eng_sweet_opts *o, struct eng_sweet_result *r,
                           struct cxg_error *err) CXG_WUR;
/* Free what r holds. */
void eng_sweet_result_release(struct eng_sweet_result *r);

#endif
