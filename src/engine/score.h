/*
 * score.h: engagement, health, robustness and expectation scores computed from a snapshot,
 * with components and top reasons, under configurable scorecards. Every formula is in
 * docs/scoring.md under the name of the function that computes it.
 *
 * Thread-safety: eng_compute reads the snapshot only and writes a new struct eng_scores, so
 * several computations (and readers of finished results) may run at once on one snapshot. A
 * finished struct eng_scores is read-only and may be shared between threads; it borrows the
 * snapshot, which must outlive it and must not be refreshed while it is in use.
 */
#ifndef CXG_ENG_SCORE_H
#define CXG_ENG_SCORE_H

#include <stddef.h>
#include <stdint.h>

#include "core/config.h"
#include "core/err.h"
#include "engine/snapshot.h"
#include "model/shard.h"

struct eng_partials;

/* Components: the first five make health, the last five robustness. */
enum eng_comp {
        ENG_C_STAKEHOLDERS, /* seniority-weighted stakeholder engagement */
        ENG_C_BREADTH,      /* breadth of engaged stakeholders */
        ENG_C_FEEDBACK,     /* recent NPS/CSAT/CES/ratings */
        ENG_C_EXPERIENCE,   /* experience against the segment's expectation */
        ENG_C_TREND,        /* 30-day trend */
        ENG_C_COVERAGE,     /* engaged stakeholders and their seniority */
        ENG_C_HOLD,         /* senior stakeholders' activity now vs half a year before */
        ENG_C_RESILIENCE,   /* engagement after a bad experience vs before */
        ENG_C_TENURE,       /* time as a customer */
        ENG_C_GARDEN,       /* customer-garden participation */
        ENG_C__COUNT
};
#define ENG_C_HEALTH_FIRST ENG_C_STAKEHOLDERS
#define ENG_C_ROBUST_FIRST ENG_C_COVERAGE

/* Experience metrics judged against the segment's moving expectation. */
enum eng_metric {
        ENG_M_SUPPORT,  /* support response time: mean duration of support-channel interactions */
        ENG_M_LATENCY,  /* web/app durations against each type's expectation (1 = as expected) */
        ENG_M_FAILURES, /* share of interactions that failed */
        ENG_M_CSAT,     /* mean CSAT (1-5) */
        ENG_M__COUNT
};

enum eng_band { ENG_BAND_UNKNOWN, ENG_BAND_POOR, ENG_BAND_AVERAGE, ENG_BAND_GOOD };
enum eng_stage { ENG_STAGE_ONBOARDING, ENG_STAGE_ACTIVE, ENG_STAGE_CHURNED };

#define ENG_MAX_CARDS 16
#define ENG_MAX_REASONS 6
#define ENG_MAX_THREADS 64
#define ENG_MAX_TYPE_WEIGHTS 64

/*
 * Fixed thresholds and impacts of the scores: the table "Thresholds" of docs/scoring.md
 * explains each one and names the function that applies it. The tunable parameters are in
 * struct eng_params (config keys); these are not configurable.
 */
/* Feedback classes (fb_detractor, fb_promoter): NPS 0-10, CES 1-7, CSAT and rating 1-5. */
#define ENG_NPS_DETRACTOR_MAX 6
#define ENG_NPS_PROMOTER_MIN 9
#define ENG_CES_DETRACTOR_MAX 3
#define ENG_CES_PROMOTER_MIN 7
#define ENG_CSAT_DETRACTOR_MAX 2
#define ENG_CSAT_PROMOTER_MIN 5
/* Lifecycle (stage_of): onboarding for this many days after creation. */
#define ENG_ONBOARDING_DAYS 90
/* Breadth (comp_breadth): engaged stakeholders that fill the "how many" half. */
#define ENG_BREADTH_ENGAGED_FULL 3.0
/* Feedback (comp_feedback): days of CSAT answers in the account's experience value. */
#define ENG_CSAT_WINDOW_DAYS 90
/* Reasons from answers (comp_feedback): impact factors, and the seniority weight from which a
 * promoter is named (director and executive by default). */
#define ENG_DETRACTOR_IMPACT 3.0
#define ENG_PROMOTER_MIN_WEIGHT 3.0
#define ENG_PROMOTER_IMPACT 0.5f
/* Experience (comp_experience): rows needed for a failure rate, smoothing of the ratios, and
 * the ratios and CSAT gap from which a reason is given, with their impact factors. */
#define ENG_FAILURES_MIN_ROWS 10
#define ENG_RATIO_EPS 0.001
#define ENG_FAILURES_EPS 0.005
#define ENG_EXP_SLOW_RATIO 1.5
#define ENG_EXP_FAST_RATIO 0.67
#define ENG_EXP_SLOW_IMPACT 4.0
#define ENG_EXP_FAST_IMPACT 2.0
#define ENG_CSAT_GAP 0.5
#define ENG_CSAT_GAP_IMPACT 4.0
/* Slowest interaction type (slowest_type_reason): rows needed, ratio from which it is named. */
#define ENG_TYPE_SLOW_MIN_ROWS 5
#define ENG_TYPE_SLOW_RATIO 1.5
#define ENG_TYPE_SLOW_IMPACT 2.0
/* Trend (comp_trend): activity below this on both sides gives no reason; relative change from
 * which a reason is given; impact factors down and up. */
#define ENG_TREND_MIN_ACTIVITY 0.5
#define ENG_TREND_MIN_CHANGE 0.2
#define ENG_TREND_DOWN_IMPACT 8.0
#define ENG_TREND_UP_IMPACT 3.0
/* People (people_reasons): days without activity before a senior stakeholder is named, the
 * cap on the days that count, the days per unit of impact; never active; champion; few. */
#define ENG_INACTIVE_DAYS 30
#define ENG_INACTIVE_CAP_DAYS 180
#define ENG_INACTIVE_UNIT_DAYS 30
#define ENG_NEVER_ACTIVE_IMPACT 1.5
#define ENG_CHAMPION_IMPACT 0.75
#define ENG_FEW_PEOPLE_MIN 3
#define ENG_FEW_ENGAGED_MAX 1
#define ENG_FEW_ENGAGED_IMPACT 4
#define ENG_NO_PEOPLE_IMPACT 1
/* Senior hold (comp_senior_hold): ratio below which it is a loss, from which a gain. */
#define ENG_HOLD_LOSS_RATIO 0.7
#define ENG_HOLD_LOSS_IMPACT 7.0
#define ENG_HOLD_GAIN_RATIO 1.2
#define ENG_HOLD_GAIN_IMPACT 1.5f
/* Resilience (comp_resilience): ratio below which it fell, from which it held up. */
#define ENG_RESILIENCE_FELL_RATIO 0.8
#define ENG_RESILIENCE_FELL_IMPACT 8.0
#define ENG_RESILIENCE_HELD_RATIO 1.0
#define ENG_RESILIENCE_HELD_IMPACT 2.0
/* Bad month (bad_event): rows needed, share of failed or slow rows, times the usual share. */
#define ENG_BAD_MONTH_MIN_ROWS 20
#define ENG_BAD_MONTH_MIN_SHARE 0.05
#define ENG_BAD_MONTH_FACTOR 2.0
/* Tenure (comp_tenure): a new account below, a long-standing one from (2 years). */
#define ENG_TENURE_NEW_DAYS 90
#define ENG_TENURE_LONG_DAYS 730
#define ENG_TENURE_IMPACT 1
/* Garden (comp_garden) and objectives blocked by the plan (objective_reasons). */
#define ENG_GARDEN_IMPACT 2
#define ENG_OBJECTIVE_IMPACT 0.6f

/* A scorecard: component weights and bands, chosen per account by a match rule. */
struct eng_scorecard {
        char name[48];
        char match_field[48]; /* "" for the default card; plan, stage, owner, currency, garden,
                                 or an attribute key */
        char match_value[64];
        double weight[ENG_C__COUNT];
        double band_poor; /* health below this: poor */
        double band_good; /* health from this: good; between: average */
};

/* Parameters of every formula (defaults in docs/scoring.md; config keys in brackets). */
struct eng_params {
        double half_life_days;                    /* [engagement] half_life_days = 30 */
        double window_days;                       /* [engagement] window_days = 90 */
        double activity_scale;                    /* [engagement] activity_scale = 10 */
        double breadth_channels;                  /* [engagement] breadth_channels = 3 */
        double breadth_caps;                      /* [engagement] breadth_capabilities = 5 */
        double w_activity, w_breadth, w_feedback; /* [engagement] weight_activity ... */
        double engaged_threshold;                 /* [engagement] engaged_threshold = 40 */
        double feedback_days;                     /* [health] feedback_days = 180 */
        double trend_days;                        /* [health] trend_days = 30 */
        double ewma_alpha;                        /* [expectation] alpha = 0.3 */
        char expect_segment[48];  /* [expectation] segment = plan (plan, currency, owner, all) */
        double resilience_days;   /* [robustness] resilience_days = 60 */
        double bad_lookback_days; /* [robustness] lookback_days = 365 */
        double tenure_full_days;  /* [robustness] tenure_full_days = 730 */
        double coverage_full;     /* [robustness] coverage_full = 8 */
        double hold_days;         /* [robustness] hold_days = 180 */
        double sen_weight[CXG_SEN__COUNT];        /* [seniority] executive = 4 ... */
        double ch_weight[CXG_CH__COUNT];          /* [channel] meeting = 3 ... */
        char type_name[ENG_MAX_TYPE_WEIGHTS][48]; /* [type] NAME = weight (others 1) */
        double type_weight[ENG_MAX_TYPE_WEIGHTS];
        size_t n_type_weights;
        struct eng_scorecard cards[ENG_MAX_CARDS]; /* cards[0]: default */
        size_t n_cards;
};

/* What a reason says; rendered to words by eng_reason_format. */
enum eng_reason_code {
        ENG_R_INACTIVE,     /* ref: person; value: days (or months with aux 1) */
        ENG_R_NEVER_ACTIVE, /* ref: person */
        ENG_R_CHAMPION,     /* ref: person; value: engagement */
        ENG_R_DETRACTOR,    /* ref: person; ts; aux: feedback kind; value: score */
        ENG_R_PROMOTER,     /* ref: person; ts; aux: kind; value: score */
        ENG_R_EXPERIENCE,   /* aux: metric; value: account / expectation ratio (or gap) */
        ENG_R_TREND,        /* value: relative change (-0.35) */
        ENG_R_FEW_ENGAGED,  /* value: engaged count; ref: people count */
        ENG_R_RESILIENCE,   /* value: after/before ratio; ts: the bad event; aux: 0 detractor,
                               1 bad month */
        ENG_R_GARDEN,       /* member of a customer garden */
        ENG_R_TENURE,       /* value: days */
        ENG_R_OBJECTIVE,    /* ref: objective index; blocked by the plan */
        ENG_R_NO_PEOPLE,    /* no stakeholders known */
        ENG_R_HOLD,         /* value: senior activity now / before (hold_days earlier) */
        ENG_R_TYPE_SLOW,    /* ref: type index; value: its duration / its expectation */
};

struct eng_reason {
        uint8_t code; /* enum eng_reason_code */
        uint8_t aux;
        uint8_t score; /* 'h' health, 'r' robustness */
        float impact;  /* signed: negative hurts */
        float value;
        uint32_t ref;
        int64_t ts;
};

struct eng_account_score {
        float health, robustness, engagement; /* 0-100, NAN when there is nothing to judge */
        float comp[ENG_C__COUNT];             /* NAN when not applicable */
        float exp_value[ENG_M__COUNT];        /* the account's experience, NAN when none */
        float exp_base[ENG_M__COUNT];         /* the segment's expectation, NAN when none */
        float activity, activity_prior;       /* seniority-weighted decayed activity */
        uint32_t n_people, n_engaged;
        uint8_t band, card, stage, n_reasons;
        struct eng_reason reasons[ENG_MAX_REASONS];
};

struct eng_timing {
        double compute_s; /* wall seconds of eng_compute */
};

struct eng_scores {
        const struct eng_snapshot *snap; /* borrowed */
        struct eng_params params;        /* copy used */
        int64_t at;
        size_t n_accounts, n_people;
        struct eng_account_score *acc;
        float *p_engagement;  /* 0-100 per person, NAN when not active at `at` */
        float *p_activity;    /* decayed weighted activity */
        int32_t *p_last;      /* last interaction in the window, rel. to ENG_EPOCH; INT32_MIN */
        uint16_t *p_channels; /* bit per channel used in the window */
        uint8_t *p_caps;      /* distinct capabilities used in the window */
        uint64_t *p_capmask;  /* which ones */
        uint16_t *p_feedback; /* answers in the feedback window */
        float *p_prior;       /* activity as of at - trend_days */
        uint32_t n_segments;  /* expectation segments */
        float *seg_base;      /* n_segments * ENG_M__COUNT expectations */
        struct eng_timing timing;
        /* the last full eng_compute: its as-of, and the cross-account baselines it computed,
         * which eng_compute_accounts reuses (docs/scoring.md, "Continuous rescoring") */
        int64_t full_at;
        float *t_base;   /* expected web/app duration per type index (s), 0: none */
        size_t n_t_base; /* types.n + 1 at the time */
        float *prev_eng; /* score history's engagement per account as of prev_at, or NULL */
        int64_t prev_at;
};

/* Options of one computation. */
struct eng_compute_opts {
        int64_t at;  /* as-of time (unix seconds); CXG_TS_NONE: the latest data */
        int threads; /* 0: 2; at most ENG_MAX_THREADS */
        /* optional score history: engagement per account index as of prev_at, NAN unknown */
        const float *prev_engagement;
        int64_t prev_at;
        /* when set, only engagement and the stakeholder component are computed (benchmark) */
        int core_only;
        /* scale-out (engine/cluster.h): the merged partials of every shard, from which the
         * baselines and the latest data time come (NULL: from s, through the same sums) */
        const struct eng_partials *partials;
        /* score only the accounts of these shards (NULL: every account); own->n is the count */
        const struct cxg_shardset *own;
};

/* Built-in defaults (documented in docs/scoring.md). */
void eng_params_init(struct eng_params *p);
/*
 * Override p from a configuration ([engagement], [health], [expectation], [robustness],
 * [seniority], [channel], [type] and [scorecard NAME] sections). Unknown keys in these
 * sections are errors naming the file and line, so typos do not silently fall back.
 */
enum cxg_err eng_params_from_config(struct eng_params *p, const struct cxg_config *c,
                                    struct cxg_error *err) CXG_WUR;

/* Set up an empty result. */
void eng_scores_init(struct eng_scores *r);
/* Free what r holds. */
void eng_scores_release(struct eng_scores *r);

/*
 * Compute every score of every account and person of the finished snapshot s as of opts->at
 * into r (initialised, owned by the caller), with params p (NULL: defaults) on opts->threads
 * threads, each over a contiguous range of accounts.
 */
enum cxg_err eng_compute(const struct eng_snapshot *s, const struct eng_params *p,
                         const struct eng_compute_opts *opts, struct eng_scores *r,
                         struct cxg_error *err) CXG_WUR;

/*
 * Rescore accounts acc[0..n) of s (finished, possibly grown since) as of at into r, which holds
 * the last full eng_compute of s: with that computation's parameters and cross-account
 * baselines (segment expectations, type expectations, score history), and grown for the
 * accounts and people added since. Other accounts keep their scores. r->at becomes at. When
 * the snapshot has rows whose account is not their person's (mixed_accounts), a person's
 * figures depend on several accounts: CXG_ERR_CONFLICT, and the caller recomputes in full.
 */
enum cxg_err eng_compute_accounts(const struct eng_snapshot *s, struct eng_scores *r,
                                  const uint32_t *acc, size_t n, int64_t at,
                                  struct cxg_error *err) CXG_WUR;

/* Render a reason in words into out (capacity cap), e.g. "CFO (Ann Lee) inactive for 60 days". */
char *eng_reason_format(const struct eng_scores *r, uint32_t account, const struct eng_reason *why,
                        char *out, size_t cap);

/* "poor", "average", "good", "unknown". */
const char *eng_band_name(int band);
/* "onboarding", "active", "churned". */
const char *eng_stage_name(int stage);
/* Component key as in the config and JSON ("stakeholders", ...). */
const char *eng_comp_name(int comp);
/* Metric key ("support_time", "latency", "failure_rate", "csat"). */
const char *eng_metric_name(int metric);

/* Formulas exposed for tests and documentation (see docs/scoring.md). */
/* 2^(-age_days / half_life_days). */
double eng_decay(double age_days, double half_life_days);
/* 1 - exp(-x / scale): 0 at 0, 0.63 at scale, towards 1. */
double eng_saturate(double x, double scale);
/* Person engagement 0-100 from activity, channel and capability counts, feedback answers. */
double eng_person_engagement(const struct eng_params *p, double activity, unsigned channels,
                             unsigned caps, unsigned total_caps, unsigned feedback_answers);
/* Band of a score under a scorecard. */
int eng_band(const struct eng_scorecard *c, double health);
/* One EWMA step: alpha * x + (1 - alpha) * prev (prev NAN: x). */
double eng_ewma(double prev, double x, double alpha);
/* Experience sub-score 0-100 of a lower-is-better metric from the ratio account/expectation. */
double eng_experience_ratio_score(double ratio);
/* Trend component 0-100 from current and earlier activity. */
double eng_trend_score(double now, double before);
/* Weighted mean of the non-NAN components [first, first + n) with weights w; NAN if none. */
double eng_weighted(const float *comp, const double *w, int first, int n);

#endif
