/*
 * garden.h: customer gardens as plain structs: the garden (topic, goal, owner, dates), its
 * members (external customer people with an invitation status, internal users with a role),
 * ideas with their governed life cycle, experiments, rollouts and the incentive ledger.
 *
 * The idea state machine lives here (model_idea_transition_check) so that the store, the CLI
 * and the API apply one set of rules: which states follow which, and which roles own each
 * transition. Preconditions that need stored data (enough distinct approvers, an experiment,
 * recorded results) are named by the rule and checked by app/gardens*.c in the same transaction
 * as the write. Strings are borrowed, as in model.h.
 */
#ifndef CXG_MODEL_GARDEN_H
#define CXG_MODEL_GARDEN_H

#include <stddef.h>
#include <stdint.h>

#include "core/err.h"

/* What a garden is about (the seeds' topics), or a custom topic named by the garden. */
enum garden_topic {
        GARDEN_TOPIC_EXPERIENCE,   /* experience / customer journey */
        GARDEN_TOPIC_CONTEXT,      /* the customer's context */
        GARDEN_TOPIC_PURPOSE,      /* deep purpose */
        GARDEN_TOPIC_SUCCESS,      /* customer success contribution */
        GARDEN_TOPIC_COST_REVENUE, /* cost and revenue optimization */
        GARDEN_TOPIC_ADAPTATION,   /* adaptation mode */
        GARDEN_TOPIC_DATA_SUPPLY,  /* operative data supply */
        GARDEN_TOPIC_LONG_TERM,    /* long-term fit */
        GARDEN_TOPIC_ROBUSTNESS,   /* robustness */
        GARDEN_TOPIC_CUSTOM,       /* named by garden.topic_custom */
        GARDEN_TOPIC__COUNT
};

/* The roles of the users table (issue 4), as the garden rules see them. */
enum garden_user_role {
        GARDEN_UROLE_ADMIN,
        GARDEN_UROLE_ANALYST,
        GARDEN_UROLE_ACCOUNT_MANAGER,
        GARDEN_UROLE_MEMBER, /* an external customer person */
        GARDEN_UROLE__COUNT
};

/* The role of a member inside one garden. */
enum garden_member_role {
        GARDEN_MROLE_CUSTOMER,     /* external: a customer person */
        GARDEN_MROLE_ACCOUNT_TEAM, /* internal: the account team */
        GARDEN_MROLE_PRODUCT,      /* internal: product */
        GARDEN_MROLE_SPONSOR,      /* internal: a sponsor (approves ideas) */
        GARDEN_MROLE_BOARD,        /* internal: a board sponsor (approves ideas) */
        GARDEN_MROLE__COUNT
};

/* Invitation status of a member (internal members are "accepted" from the start). */
enum garden_status {
        GARDEN_ST_INVITED,
        GARDEN_ST_ACCEPTED,
        GARDEN_ST_DECLINED,
        GARDEN_ST_LEFT,
        GARDEN_ST__COUNT
};

/* Idea states. Adopted and rejected are the two ways of "concluded"; the three are final. */
enum idea_state {
        IDEA_PROPOSED,
        IDEA_UNDER_REVIEW,
        IDEA_APPROVED,
        IDEA_RUNNING,
        IDEA_ADOPTED,
        IDEA_REJECTED,
        IDEA_WITHDRAWN,
        IDEA__COUNT
};

/* Target metrics an idea can name; experiments and rollouts measure them. */
enum garden_metric {
        GARDEN_METRIC_RETENTION_90,  /* share of accounts still customers 90 days later */
        GARDEN_METRIC_RETENTION_180, /* the same over 180 days */
        GARDEN_METRIC_MRR_CHANGE,    /* relative MRR change over 90 days */
        GARDEN_METRIC_NPS,           /* mean NPS answer (0-10) in the window */
        GARDEN_METRIC_ACTIVITY,      /* interactions per account per 30 days in the window */
        GARDEN_METRIC__COUNT
};

/* Kinds of contribution in the incentive ledger. */
enum ledger_kind {
        LEDGER_PROMOTION,     /* brought someone in: an accepted invitation, an introduction */
        LEDGER_ENABLING,      /* made it possible: set up an experiment, a rollout, a review */
        LEDGER_SPONSORING,    /* a sponsor's or board member's approval, a sponsored session */
        LEDGER_PARTICIPATION, /* voted, commented, took part in an experiment */
        LEDGER_IDEA,          /* submitted an idea; its adoption */
        LEDGER_FEEDBACK,      /* commented on a running experiment */
        LEDGER__COUNT
};

struct garden {
        const char *key; /* external id, a short slug ("talent-leaders"); required */
        const char *name;
        int topic;                /* enum garden_topic */
        const char *topic_custom; /* required when topic is custom, else NULL */
        const char *goal;
        const char *owner;   /* user name of the owning staff member */
        const char *segment; /* target segment "field=value" (e.g. "plan=Premium"), or NULL */
        int64_t starts_at, ends_at; /* CXG_TS_NONE when open */
};

/* A member: exactly one of person (external) or user (internal) is set. */
struct garden_member {
        const char *person; /* external person id */
        const char *user;   /* internal user name */
        int role;           /* enum garden_member_role */
        int status;         /* enum garden_status */
};

struct idea {
        const char *title; /* required */
        const char *description;
        const char *hypothesis;
        int target_metric; /* enum garden_metric */
};

/* Who acts, as far as the rules care. */
struct garden_actor {
        int64_t user_id;
        char name[128];
        int role;          /* enum garden_user_role */
        int64_t person_id; /* internal person id of a member user, 0 otherwise */
};

/* The actor's relation to one idea and its garden. */
struct idea_relation {
        int is_author;  /* wrote the idea */
        int is_member;  /* accepted member (external or internal) of the idea's garden */
        int is_sponsor; /* internal member with role sponsor or board */
};

/* What a transition still needs from stored data before it may happen. */
enum idea_need {
        IDEA_NEED_NONE = 0,
        IDEA_NEED_APPROVALS = 1,  /* the configured number of distinct approvers */
        IDEA_NEED_EXPERIMENT = 2, /* an experiment with participating accounts */
        IDEA_NEED_RESULTS = 4,    /* the experiment's results recorded */
};

/* Rules that are configurable ([gardens] section). */
struct garden_rules {
        int approvers; /* distinct approvers needed, [gardens] approvers = 2 (1-10) */
};

/* Canonical names ("experience", ...); "" for out-of-range values. */
const char *model_garden_topic_name(int topic);
/* Topic from its name (any case, '-' or ' ' for '_'), or -1. */
int model_garden_topic_parse(const char *s, size_t n);
/* A readable label ("experience / customer journey"). */
const char *model_garden_topic_label(int topic);
/* "admin", "analyst", "account_manager", "member". */
const char *model_garden_urole_name(int role);
int model_garden_urole_parse(const char *s, size_t n);
/* "customer", "account_team", "product", "sponsor", "board". */
const char *model_garden_mrole_name(int role);
int model_garden_mrole_parse(const char *s, size_t n);
/* "invited", "accepted", "declined", "left". */
const char *model_garden_status_name(int status);
int model_garden_status_parse(const char *s, size_t n);
/* "proposed", "under_review", "approved", "running", "adopted", "rejected", "withdrawn". */
const char *model_idea_state_name(int state);
int model_idea_state_parse(const char *s, size_t n);
/* "retention_90d", "retention_180d", "mrr_change", "nps", "activity". */
const char *model_garden_metric_name(int metric);
int model_garden_metric_parse(const char *s, size_t n);
/* 1 when a higher value of the metric is better (all of them at present). */
int model_garden_metric_higher_better(int metric);
/* "promotion", "enabling", "sponsoring", "participation", "idea", "feedback". */
const char *model_ledger_kind_name(int kind);
int model_ledger_kind_parse(const char *s, size_t n);
/* Built-in points per ledger kind (docs/gardens.md, "Incentive ledger"). */
int model_ledger_default_points(int kind);

/* 1 for adopted, rejected and withdrawn. */
int model_idea_state_final(int state);
/* 1 for staff roles (admin, analyst): they manage gardens, members and experiments. */
int model_garden_can_manage(int role);

/*
 * The ledger team of a user with user role urole (enum garden_user_role) and member role mrole
 * in a garden (-1: not a member): "external" for customer members, the internal member role
 * (account_team, product, sponsor, board), else "staff".
 */
const char *model_garden_team(int urole, int mrole);

/* Default rules: two approvers. */
void model_garden_rules_init(struct garden_rules *r);

/*
 * May actor (with relation rel to the idea) move an idea from `from` to `to`? Returns CXG_OK
 * and sets *needs (enum idea_need bits) to what the store must still verify; CXG_ERR_CONFLICT
 * when no such transition exists ("idea: cannot move from adopted to running: adopted is
 * final"), CXG_ERR_FORBIDDEN when it exists but the actor's role does not own it (the message
 * names the roles that do). The transitions and their owners:
 *   proposed -> under_review      the author, analyst, admin
 *   under_review -> proposed      analyst, admin (sent back for rework)
 *   under_review -> approved      analyst, admin, a garden sponsor/board member; each call
 *                                 records one approval, the move happens at the configured count
 *   approved -> running           analyst, admin; needs an experiment
 *   running -> adopted | rejected analyst, admin, a garden sponsor/board member; needs results
 *   any non-final -> withdrawn    the author, analyst, admin
 */
enum cxg_err model_idea_transition_check(int from, int to, const struct garden_actor *actor,
                                         const struct idea_relation *rel, unsigned *needs,
                                         struct cxg_error *err) CXG_WUR;

/* Fill with absent values (NULL, CXG_TS_NONE, -1). */
void model_garden_init(struct garden *g);
void model_idea_init(struct idea *i);

/*
 * Validation, as for the entities of model.h: CXG_OK or CXG_ERR_INVALID with err->field naming
 * the field. A garden key is 1-64 characters of [A-Za-z0-9._-]; a segment is "field=value".
 */
enum cxg_err model_garden_validate(const struct garden *g, struct cxg_error *err) CXG_WUR;
enum cxg_err model_garden_member_validate(const struct garden_member *m,
                                          struct cxg_error *err) CXG_WUR;
enum cxg_err model_idea_validate(const struct idea *i, struct cxg_error *err) CXG_WUR;

#endif
