/*
 * detect.h: the early-warning detectors. Each detector is a function over plain arrays (so
 * it can be tested on hand-made numbers) that appends alerts to a list; detect_snap.c feeds
 * them from the engine snapshot and scores. Alerts carry a kind, a severity, a subject, a
 * dedup key (one open alert per key), a one-line summary and the numbers behind it as typed
 * evidence (rendered to JSON by src/app/view_evidence.c).
 * Every rule and threshold is in docs/scoring.md, "Early warning".
 */
#ifndef CXG_ENG_DETECT_H
#define CXG_ENG_DETECT_H

#include <stddef.h>
#include <stdint.h>

#include "core/arena.h"
#include "core/config.h"
#include "core/err.h"
#include "engine/stats.h"

enum eng_alert_kind {
        ENG_ALERT_EROSION,        /* erosion_behind_growth */
        ENG_ALERT_EXPERIENCE,     /* experience_degradation */
        ENG_ALERT_AT_RISK,        /* account_at_risk */
        ENG_ALERT_DOWNGRADE_WAVE, /* downgrade_wave */
        ENG_ALERT__COUNT
};

enum eng_severity { ENG_SEV_LOW, ENG_SEV_MEDIUM, ENG_SEV_HIGH, ENG_SEV_CRITICAL, ENG_SEV__COUNT };

/* ---- evidence: the numbers behind an alert, one struct per detector ---- */

/*
 * Evidence holds numbers and names only; src/app/view_evidence.c renders it (the JSON stored
 * with the alert). NAN means "unknown" (rendered null), CXG_TS_NONE an absent date. Strings
 * and arrays live in the arena of the alert list that holds the alert.
 */

/* A top-line figure and its growth from window B to window A. */
struct eng_ev_topline {
        const char *metric; /* "mrr", "customers" */
        double before, after, growth;
};

/* One metric of a segment that fell. */
struct eng_ev_erosion_metric {
        int metric;                 /* enum eng_erosion_metric */
        double before, after;       /* the metric in B and A */
        double change;              /* after / before - 1 */
        double lost_before;         /* retention only: 1 - before */
        double lost_after;          /* retention only: 1 - after */
        int has_rest;               /* the rest of the population is known: */
        double rest_before;         /*   its metric in B, */
        double rest_after;          /*   in A, */
        double rest_change;         /*   its change (NAN when rest_before is 0) */
        double relative_to_rest;    /*   and the segment's change relative to it */
        uint64_t n_before, n_after; /* people tested in B and A (paired: both the pairs) */
        double z, p, p_adjusted;
};

struct eng_ev_erosion {
        const char *field, *value;         /* the segment */
        int64_t before_start, after_start; /* starts of windows B and A */
        int64_t end;                       /* the run's as-of time */
        double days;                       /* length of a window */
        struct eng_ev_topline top_line;    /* the top line that grew most */
        struct eng_ev_topline *top_lines;  /* every top line */
        size_t n_top_lines;
        struct eng_ev_erosion_metric *metrics; /* the metrics that fell */
        size_t n_metrics;
        size_t tests;   /* tests in the run (the correction's family) */
        int correction; /* enum eng_correction */
        double alpha;
};

/* One week of a drifting series, as reported. */
struct eng_ev_week {
        int64_t week; /* its Monday */
        uint32_t interactions;
        double p50_ms, p95_ms, failure_rate;
};

struct eng_ev_experience {
        const char *interaction_type;
        int64_t first_week; /* Monday of the first drifting week */
        size_t weeks_drifting;
        double base_p50_ms, base_p95_ms, base_failure_rate; /* baseline medians */
        double base_p95_sigma_ms, base_failure_sigma;
        struct eng_ev_week current; /* the last week */
        double z_p95, z_failure;    /* of the last week */
        int on_p95, on_failure;     /* which metrics drift */
        struct eng_ev_week *weeks;  /* from the first drifting week to the last */
        size_t n_weeks;
        struct eng_exposure *exposed; /* accounts most exposed, most bad first */
        size_t n_exposed;
        double slow_threshold_ms; /* above it a duration is bad (NAN: none) */
};

/* What an account-at-risk signal is. */
enum eng_risk_signal {
        ENG_SIG_HEALTH_DROP,
        ENG_SIG_CHAMPION_LEFT,
        ENG_SIG_EXECUTIVE_LEFT,
        ENG_SIG_CHAMPION_SILENT,
        ENG_SIG_EXECUTIVE_SILENT,
        ENG_SIG_SENIOR_DETRACTOR,
        ENG_SIG_DOWNGRADE,
        ENG_SIG__COUNT
};

struct eng_ev_signal {
        int signal; /* enum eng_risk_signal: which member of u is set */
        union {
                struct { /* ENG_SIG_HEALTH_DROP */
                        double before, now, drop;
                } health;
                struct {                                  /* the four *_LEFT and *_SILENT */
                        const char *person, *name, *role; /* name, role: NULL unknown */
                        int seniority;                    /* enum cxg_seniority */
                        int champion;
                        uint32_t interactions_prior;
                        int64_t last_active;
                        int64_t left_at; /* *_LEFT only */
                } person;
                struct {                           /* ENG_SIG_SENIOR_DETRACTOR */
                        const char *person, *name; /* name: NULL unknown */
                        int seniority;
                        int kind; /* enum cxg_fb_kind */
                        double score;
                        int64_t at;
                } detractor;
                struct { /* ENG_SIG_DOWNGRADE */
                        double mrr_before, mrr;
                        const char *plan_before, *plan; /* NULL unknown */
                        int64_t at;
                } downgrade;
        } u;
};

struct eng_ev_at_risk {
        const char *account;
        const char *name, *owner, *plan; /* NULL unknown */
        double mrr, health, health_before;
        double window_days;
        int weight; /* sum of the signals' weights */
        struct eng_ev_signal *signals;
        size_t n_signals;
};

/* One period of a wave series. */
struct eng_ev_period {
        uint32_t accounts, cancellations, downgrades;
};

struct eng_ev_wave {
        const char *field, *value;
        int downgrade; /* 1: downgrades, 0: cancellations */
        int64_t window_start;
        double window_days;
        uint64_t accounts, events; /* in the window */
        double rate, historical_rate;
        uint64_t historical_events, historical_exposure;
        double ratio, z, p, p_adjusted;
        uint32_t cancellations, downgrades; /* in the window */
        struct eng_ev_period *periods;      /* oldest first, the window last */
        size_t n_periods;
};

/* The evidence of an alert; the member set is the alert's kind. */
union eng_evidence {
        struct eng_ev_erosion erosion;       /* ENG_ALERT_EROSION */
        struct eng_ev_experience experience; /* ENG_ALERT_EXPERIENCE */
        struct eng_ev_at_risk at_risk;       /* ENG_ALERT_AT_RISK */
        struct eng_ev_wave wave;             /* ENG_ALERT_DOWNGRADE_WAVE */
};

/* One finding of a detector. */
struct eng_alert {
        int kind;              /* enum eng_alert_kind */
        int severity;          /* enum eng_severity */
        char subject_type[24]; /* "segment", "interaction_type", "account", "plan" */
        char subject[160];     /* "seniority=executive", "like", an account id, "plan=Premium" */
        char dedup_key[256];   /* kind:subject[:metric]: one open alert per key */
        char summary[512];     /* one line for a person */
        int64_t first_seen;    /* when the condition began (unix seconds) */
        int64_t detected_at;   /* the as-of time of the run */
        char account[128];     /* account external id for account alerts, else "" */
        char owner[64];        /* the account's owner, else "" */
        char person[128];      /* the silent or departed stakeholder (closed-loop follow-up) */
        double health;         /* account health at detection, NAN when not an account alert */
        int has_evidence;      /* 0: ev is unset (an alert made by hand) */
        union eng_evidence ev; /* the numbers, by kind; its memory is the list's arena */
};

/* A growable list of alerts; its arena holds their evidence. */
struct eng_alerts {
        struct eng_alert *v;
        size_t n, cap;
        struct cxg_arena mem; /* strings and arrays of the alerts' evidence */
};

/* Set up an empty list. */
void eng_alerts_init(struct eng_alerts *l);
/* Free the alerts and their evidence; l is empty and reusable. */
void eng_alerts_release(struct eng_alerts *l);
/* Append a copy of *a (its evidence must live in l->mem). CXG_ERR_NOMEM on failure. */
enum cxg_err eng_alerts_push(struct eng_alerts *l, const struct eng_alert *a) CXG_WUR;

/* "erosion_behind_growth", "experience_degradation", "account_at_risk", "downgrade_wave". */
const char *eng_alert_kind_name(int kind);
/* Kind from its name, or -1. */
int eng_alert_kind_parse(const char *s);
/* "low", "medium", "high", "critical". */
const char *eng_severity_name(int severity);
/* Severity from its name, or -1. */
int eng_severity_parse(const char *s);

/* Multiple-testing correction over the tests of one detector run. */
enum eng_correction { ENG_CORR_BH, ENG_CORR_BONFERRONI, ENG_CORR_NONE };

/* Thresholds of every detector (defaults in docs/scoring.md; config keys in brackets). */
struct eng_detect_params {
        /* erosion behind growth [erosion] */
        double window_days;       /* window_days = 90: window A is (at - w, at], B the w before */
        double ero_alpha;         /* alpha = 0.01, after the correction */
        int ero_correction;       /* correction = bh (bh, bonferroni, none) */
        double ero_min_n;         /* min_segment = 30 people (or accounts) in both windows */
        double ero_min_drop;      /* min_drop = 0.15: relative fall of the segment's metric */
        double ero_min_growth;    /* min_growth = 0.02: relative growth of the top line */
        double ero_min_loss_rise; /* min_loss_rise = 0.5: retention: lost share up 50% */
        /* experience degradation [experience] */
        int exp_history_weeks;     /* history_weeks = 12 trailing weeks as the baseline */
        int exp_min_history;       /* min_history = 6 usable weeks before judging */
        double exp_min_count;      /* min_count = 30 interactions (with a duration) per week */
        double exp_z;              /* z = 4: robust z beyond which a week drifts */
        double exp_min_ratio;      /* min_ratio = 1.5: p95 / baseline median at least */
        double exp_min_fail_delta; /* min_fail_delta = 0.02: failure rate + 2 points at least */
        double exp_floor_rel;      /* sigma_floor = 0.05: sigma at least 5% of the median p95 */
        int exp_persist;           /* persist_weeks = 2 consecutive drifting weeks */
        int exp_top_accounts;      /* top_accounts = 5 most exposed accounts reported */
        /* account at risk [risk] */
        double risk_days;        /* days = 30: the recent window */
        double risk_prior_days;  /* prior_days = 90: the window before it */
        double risk_health_drop; /* health_drop = 15 points */
        double risk_min_active;  /* min_active = 3 interactions in the prior window */
        double risk_nps_max;     /* nps_detractor = 6: NPS answers up to this are detractors */
        double risk_csat_max;    /* csat_detractor = 2 (also ratings, 1-5) */
        /* downgrade or cancellation wave [wave] */
        double wave_days;       /* days = 30: length of a period */
        int wave_history;       /* history_periods = 12 */
        double wave_alpha;      /* alpha = 0.01, after the correction */
        double wave_min_ratio;  /* min_ratio = 2: window rate / historical rate at least */
        double wave_min_events; /* min_events = 5 */
        double wave_min_base;   /* min_base = 20 accounts on the plan */
};

/* Built-in defaults. */
void eng_detect_params_init(struct eng_detect_params *p);
/*
 * Override p from the [erosion], [experience], [risk] and [wave] sections of c. Unknown keys
 * in those sections and values out of range are CXG_ERR_INVALID naming the file and line.
 */
enum cxg_err eng_detect_params_from_config(struct eng_detect_params *p, const struct cxg_config *c,
                                           struct cxg_error *err) CXG_WUR;

/* ---- 1. erosion behind growth ---- */

/* What is measured in a segment; each is "higher is better". */
enum eng_erosion_metric {
        ENG_ERO_ACTIVE,     /* share of present people with an interaction in the window */
        ENG_ERO_ENGAGEMENT, /* interactions per person present in both windows (paired) */
        ENG_ERO_RETENTION,  /* share of those present at the window start still present at end */
        ENG_ERO__COUNT
};

/* One metric of one segment in window B (before) and A (after, the latest). */
struct eng_erosion_segment {
        const char *field; /* "seniority", "plan", an attribute key */
        const char *value; /* "executive" */
        int metric;        /* enum eng_erosion_metric */
        uint64_t n_b, x_b; /* proportions: population and hits in B */
        uint64_t n_a, x_a; /* ... in A */
        /* ENG_ERO_ENGAGEMENT: per-person counts in B and A, and their differences A - B */
        struct eng_stats_moments m_b, m_a, m_d;
        /*
         * The same metric for everyone outside the segment (before, after), or NAN: the fall
         * must also be at least min_drop beyond the rest's change, so a season that lowers
         * every segment alike is not erosion.
         */
        double rest_b, rest_a;
};

/* A top-line figure at the end of window B and at the end of window A. */
struct eng_erosion_topline {
        const char *name; /* "mrr", "customers" */
        double before, after;
};

/* "active_share", "engagement", "retention". */
const char *eng_erosion_metric_name(int metric);
/* What a metric counts: "active share", "interactions per person", "retained share". */
const char *eng_erosion_metric_unit(int metric);
/* The test run on a metric: "two-proportion z", "paired z on per-person change". */
const char *eng_erosion_test_name(int metric);
/* "bh", "bonferroni", "none". */
const char *eng_correction_name(int correction);
/* "health_drop", "champion_left", ..., "downgrade". */
const char *eng_risk_signal_name(int signal);

/*
 * Erosion behind growth: when a top line grows by at least min_growth from B to A, test every
 * segment metric for a fall (one-sided z-tests: two proportions for active share and
 * retention, the paired per-person difference for engagement) where both windows hold at
 * least min_segment people, correct the p-values over all tests, and alert once per segment
 * whose metrics fell by at least min_drop, and by min_drop relative to the rest of the
 * population when rest_b/rest_a are known (retention: whose lost share rose by at least
 * min_loss_rise, also relative to the rest), with an adjusted p-value at most alpha. window_a is
 * the start of A (B starts one window earlier), at its end. Alerts go to out.
 */
enum cxg_err eng_detect_erosion(const struct eng_detect_params *p,
                                const struct eng_erosion_topline *top, size_t n_top,
                                const struct eng_erosion_segment *segs, size_t n_segs,
                                int64_t window_a, int64_t at, struct eng_alerts *out,
                                struct cxg_error *err) CXG_WUR;

/* ---- 2. experience degradation ---- */

/* One week of one interaction type. */
struct eng_week_stat {
        int64_t start;  /* Monday 00:00 UTC of the week */
        uint32_t n;     /* interactions */
        uint32_t n_dur; /* of which with a duration */
        uint32_t failed;
        double p50, p95; /* duration quantiles in ms (NAN when n_dur is 0) */
};

/* The weekly series of one interaction type, oldest first, complete weeks only. */
struct eng_experience_series {
        const char *type;
        const struct eng_week_stat *weeks;
        size_t n_weeks;
};

/* An account exposed to a degradation: its bad (slow or failed) interactions since it began. */
struct eng_exposure {
        const char *account; /* external id */
        const char *name;
        uint32_t bad, total;
};

/* What the drift rule found on one series. */
struct eng_drift {
        int fired;                            /* a run of persist weeks reaching the last week */
        int on_p95, on_fail;                  /* which metrics drift in the run's last week */
        size_t first_week;                    /* index of the run's first week */
        size_t run;                           /* weeks in the run */
        double base_p50, base_p95, base_fail; /* medians of the history before the run */
        double sigma_p95, sigma_fail;
        double z_p95, z_fail; /* of the last week */
};

/*
 * The drift rule on one series: a week drifts when its p95 has robust z >= exp_z against the
 * median/MAD of the (up to history_weeks) usable weeks before the current run and is at
 * least min_ratio times that median, or when its failure rate has robust z >= exp_z (sigma
 * at least the binomial sqrt(m (1 - m) / n)) and exceeds the median by min_fail_delta. Weeks
 * with fewer than min_count interactions are not judged and break a run. Fires when the last
 * persist (or more) weeks drift. Allocates scratch (CXG_ERR_NOMEM).
 */
enum cxg_err eng_detect_drift(const struct eng_detect_params *p,
                              const struct eng_experience_series *s, struct eng_drift *out) CXG_WUR;

/*
 * Called by eng_detect_experience for a drifting type: fill up to max accounts most exposed
 * to type since the week starting at since (bad: duration above slow_ms, or failed), most bad
 * first; return how many in *n. Strings must stay valid until eng_detect_experience returns.
 */
typedef enum cxg_err (*eng_exposure_cb)(void *ctx, size_t series, int64_t since, double slow_ms,
                                        struct eng_exposure *top, size_t max, size_t *n);

/*
 * Experience degradation: eng_detect_drift on each series; for each that fires, one alert
 * naming the type, the first drifting week, baseline and current p50/p95/failure rate and the
 * accounts most exposed (from exposure, which may be NULL). at is the run's as-of time.
 */
enum cxg_err eng_detect_experience(const struct eng_detect_params *p,
                                   const struct eng_experience_series *s, size_t n,
                                   eng_exposure_cb exposure, void *ctx, int64_t at,
                                   struct eng_alerts *out, struct cxg_error *err) CXG_WUR;

/* ---- 3. account at risk ---- */

struct eng_risk_person {
        const char *id, *name, *role;
        int seniority;       /* enum cxg_seniority */
        uint32_t n_prior;    /* interactions in (at - days - prior_days, at - days] */
        uint32_t n_recent;   /* interactions in (at - days, at] */
        int64_t last_active; /* last interaction up to at, CXG_TS_NONE */
        int64_t left_at;     /* CXG_TS_NONE while present */
};

/* A survey answer in the recent window. */
struct eng_risk_feedback {
        const char *person; /* external id */
        const char *name;
        int seniority;
        int kind; /* enum cxg_fb_kind */
        double score;
        int64_t ts;
};

struct eng_risk_account {
        const char *id, *name, *owner, *plan;
        double mrr;
        double health;        /* now, NAN when unknown */
        double health_before; /* days ago, NAN when unknown */
        const struct eng_risk_person *people;
        size_t n_people;
        const struct eng_risk_feedback *feedback;
        size_t n_feedback;
        double mrr_before;       /* MRR days ago (NAN unknown) */
        const char *plan_before; /* plan days ago (NULL unknown) */
        int64_t downgraded_at;   /* the last MRR decrease in the recent window, CXG_TS_NONE */
        int churned;             /* churned accounts are skipped */
};

/*
 * Account at risk: for each account not churned, signals in the recent window: health fell by
 * more than health_drop points; the champion (the person with the most interactions in the
 * prior window, at least min_active) or an executive active in the prior window (at least
 * min_active interactions) has had no interaction since, or left; a detractor answer (NPS <=
 * nps_detractor, CSAT or rating <= csat_detractor) from a director or executive; a downgrade
 * (MRR lower than days ago). One alert per account with all its signals; severity from their
 * weights (docs/scoring.md).
 */
enum cxg_err eng_detect_at_risk(const struct eng_detect_params *p, const struct eng_risk_account *a,
                                size_t n, int64_t at, struct eng_alerts *out,
                                struct cxg_error *err) CXG_WUR;

/* ---- 4. downgrade or cancellation wave ---- */

/*
 * Periods of one plan or segment, oldest first; the last one is the current window. base[k]:
 * accounts on the plan at the start of period k; cancel[k] and down[k]: how many of them
 * cancelled or moved to a cheaper plan during it.
 */
struct eng_wave_series {
        const char *field, *value; /* "plan", "Premium" */
        const uint32_t *base, *cancel, *down;
        size_t n_periods;
        int64_t window_start; /* start of the last period */
};

/*
 * Downgrade or cancellation wave: for each series and each event (cancellation, downgrade),
 * a one-sided two-proportion z-test of the last period's rate against the pooled rate of up
 * to history_periods periods before it; p-values corrected over all tests (correction as for
 * erosion); alert when adjusted p <= wave_alpha, the rate ratio >= min_ratio, events >=
 * min_events and base >= min_base.
 */
enum cxg_err eng_detect_waves(const struct eng_detect_params *p, const struct eng_wave_series *s,
                              size_t n, int64_t at, struct eng_alerts *out,
                              struct cxg_error *err) CXG_WUR;

/* Monday 00:00 UTC of the week holding t (unix seconds). */
int64_t eng_week_start(int64_t t);

/* ---- running the detectors on the engine (detect_snap.c) ---- */

/* Bit of a kind in eng_detect_input.kinds. */
#define ENG_DETECT_BIT(kind) (1u << (kind))
#define ENG_DETECT_ALL 0xfu

struct eng_snapshot;
struct eng_scores;
struct eng_foreign;
struct eng_partials;
struct cxg_shardset;

struct eng_detect_input {
        const struct eng_snapshot *snap; /* finished snapshot */
        const struct eng_scores *now;    /* scores as of at, or NULL (no health signals) */
        const struct eng_scores *before; /* scores as of at - risk days, or NULL */
        int64_t at;                      /* as-of time (unix seconds) */
        unsigned kinds;                  /* ENG_DETECT_BIT() of the detectors to run */
        /* a cluster node: other shards' published states (their people's detector inputs)
         * and the shards held here; NULL both on a single node (every account from rows) */
        const struct eng_foreign *foreign;
        const struct cxg_shardset *own;
        /* a cluster node: every shard's merged partials (experience weeks and samples, the
         * earliest interaction); NULL: computed from the snapshot's rows the same way */
        const struct eng_partials *partials;
};

/* Sizes and timings of one run, for `cxgarden detect` and logs. */
struct eng_detect_stats {
        size_t segments_tested, types_judged, accounts_checked, plans_tested;
        double seconds[ENG_ALERT__COUNT];
};

/*
 * Run the selected detectors on the snapshot as of in->at and append their alerts to out
 * (owned by the caller). Reads the snapshot and scores only (any number of runs may share
 * them). st (may be NULL) receives sizes and timings. Inputs of each detector are built as
 * documented in docs/scoring.md, "Early warning" (windows, segments, weekly series, signals,
 * periods).
 */
enum cxg_err eng_detect_run(const struct eng_detect_params *p, const struct eng_detect_input *in,
                            struct eng_alerts *out, struct eng_detect_stats *st,
                            struct cxg_error *err) CXG_WUR;

/* Health of account (external id) in now, NAN when unknown or now is NULL. */
double eng_detect_account_health(const struct eng_snapshot *snap, const struct eng_scores *now,
                                 const char *account);

/*
 * Whether person (external id) had an interaction in (after, after + within_s]: 1 or 0, and
 * -1 when person is NULL, empty or not in the snapshot (the follow-up of a done task).
 */
int eng_detect_reconnected(const struct eng_snapshot *snap, const char *person, int64_t after,
                           int64_t within_s);

#endif
