/*
 * voc.h: voice-of-the-customer statistics (NPS, CSAT, CES) with counts and 95% confidence
 * intervals, weighted and unweighted side by side, and their grouping by segment, month and
 * account; and feedback joined to the experience that preceded it.
 *
 * Everything here is a pure function over plain arrays or a small accumulator the caller owns:
 * no globals, no I/O, safe to call from any number of threads over shared read-only input.
 * Formulas: docs/scoring.md, section "Voice of the customer".
 */
#ifndef CXG_ENG_VOC_H
#define CXG_ENG_VOC_H

#include <stddef.h>
#include <stdint.h>

#include "core/arena.h"
#include "core/err.h"

/* The quantile of the standard normal for a two-sided 95% interval. */
#define ENG_VOC_Z95 1.959963984540054

enum eng_voc_metric {
        ENG_VOC_NPS,  /* 0-10: promoters 9-10 minus detractors 0-6, in points (-100..100) */
        ENG_VOC_CSAT, /* 1-5: share of satisfied answers (4-5), in percent */
        ENG_VOC_CES,  /* 1-7: mean, or share of agreeing answers (5-7) in percent: ces_mode */
        ENG_VOC_MEAN, /* any scale: mean score with a t-interval (ratings, experience joins) */
        ENG_VOC__COUNT
};

enum eng_voc_ces_mode {
        ENG_VOC_CES_MEAN,  /* mean effort score with a t-interval */
        ENG_VOC_CES_AGREE, /* share of answers >= agree_min with a Wilson interval */
};

struct eng_voc_cfg {
        enum eng_voc_metric metric;
        enum eng_voc_ces_mode ces_mode;
        double min, max; /* valid score range; answers outside it are skipped and counted */
        double pos_min;  /* NPS promoters >= 9; CSAT satisfied >= 4; CES agree >= 5 */
        double neg_max;  /* NPS detractors <= 6; CSAT dissatisfied <= 2; CES disagree <= 3 */
};

/*
 * Defaults of metric: the score range (NPS 0-10, CSAT 1-5, CES 1-7, MEAN unbounded) and the
 * thresholds above; CES in mean mode.
 */
void eng_voc_cfg_init(struct eng_voc_cfg *cfg, enum eng_voc_metric metric);
/* "nps", "csat", "ces", "mean". */
const char *eng_voc_metric_name(enum eng_voc_metric metric);

/* One figure and its interval: unweighted, or weighted with n replaced by n_eff. */
struct eng_voc_figure {
        double value;     /* NPS points, CSAT/CES-agree percent, or a mean; NAN when n = 0 */
        double lo, hi;    /* 95% confidence interval (clamped to the scale); NAN when undefined */
        double se;        /* standard error of value */
        double n;         /* answers, or effective sample size (sum w)^2 / sum w^2 */
        double pos_share; /* share of promoters / satisfied / agreeing, 0..1 */
        double neg_share; /* share of detractors / dissatisfied / disagreeing, 0..1 */
        double mean;      /* mean score (weighted for the weighted figure) */
};

/* The result for one set of answers: counts, the unweighted figure and the weighted one. */
struct eng_voc_stat {
        enum eng_voc_metric metric;
        int mean_mode;       /* 1 when value is a mean (CES mean, MEAN), 0 when a share or NPS */
        uint64_t n;          /* answers counted */
        uint64_t n_pos;      /* promoters / satisfied / agreeing */
        uint64_t n_mid;      /* passives / neutral */
        uint64_t n_neg;      /* detractors / dissatisfied / disagreeing */
        uint64_t n_skipped;  /* answers outside the score range or not finite */
        uint64_t n_weighted; /* answers with a usable weight (finite, >= 0) */
        double weight_sum;
        struct eng_voc_figure unweighted;
        struct eng_voc_figure weighted; /* value NAN when no weights were given */
        int has_weighted;
};

/* Running sums for one group; add answers one at a time, then finish. Zero it to start. */
struct eng_voc_acc {
        uint64_t n, n_pos, n_mid, n_neg, n_skipped, n_w;
        double sx, sxx;            /* sum of scores and of their squares */
        double sw, sww, swx, swxx; /* weights: sum w, w^2, w*x, w*x^2 */
        double sw_pos, sw_neg;     /* weight of the positive and negative answers */
        int weights_seen;          /* a weight (even unusable) was passed */
};

/* Reset an accumulator to empty. */
void eng_voc_acc_clear(struct eng_voc_acc *a);
/*
 * Add one answer. weight NAN means "no weight" (the answer counts only in the unweighted
 * figure); a weight given but negative or infinite is treated the same way. Scores outside
 * [cfg->min, cfg->max] or not finite are counted in n_skipped and otherwise ignored.
 */
void eng_voc_acc_add(struct eng_voc_acc *a, const struct eng_voc_cfg *cfg, double score,
                     double weight);
/* Merge the sums of b into a (for parallel or hierarchical grouping). */
void eng_voc_acc_merge(struct eng_voc_acc *a, const struct eng_voc_acc *b);
/* Compute the figures of the accumulated answers into out. */
void eng_voc_acc_finish(const struct eng_voc_acc *a, const struct eng_voc_cfg *cfg,
                        struct eng_voc_stat *out);

/*
 * The statistic of n answers: scores[i] and, when weights is not NULL, weights[i] (NAN: no
 * weight for that answer). Equivalent to adding each answer to a cleared accumulator.
 */
void eng_voc_stat_compute(const struct eng_voc_cfg *cfg, const double *scores,
                          const double *weights, size_t n, struct eng_voc_stat *out);

/*
 * Grouping: answer i belongs to group groups[i] (< n_groups; UINT32_MAX or any larger value
 * skips the answer). out has n_groups entries, each filled (n = 0 for empty groups). Use the
 * segment value index for per-segment figures or the account index for per-account figures.
 * Returns CXG_ERR_NOMEM when the working accumulators cannot be allocated.
 */
enum cxg_err eng_voc_group(const struct eng_voc_cfg *cfg, const double *scores,
                           const double *weights, const uint32_t *groups, size_t n, size_t n_groups,
                           struct eng_voc_stat *out) CXG_WUR;

/* One month of a monthly series. */
struct eng_voc_month {
        int64_t month; /* months since 1970-01 (cxg_month_index) */
        struct eng_voc_stat stat;
};

/*
 * Monthly series of the answers given at ts[i] (unix seconds; CXG_TS_NONE skips the answer),
 * from the first month with an answer to the last, empty months included (n = 0). *out is
 * allocated (cxg_malloc; free with cxg_free) with *n_out entries; *out is NULL when no answer
 * has a time. A span over max_months months (0: 1200) is CXG_ERR_LIMIT.
 */
enum cxg_err eng_voc_by_month(const struct eng_voc_cfg *cfg, const double *scores,
                              const double *weights, const int64_t *ts, size_t n, size_t max_months,
                              struct eng_voc_month **out, size_t *n_out,
                              struct cxg_error *err) CXG_WUR;

/*
 * Wilson score interval of a share p observed over n trials (n may be an effective sample
 * size), at the normal quantile z. Sets *lo and *hi in 0..1; NAN both when n <= 0.
 */
void eng_voc_wilson(double p, double n, double z, double *lo, double *hi);
/* Two-sided 95% quantile of Student's t with df degrees of freedom (normal above 30). */
double eng_voc_t95(double df);

/* ---- feedback joined to experience ---- */

/* The number of duration bands at most (the last band is open-ended). */
#define ENG_VOC_MAX_BANDS 16

struct eng_voc_exp_cfg {
        struct eng_voc_cfg voc; /* the metric of the answers (NPS, CSAT, ...) */
        int64_t window_s;       /* the interaction must precede the answer by at most this (7 d) */
        int64_t band_ms[ENG_VOC_MAX_BANDS - 1]; /* ascending upper bounds of the bands in ms */
        size_t n_bands; /* bands used: n_bands - 1 bounds, the last band is >= the last bound */
};

/* Defaults: window 7 days, bands < 1 s, 1-5 s, 5-30 s, 30 s-5 min, >= 5 min. */
void eng_voc_exp_cfg_init(struct eng_voc_exp_cfg *cfg, enum eng_voc_metric metric);

/* A row of the experience join: the answers that followed one kind of experience. */
struct eng_voc_exp_row {
        struct eng_voc_stat stat; /* the configured metric */
        struct eng_voc_stat mean; /* mean score with its t-interval */
};

struct eng_voc_exp_result {
        /* by outcome of the most recent interaction: index = enum cxg_outcome (0: none given) */
        struct eng_voc_exp_row by_outcome[4];
        /* by duration band; by_band[n_bands] holds interactions without a duration */
        struct eng_voc_exp_row by_band[ENG_VOC_MAX_BANDS + 1];
        size_t n_bands;
        struct eng_voc_exp_row no_interaction; /* no interaction within the window */
        struct eng_voc_exp_row all;
};

/* Columns of the join; feedback and interactions each sorted by (person, ts) ascending. */
struct eng_voc_exp_input {
        const uint32_t *fb_person;
        const int64_t *fb_ts;
        const double *fb_score;
        const double *fb_weight; /* NULL: unweighted */
        size_t n_fb;
        const uint32_t *ix_person;
        const int64_t *ix_ts;
        const uint8_t *ix_outcome;  /* enum cxg_outcome */
        const int64_t *ix_duration; /* ms, -1 when absent */
        size_t n_ix;
};

/*
 * For each answer, find the most recent interaction of the same person at or before the
 * answer and at most cfg->window_s earlier (merge join, O(n_fb + n_ix)), and accumulate the
 * answer under that interaction's outcome and duration band (or under no_interaction).
 * Unsorted input is CXG_ERR_INVALID naming the array and position.
 */
enum cxg_err eng_voc_experience(const struct eng_voc_exp_cfg *cfg,
                                const struct eng_voc_exp_input *in, struct eng_voc_exp_result *out,
                                struct cxg_error *err) CXG_WUR;

/* ---- over the engine snapshot (read-only; safe from many threads at once) ---- */

struct eng_snapshot;
struct eng_scores;
struct cxg_buf;

enum eng_voc_weight { ENG_VOC_W_NONE, ENG_VOC_W_MRR, ENG_VOC_W_SENIORITY };

/* Weight of a respondent's seniority: unknown 1, individual 1, manager 2, director 3,
 * executive 4. */
double eng_voc_seniority_weight(int seniority);
/*
 * Weight of feedback row i of snapshot s under w: the account's MRR, the respondent's
 * seniority weight, or NAN (unweighted, or MRR unknown).
 */
double eng_voc_feedback_weight(const struct eng_snapshot *s, size_t i, enum eng_voc_weight w);
/* "none", "mrr", "seniority" -> enum eng_voc_weight, or -1. */
int eng_voc_weight_parse(const char *s);
const char *eng_voc_weight_name(enum eng_voc_weight w);
/* The feedback kind (enum cxg_fb_kind) a metric reads: NPS, CSAT, CES (MEAN: rating). */
int eng_voc_metric_kind(enum eng_voc_metric m);

struct eng_voc_query {
        struct eng_voc_cfg cfg;
        enum eng_voc_weight weight;
        const char *by;       /* NULL (overall only), "account", or a segment field of
                                 eng_field_value (plan, owner, seniority, role, an attribute, ...) */
        int monthly;          /* also a monthly series (overall, and per group with by) */
        int64_t since, until; /* answers in [since, until]; CXG_TS_NONE: open */
        int64_t at;           /* as-of time for field values; CXG_TS_NONE: latest data */
};

/* Defaults: metric m, unweighted, overall, all time. */
void eng_voc_query_init(struct eng_voc_query *q, enum eng_voc_metric m);

struct eng_voc_row {
        const char *name; /* group value ("all" for the overall row), owned by the report */
        struct eng_voc_stat stat;
        struct eng_voc_month *months; /* monthly series when asked, else NULL */
        size_t n_months;
};

struct eng_voc_report {
        enum eng_voc_weight weight;
        const char *by;             /* the field grouped on, or NULL */
        struct eng_voc_row all;     /* every answer */
        struct eng_voc_row *groups; /* by answers descending, then name */
        size_t n_groups;
        struct cxg_arena arena; /* names */
};

/*
 * NPS, CSAT or CES of the snapshot's answers of the query's kind, overall and per group and
 * month, weighted beside unweighted. r (may be NULL) supplies score-based fields (band, stage).
 * *out is owned by the caller: eng_voc_report_release. Errors: CXG_ERR_NOMEM, CXG_ERR_LIMIT.
 */
enum cxg_err eng_voc_report(const struct eng_snapshot *s, const struct eng_scores *r,
                            const struct eng_voc_query *q, struct eng_voc_report *out,
                            struct cxg_error *err) CXG_WUR;
void eng_voc_report_release(struct eng_voc_report *rep);

struct eng_voc_exp_query {
        struct eng_voc_exp_cfg cfg;
        enum eng_voc_weight weight;
        const char *type;     /* only interactions of this type name (NULL: any) */
        int64_t since, until; /* answers in [since, until]; CXG_TS_NONE: open */
};

/* Defaults: NPS answers, 7-day window, default bands, unweighted, any type, all time. */
void eng_voc_exp_query_init(struct eng_voc_exp_query *q, enum eng_voc_metric m);

/*
 * Feedback joined to experience over the snapshot: for each answer of the metric's kind, the
 * most recent interaction of the same person (of the type, when given) at most window_s
 * earlier, found through the account's time-sorted interactions; then eng_voc_experience.
 * Errors: CXG_ERR_NOMEM.
 */
enum cxg_err eng_voc_experience_snapshot(const struct eng_snapshot *s,
                                         const struct eng_voc_exp_query *q,
                                         struct eng_voc_exp_result *out,
                                         struct cxg_error *err) CXG_WUR;
/* Label of duration band k of cfg ("<1s", "5s-30s", ">=5min"; k = n_bands: "no duration"). */
void eng_voc_band_label(const struct eng_voc_exp_cfg *cfg, size_t k, char *out, size_t cap);

#endif
