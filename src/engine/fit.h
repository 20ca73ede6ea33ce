/*
 * fit.h: how well the product and each account's plan fit what the account is trying to
 * accomplish. Per account: for each objective, are its needed capabilities available in the
 * product, included in the plan, used in the last 90 days (coverage); under-reach (the plan or
 * the product lacks a need) and over-reach (capabilities paid for and unused, with their share
 * of the plan price). Product level: objectives most often under-reached weighted by the MRR at
 * stake, capabilities paid for and unused by plan. Multi-stakeholder view.
 *
 * Pure functions over plain arrays (columns) the caller owns. A struct eng_fit holds indexes
 * built once from those columns; after eng_fit_init it is read-only, so any number of threads
 * may call eng_fit_account / eng_fit_summary / eng_fit_stakeholders on it at once.
 * Formulas: docs/scoring.md, section "Fit".
 */
#ifndef CXG_ENG_FIT_H
#define CXG_ENG_FIT_H

#include <stddef.h>
#include <stdint.h>

#include "core/err.h"
#include "core/timeconst.h"

/* "None": no plan, no person, or a needed capability the product does not have. */
#define ENG_FIT_NONE UINT32_MAX
/* The default usage window: 90 days. */
#define ENG_FIT_WINDOW_S (90 * CXG_DAY)

/* The columns fit reads; all borrowed, and they must outlive the struct eng_fit. */
struct eng_fit_input {
        /* capabilities 0 .. n_caps - 1 and the plans (0 .. n_plans - 1) including each (CSR) */
        size_t n_caps, n_plans;
        const char *const *cap_names; /* may be NULL */
        const uint32_t *cap_plan_off; /* n_caps + 1 offsets into cap_plans */
        const uint32_t *cap_plans;
        const double *cap_weight; /* price weight of each capability (NULL: all equal) */
        /* accounts */
        size_t n_accounts;
        const uint32_t *acct_plan;  /* plan index or ENG_FIT_NONE */
        const double *acct_mrr;     /* NAN when unknown */
        const uint8_t *acct_active; /* 1 for active accounts (NULL: all); summary counts these */
        /* objectives, each with its needed capabilities (CSR) */
        size_t n_objectives;
        const uint32_t *obj_account;
        const uint32_t *obj_person;   /* ENG_FIT_NONE when held by no one in particular */
        const char *const *obj_title; /* may be NULL (then grouped by objective) */
        const uint8_t *obj_open;      /* 1 when the objective counts (NULL: all) */
        const uint32_t *obj_need_off; /* n_objectives + 1 offsets into obj_needs */
        const uint32_t *obj_needs;    /* capability index, or ENG_FIT_NONE: not in the product */
        const char *const *obj_need_names; /* the capability ids as written (may be NULL) */
        /* capabilities used in the window: a bitset of n_caps bits per account, words of 64 */
        const uint64_t *used;
};

/* Words of 64 bits per account in the usage bitset. */
#define ENG_FIT_WORDS(n_caps) (((n_caps) + 63) / 64)

/*
 * Build the usage bitset (n_accounts * ENG_FIT_WORDS(n_caps) words, zeroed by the caller):
 * interaction i of account ix_account[i] with type ix_type[i] at ix_ts[i] marks every
 * capability of that type (type_cap_off/type_caps, CSR over n_types types) as used when
 * since <= ts <= until. Types or accounts out of range are ignored. Pure; O(n_ix).
 */
void eng_fit_usage_mark(uint64_t *used, size_t n_accounts, size_t n_caps, size_t n_types,
                        const uint32_t *type_cap_off, const uint32_t *type_caps,
                        const uint32_t *ix_account, const uint32_t *ix_type, const int64_t *ix_ts,
                        size_t n_ix, int64_t since, int64_t until);

/* Prepared indexes over an input. */
struct eng_fit {
        struct eng_fit_input in;
        uint8_t *in_plan;       /* n_plans * n_caps: capability c included in plan p */
        uint32_t *plan_cap_off; /* n_plans + 1 */
        uint32_t *plan_caps;    /* capabilities of each plan */
        double *plan_weight;    /* sum of the price weights of each plan's capabilities */
        uint32_t *acct_obj_off; /* n_accounts + 1 */
        uint32_t *acct_objs;    /* objective indices grouped by account, in index order */
};

/*
 * Check the input (indices in range, offsets ascending) and build the indexes. Errors:
 * CXG_ERR_INVALID naming the column and position, CXG_ERR_NOMEM. Release with eng_fit_release.
 */
enum cxg_err eng_fit_init(struct eng_fit *f, const struct eng_fit_input *in,
                          struct cxg_error *err) CXG_WUR;
/* Free the indexes (not the input). */
void eng_fit_release(struct eng_fit *f);

/* One needed capability of one objective. */
struct eng_fit_need {
        uint32_t cap;     /* capability index, ENG_FIT_NONE when the product has none */
        const char *name; /* borrowed from the input names, or NULL */
        uint8_t available, included, used;
};

struct eng_fit_objective {
        uint32_t objective, person;
        size_t need_off, n_needs; /* needs[need_off .. need_off + n_needs) of the result */
        uint32_t n_available, n_included, n_used;
        double coverage;     /* needs available, included and used / needs (1 when none) */
        uint8_t under_reach; /* a need is missing from the plan or the product */
        uint8_t product_gap; /* a need is missing from the product */
        uint8_t plan_gap;    /* a need exists but the plan lacks it */
};

struct eng_fit_over {
        uint32_t cap;
        double price_share; /* MRR * w_c / sum of w over the plan (NAN when MRR unknown) */
        uint8_t needed;     /* some objective of the account needs it (unused all the same) */
};

struct eng_fit_account_result {
        uint32_t account, plan;
        double mrr;
        struct eng_fit_objective *objectives; /* the account's counted objectives */
        size_t n_objectives;
        struct eng_fit_need *needs;
        size_t n_needs;
        struct eng_fit_over *over; /* plan capabilities unused in the window, by price desc */
        size_t n_over;
        uint32_t n_plan_caps, n_plan_caps_used;
        double usage_ratio;    /* n_plan_caps_used / n_plan_caps (NAN without a plan) */
        double over_reach_mrr; /* sum of the price shares of unused capabilities */
        size_t n_under;        /* objectives under-reached */
        double coverage;       /* mean coverage over objectives (NAN when none) */
};

/*
 * Fit of one account. *out owns its arrays (cxg_malloc): free with
 * eng_fit_account_result_release. CXG_ERR_NOTFOUND when account is out of range.
 */
enum cxg_err eng_fit_account(const struct eng_fit *f, uint32_t account,
                             struct eng_fit_account_result *out, struct cxg_error *err) CXG_WUR;
void eng_fit_account_result_release(struct eng_fit_account_result *r);

/* One stakeholder of an account and the objectives they hold. */
struct eng_fit_stakeholder {
        uint32_t person;   /* ENG_FIT_NONE: objectives held by no one in particular */
        int seniority;     /* enum cxg_seniority, -1 for the ENG_FIT_NONE row */
        double engagement; /* as given (NAN when unknown) */
        uint32_t n_objectives, n_under, n_unmet; /* unmet: coverage < 1 */
        double coverage;                         /* mean coverage of their objectives */
};

/*
 * Multi-stakeholder view of an account result: one row per person holding objectives (and
 * one for unassigned objectives), most senior first, then most engaged. seniority[p] and
 * engagement[p] are indexed by person (engagement may be NULL). *out is allocated (cxg_free).
 */
enum cxg_err eng_fit_stakeholders(const struct eng_fit_account_result *r, const uint8_t *seniority,
                                  const double *engagement, size_t n_people,
                                  struct eng_fit_stakeholder **out, size_t *n_out,
                                  struct cxg_error *err) CXG_WUR;

/* An objective title and how often it is under-reached across active accounts. */
struct eng_fit_objective_row {
        const char *title;        /* borrowed from the input (NULL when titles were not given) */
        uint32_t first_objective; /* the earliest objective with this title (its spelling) */
        uint32_t n_objectives, n_under;
        uint32_t n_accounts_under; /* distinct accounts with it under-reached */
        double mrr_at_stake;       /* sum of their MRR */
};

/* A needed capability that blocks objectives (not in the plan or not in the product). */
struct eng_fit_missing_row {
        uint32_t cap;     /* ENG_FIT_NONE when the product lacks it */
        const char *name; /* borrowed */
        uint32_t n_objectives, n_accounts;
        double mrr_at_stake;
};

/* A plan capability and how many accounts on the plan pay for it without using it. */
struct eng_fit_unused_row {
        uint32_t plan, cap;
        uint32_t n_accounts, n_unused;
        double unused_share;    /* n_unused / n_accounts */
        double paid_unused_mrr; /* sum of the price shares over those accounts */
};

struct eng_fit_plan_row {
        uint32_t plan, n_accounts, n_caps;
        double mrr;
        double usage_ratio;     /* mean over accounts of used plan capabilities / plan caps */
        double paid_unused_mrr; /* sum over accounts of over_reach_mrr */
};

struct eng_fit_summary {
        struct eng_fit_objective_row *objectives; /* by mrr_at_stake desc, then n_under */
        size_t n_objectives;
        struct eng_fit_missing_row *missing; /* by mrr_at_stake desc */
        size_t n_missing;
        struct eng_fit_unused_row *unused; /* by plan, then paid_unused_mrr desc */
        size_t n_unused;
        struct eng_fit_plan_row *plans; /* by plan index */
        size_t n_plans;
        uint32_t n_accounts;        /* active accounts considered */
        uint32_t n_accounts_under;  /* with at least one under-reached objective */
        uint32_t n_accounts_over;   /* paying for at least one unused capability */
        double mrr_under, mrr_over; /* their MRR; and the paid-unused MRR in total */
};

/*
 * Product-level summary over active accounts. *out owns its arrays: free with
 * eng_fit_summary_release. Errors: CXG_ERR_NOMEM.
 */
enum cxg_err eng_fit_summary(const struct eng_fit *f, struct eng_fit_summary *out,
                             struct cxg_error *err) CXG_WUR;
void eng_fit_summary_release(struct eng_fit_summary *s);

/* ---- over the engine snapshot (src/engine/fit_snapshot.c) ---- */

struct eng_snapshot;
struct eng_scores;
struct cxg_buf;

struct eng_fit_query {
        int64_t at;         /* as-of time; CXG_TS_NONE: the scores' as-of, else the last data */
        int64_t window_s;   /* usage window ending at `at`; 0: ENG_FIT_WINDOW_S (90 days) */
        int all_objectives; /* 1: achieved and abandoned objectives count too */
        uint32_t account;   /* ENG_FIT_NONE: usage of every account; else only this account's
                               (enough for eng_fit_account_report on it, and cheaper) */
};

/* Defaults: latest data, 90 days, open objectives only, every account. */
void eng_fit_query_init(struct eng_fit_query *q);

/*
 * 1 when an objective with this status still counts as a need: anything but achieved, done,
 * completed, closed, abandoned, cancelled or canceled (any case). NULL counts (open).
 */
int eng_fit_status_open(const char *status);

/* Fit inputs built from a snapshot, and the prepared struct eng_fit over them. */
struct eng_fit_view {
        const struct eng_snapshot *snap; /* borrowed; must outlive the view */
        const struct eng_scores *scores; /* borrowed, may be NULL (no engagement then) */
        struct eng_fit_query q;          /* at resolved */
        int64_t since;                   /* start of the usage window */
        struct eng_fit fit;
        uint32_t *cap_plan_off, *cap_plans, *acct_plan, *obj_needs;
        double *acct_mrr;
        uint8_t *acct_active, *obj_open;
        uint64_t *used;
};

/*
 * Build the fit of snapshot s (finished; r may be NULL) under q (NULL: defaults): plans from
 * the plan dictionary, capabilities with their plans, accounts (churned ones inactive), the
 * objectives with every needed id (ids the product lacks are product gaps) and the capability
 * usage of the window (at - window_s, at] (from r's people when r's
 * scoring window is that window: eng_usage_from_scores). Read-only over s and r; v is owned by the
 * caller, released with eng_fit_view_release. Errors: CXG_ERR_NOMEM, CXG_ERR_LIMIT.
 */
enum cxg_err eng_fit_view_init(struct eng_fit_view *v, const struct eng_snapshot *s,
                               const struct eng_scores *r, const struct eng_fit_query *q,
                               struct cxg_error *err) CXG_WUR;
/* Free what the view holds (not the snapshot). */
void eng_fit_view_release(struct eng_fit_view *v);

/*
 * Capability usage from the scores (the fit and the sweet spot): 1 when r's scoring window is
 * the usage window (at - window_s, at], r's as-of time and window_days, so that the usage of
 * account a is its people's p_capmask OR-ed (eng_usage_of_account); 0 otherwise (the caller
 * reads the account's rows). Every node of a cluster holds every account's people's masks
 * (their owners' published states), not their rows: the single node reads the same masks, so
 * both answer alike by construction (docs/architecture.md, "Scale-out").
 */
int eng_usage_from_scores(const struct eng_snapshot *s, const struct eng_scores *r, int64_t at,
                          int64_t window_s);
uint64_t eng_usage_of_account(const struct eng_snapshot *s, const struct eng_scores *r, uint32_t a);

/* One account's fit with its stakeholder view (person indexes are the snapshot's). */
struct eng_fit_account_report {
        struct eng_fit_account_result fit;
        struct eng_fit_stakeholder *stakeholders;
        size_t n_stakeholders;
};

/*
 * Fit and stakeholders of account a (a snapshot account index); engagement from the view's
 * scores. *out is owned by the caller: eng_fit_account_report_release. Errors:
 * CXG_ERR_NOTFOUND (no such account), CXG_ERR_NOMEM.
 */
enum cxg_err eng_fit_account_report(const struct eng_fit_view *v, uint32_t a,
                                    struct eng_fit_account_report *out,
                                    struct cxg_error *err) CXG_WUR;
void eng_fit_account_report_release(struct eng_fit_account_report *r);

/* An under-reached objective of some account. */
struct eng_fit_under_row {
        uint32_t objective, account; /* snapshot indexes */
        uint8_t plan_gap, product_gap;
        double coverage;
};

/*
 * Every under-reached objective (of active accounts only when active_only), by account then
 * objective. *out is allocated (cxg_free). Errors: CXG_ERR_NOMEM.
 */
enum cxg_err eng_fit_under_list(const struct eng_fit_view *v, int active_only,
                                struct eng_fit_under_row **out, size_t *n_out,
                                struct cxg_error *err) CXG_WUR;

#endif
