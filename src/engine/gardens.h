/*
 * gardens.h: the analytics of customer gardens (prefix eng_garden_): a panel of accounts over
 * time (plan, MRR, churn, monthly activity, NPS answers, segment, garden membership), garden
 * impact against comparable non-members, experiment results, rollout before/after reports and
 * candidate suggestions. Every formula is in docs/scoring.md, section "Gardens", under the
 * name of the function computing it.
 *
 * A panel is built once (from the store, or from the engine's snapshot) and is then read-only:
 * any number of threads may compute on it.
 */
#ifndef CXG_ENG_GARDENS_H
#define CXG_ENG_GARDENS_H

#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "core/arena.h"
#include "core/err.h"
#include "core/hmap.h"
#include "engine/gardens_stats.h"
#include "model/garden.h"
#include "store/store.h"

#define ENG_GARDEN_MAX_BANDS 10
#define ENG_GARDEN_MAX_CURRENCIES 16

/* One account's subscription period. */
struct eng_garden_period {
        int64_t start, end; /* end CXG_TS_NONE while open */
        double mrr;
        uint16_t plan; /* index into panel.plans */
};

/* Accounts as columns, with what impact, experiments and rollouts need. */
struct eng_garden_panel {
        struct cxg_arena strings;
        size_t n;               /* accounts */
        int64_t *id;            /* store id */
        const char **ext;       /* external id */
        int64_t *created;       /* CXG_TS_NONE when unknown */
        int64_t *churned;       /* CXG_TS_NONE while a customer */
        uint8_t *churn_unknown; /* churned flag without a date: left out of time-based figures */
        uint16_t *plan;         /* current plan (index into plans) */
        double *mrr;            /* current MRR, NAN when unknown */
        uint16_t *currency;     /* index into currencies */
        uint16_t *segment;      /* index into segments */
        uint32_t *people;       /* stakeholders known */
        int64_t *joined;        /* earliest garden membership, CXG_TS_NONE: never a member */
        const char **plans, **currencies, **segments;
        size_t n_plans, n_currencies, n_segments;
        size_t cap_plans, cap_currencies, cap_segments; /* room in the three arrays */
        struct cxg_hmap plan_ix, cur_ix, seg_ix, by_ext, by_id;
        /* subscription periods grouped by account (n + 1 offsets), sorted by start */
        uint32_t *poff;
        struct eng_garden_period *periods;
        size_t n_periods;
        /* interactions per account and month: act[a * n_months + (m - month0)] */
        int64_t month0;
        size_t n_months;
        uint32_t *act;
        /* NPS answers grouped by account (n + 1 offsets), sorted by time */
        uint32_t *foff;
        int64_t *f_ts;
        float *f_score;
        size_t n_fb;
        int64_t end; /* the latest time the data covers */
        char segment_field[48];
};

/*
 * Build a panel from the store: accounts (segment read from segment_field: "plan",
 * "currency", "owner" or an attribute key; NULL or "" puts every account in one segment),
 * subscriptions, people counts, interactions per month, NPS answers, and garden membership of
 * garden_id's accounts (0: any garden; store_garden_accounts). p is owned by the caller and
 * released with eng_garden_panel_release.
 */
enum cxg_err eng_garden_panel_load(struct eng_garden_panel *p, struct store *s,
                                   const char *segment_field, int64_t garden_id,
                                   struct cxg_error *err) CXG_WUR;
void eng_garden_panel_init(struct eng_garden_panel *p);
void eng_garden_panel_release(struct eng_garden_panel *p);
/* Re-read garden membership for garden_id (0: any garden) into p->joined. */
enum cxg_err eng_garden_panel_members(struct eng_garden_panel *p, struct store *s,
                                      int64_t garden_id, struct cxg_error *err) CXG_WUR;
/* Account index of an external id or store id, or -1. */
long eng_garden_panel_find(const struct eng_garden_panel *p, const char *ext);
long eng_garden_panel_find_id(const struct eng_garden_panel *p, int64_t id);

/* 1 when account a was a customer at t (created before, not churned by then). */
int eng_garden_alive(const struct eng_garden_panel *p, size_t a, int64_t t);
/* Plan index at t (the period covering t, else the current plan). */
int eng_garden_plan_at(const struct eng_garden_panel *p, size_t a, int64_t t);
/* MRR at t: the covering period's, 0 once churned, NAN when unknown. */
double eng_garden_mrr_at(const struct eng_garden_panel *p, size_t a, int64_t t);
/*
 * Activity before t: interactions per known stakeholder per month over the three whole months
 * before t's month (fewer when the account is younger); NAN when the account had no whole
 * month yet.
 */
double eng_garden_activity_before(const struct eng_garden_panel *p, size_t a, int64_t t);
/*
 * Engagement bands at t: band[a] in 0..bands-1 by quantiles of eng_garden_activity_before
 * over the accounts alive at t, or `bands` for accounts without a whole month of history
 * (a band of their own). band has p->n entries.
 */
enum cxg_err eng_garden_bands_at(const struct eng_garden_panel *p, int64_t t, int bands,
                                 uint8_t *band) CXG_WUR;

/* Value of a metric for account a over [from, to]; *ok = 0 when it cannot be measured. */
double eng_garden_metric_value(const struct eng_garden_panel *p, size_t a, int metric, int64_t from,
                               int64_t to, int *ok);

/* Impact of a garden. */
struct eng_garden_money {
        char currency[8];
        int64_t members;                /* matched members with MRR in this currency at joining */
        double members_mrr;             /* their MRR at joining */
        struct eng_garden_est retained; /* MRR retained over 180 days thanks to the garden */
};

struct eng_garden_impact {
        int64_t members;             /* accounts that joined */
        int64_t members_observed;    /* joined at least 180 days before the data ends */
        int64_t members_matched;     /* with at least one comparable non-member */
        int64_t comparison_accounts; /* distinct non-members used */
        int bands;
        int follow_days; /* 180 */
        char segment_field[48];
        struct eng_garden_est crude_180;       /* members vs all non-members alive at joining */
        struct eng_garden_est ret_90, ret_180; /* matched, Mantel-Haenszel */
        struct eng_garden_est mrr_change;      /* matched, relative MRR change over 180 days */
        struct eng_garden_est nps;             /* matched, mean NPS answer in the 180 days */
        struct eng_garden_money money[ENG_GARDEN_MAX_CURRENCIES];
        size_t n_money;
};

/*
 * Impact of membership as recorded in p->joined: each member account joined at j is matched
 * to the never-member accounts alive at j with the same segment, plan at j and engagement band
 * at j (bands quantiles, 3 by default); each member with its matches is a stratum. Retention
 * over 90 and 180 days is estimated with eng_garden_mh_diff, MRR change and NPS with
 * eng_garden_strat_mean_diff, MRR retained with eng_garden_mean_est per currency. Members
 * whose 180 days are not yet over at p->end are left out (counted in members only).
 */
enum cxg_err eng_garden_impact(const struct eng_garden_panel *p, int bands,
                               struct eng_garden_impact *out, struct cxg_error *err) CXG_WUR;
/* The impact as JSON (new reference; NULL when out of memory). */

/* Result of an experiment or the rollout report. */
struct eng_garden_experiment {
        int metric;
        int64_t from, to;
        int64_t participants, participants_measured, comparison;
        struct eng_garden_est est; /* participants - comparison, stratified */
};

/*
 * Experiment result: the target metric over [from, to] for the participating accounts
 * (store ids) vs the other accounts alive at `from`, matched on segment, plan and engagement
 * band at `from` (strata of participants and non-participants), as in eng_garden_impact.
 */
enum cxg_err eng_garden_experiment(const struct eng_garden_panel *p, const int64_t *accounts,
                                   size_t n, int metric, int64_t from, int64_t to, int bands,
                                   struct eng_garden_experiment *out,
                                   struct cxg_error *err) CXG_WUR;

/* Rollout report: the metric before and after `at` for the segment vs the rest. */
struct eng_garden_rollout {
        int metric;
        int64_t at;
        int days; /* window on each side */
        struct eng_garden_est seg_before, seg_after, rest_before, rest_after; /* means, v1/se */
        struct eng_garden_est seg_change, rest_change, did; /* after - before; difference */
        int64_t seg_accounts, rest_accounts;
};

/*
 * Compare metric over [at - days, at) with [at, at + days) for the accounts rolled out to
 * (store ids) and for all other accounts alive at `at`; the difference in differences
 * (segment change - rest change) with a normal interval (the four means independent).
 */
enum cxg_err eng_garden_rollout_report(const struct eng_garden_panel *p, const int64_t *accounts,
                                       size_t n, int metric, int64_t at, int days,
                                       struct eng_garden_rollout *out,
                                       struct cxg_error *err) CXG_WUR;

/* Store ids of the accounts in segment "field=value" alive at t (caller frees *ids). */
enum cxg_err eng_garden_segment_accounts(const struct eng_garden_panel *p, struct store *s,
                                         const char *segment, int64_t t, int64_t **ids, size_t *n,
                                         struct cxg_error *err) CXG_WUR;

/* 1 when metric is a share of accounts (retention), measured as a risk difference. */
int eng_garden_metric_binary(int metric);

#endif
