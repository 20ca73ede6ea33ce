/*
 * model.h: the canonical entities of cxgarden as plain structs, their enumerations and
 * validation. Strings are borrowed (owned by the caller: a parsed row, an arena); a NULL
 * string, NAN number, CXG_TS_NONE timestamp or -1 integer means "absent" (NULL in the store).
 * Entities refer to each other by external id (the user's key); the store maps them to
 * internal integer ids.
 */
#ifndef CXG_MODEL_H
#define CXG_MODEL_H

#include <stddef.h>
#include <stdint.h>

#include "core/err.h"
#include "core/parse.h"

enum cxg_channel {
        CXG_CH_WEB,
        CXG_CH_APP,
        CXG_CH_EMAIL,
        CXG_CH_PHONE,
        CXG_CH_CHAT,
        CXG_CH_SUPPORT,
        CXG_CH_MEETING,
        CXG_CH_COMMUNITY,
        CXG_CH_EVENT,
        CXG_CH_OTHER,
        CXG_CH__COUNT
};

/* Ordered: a larger value is more senior. */
enum cxg_seniority {
        CXG_SEN_UNKNOWN,
        CXG_SEN_INDIVIDUAL,
        CXG_SEN_MANAGER,
        CXG_SEN_DIRECTOR,
        CXG_SEN_EXECUTIVE,
        CXG_SEN__COUNT
};

enum cxg_outcome { CXG_OUT_NONE, CXG_OUT_OK, CXG_OUT_FAILED, CXG_OUT_ABANDONED, CXG_OUT__COUNT };

enum cxg_fb_kind { CXG_FB_NPS, CXG_FB_CSAT, CXG_FB_CES, CXG_FB_RATING, CXG_FB__COUNT };

struct account {
        const char *id; /* external key, required */
        const char *name;
        const char *plan;
        double mrr;           /* >= 0, NAN when absent */
        const char *currency; /* ISO 4217 code, three letters */
        int64_t created_at;
        int64_t churned_at;     /* CXG_TS_NONE while active */
        int churned;            /* -1 unknown, 0/1: from a churned=<bool> column */
        const char *owner;      /* internal user name */
        const char *attributes; /* JSON object text of extra columns, or NULL */
};

struct person {
        const char *id;
        const char *account_id; /* external account key, required */
        const char *name;
        const char *email;
        const char *role; /* free text job title */
        int seniority;    /* enum cxg_seniority; -1: derive from role */
        int64_t created_at;
        int64_t left_at;
        const char *attributes;
};

struct subscription {
        const char *account_id;
        const char *plan;
        double mrr;
        int64_t started_at; /* required; with account_id the natural key */
        int64_t ended_at;
};

struct interaction {
        const char *id;         /* optional external id; when given re-imports update */
        const char *person_id;  /* external person key */
        const char *account_id; /* derived from the person when NULL */
        int64_t ts;
        int channel;         /* enum cxg_channel */
        const char *type;    /* free text, interned by the store */
        int64_t duration_ms; /* -1 when absent */
        int outcome;         /* enum cxg_outcome */
        double value;        /* NAN when absent */
        const char *attributes;
};

struct feedback {
        const char *id;
        const char *person_id;
        const char *account_id; /* derived from the person when NULL */
        int64_t ts;
        int kind; /* enum cxg_fb_kind */
        double score;
        const char *comment;
        const char *topic;
        int channel; /* enum cxg_channel, or -1 */
};

struct objective {
        const char *id;
        const char *account_id;
        const char *person_id; /* optional stakeholder */
        const char *title;
        int importance;            /* 1-5 */
        const char *status;        /* free text, default "open" */
        const char **capabilities; /* capability ids */
        size_t n_capabilities;
};

struct capability {
        const char *id;
        const char *name;
        const char **plans; /* plans that include it */
        size_t n_plans;
        const char **interaction_types; /* interaction types that count as using it */
        size_t n_interaction_types;
};

/* Canonical lower-case name ("web", ...) of a channel; "other" for out-of-range values. */
const char *model_channel_name(int channel);
/* Channel from its name (any case), or -1. */
int model_channel_parse(const char *s, size_t n);
/* "executive", "director", "manager", "individual", "unknown". */
const char *model_seniority_name(int seniority);
/* Seniority from its canonical name (any case), or -1. */
int model_seniority_parse(const char *s, size_t n);
/*
 * Seniority derived from a job title: CEO/CFO/CTO/COO/Chief/President/Founder/Owner/VP ->
 * executive, Director/Head of -> director, Manager/Lead/Supervisor -> manager, any other
 * non-empty title -> individual, empty -> unknown.
 */
enum cxg_seniority model_seniority_from_title(const char *title, size_t n);
/* "ok", "failed", "abandoned", or "" for none. */
const char *model_outcome_name(int outcome);
/* Outcome from its name (any case; "success" and "error" accepted), or -1. */
int model_outcome_parse(const char *s, size_t n);
/* "nps", "csat", "ces", "rating". */
const char *model_fb_kind_name(int kind);
/* Feedback kind from its name (any case), or -1. */
int model_fb_kind_parse(const char *s, size_t n);
/* Valid score range of a feedback kind: nps 0-10, csat 1-5, ces 1-7, rating 1-5. */
void model_fb_kind_range(int kind, int *min, int *max);

/*
 * Validation: each returns CXG_OK or CXG_ERR_INVALID with err->field naming the canonical
 * field and err->msg saying what is wrong in words a user can act on.
 */
enum cxg_err model_account_validate(const struct account *a, struct cxg_error *err) CXG_WUR;
enum cxg_err model_person_validate(const struct person *p, struct cxg_error *err) CXG_WUR;
enum cxg_err model_subscription_validate(const struct subscription *s,
                                         struct cxg_error *err) CXG_WUR;
enum cxg_err model_interaction_validate(const struct interaction *i, struct cxg_error *err) CXG_WUR;
enum cxg_err model_feedback_validate(const struct feedback *f, struct cxg_error *err) CXG_WUR;
enum cxg_err model_objective_validate(const struct objective *o, struct cxg_error *err) CXG_WUR;
enum cxg_err model_capability_validate(const struct capability *c, struct cxg_error *err) CXG_WUR;

/* Fill each struct with "absent" values (NULL, NAN, CXG_TS_NONE, -1) before parsing. */
void model_account_init(struct account *a);
void model_person_init(struct person *p);
void model_subscription_init(struct subscription *s);
void model_interaction_init(struct interaction *i);
void model_feedback_init(struct feedback *f);
void model_objective_init(struct objective *o);
void model_capability_init(struct capability *c);

#endif
