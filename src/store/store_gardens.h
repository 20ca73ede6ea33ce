/*
 * store_gardens.h: customer gardens in the store: gardens and their members, governed ideas
 * (votes, comments, transitions, approvals), experiments with their participating accounts,
 * rollouts of adopted ideas and the incentive ledger with its points table.
 *
 * Every write is one transaction (a savepoint when the caller has one open), checks the
 * rules of model/garden.h for the acting user, and writes in the same transaction its audit
 * record (audit_log: actor, action, entity, id, JSON summary) and the ledger entries the
 * action earns (linked to their cause). A refused write leaves nothing behind.
 *
 * Reads call back once per row; strings in a row are valid only during the call. Internal ids
 * are int64 (gardens are also found by their key, see store_garden_find).
 */
#ifndef CXG_STORE_GARDENS_H
#define CXG_STORE_GARDENS_H

#include <stddef.h>
#include <stdint.h>

#include "core/err.h"
#include "model/garden.h"
#include "store/store.h"

/*
 * Load the acting user `name` from the users table into *out (role, internal person id for
 * members). CXG_ERR_NOTFOUND ("unknown user \"x\"") when there is none, CXG_ERR_FORBIDDEN when
 * the user is disabled.
 */
enum cxg_err store_garden_actor(struct store *s, const char *name, struct garden_actor *out,
                                struct cxg_error *err) CXG_WUR;

/*
 * Make sure a user `name` with role (admin, analyst, account_manager, member) exists, for
 * demo seeding and tests: an existing user is left as it is, a new one is created without a
 * password (it cannot log in until one is set with `cxgarden user`). person_ext (members
 * only, may be NULL) names the customer person. *created (may be NULL) is 1 when inserted.
 */
enum cxg_err store_garden_user_ensure(struct store *s, const char *name, const char *role,
                                      const char *person_ext, int64_t now, int *created,
                                      struct cxg_error *err) CXG_WUR;

/* A garden as read back. */
struct store_garden_row {
        int64_t id;
        struct garden g;
        int64_t created_at;
        const char *created_by;
        int64_t members;  /* accepted members, external and internal */
        int64_t invited;  /* open invitations */
        int64_t accounts; /* distinct accounts with an accepted external member */
        int64_t ideas;
};
typedef enum cxg_err (*store_garden_cb)(void *ctx, const struct store_garden_row *g);

/* Create garden g (staff only: admin, analyst). *id (may be NULL) receives its id. */
enum cxg_err store_garden_create(struct store *s, const struct garden_actor *who,
                                 const struct garden *g, int64_t now, int64_t *id,
                                 struct cxg_error *err) CXG_WUR;
/* Every garden, in id order. */
enum cxg_err store_garden_list(struct store *s, store_garden_cb cb, void *ctx,
                               struct cxg_error *err) CXG_WUR;
/* The garden whose key (or, failing that, name) is key; CXG_ERR_NOTFOUND when none. */
enum cxg_err store_garden_find(struct store *s, const char *key, store_garden_cb cb, void *ctx,
                               struct cxg_error *err) CXG_WUR;
/* Internal id of the garden with this key or name; CXG_ERR_NOTFOUND when none. */
enum cxg_err store_garden_id(struct store *s, const char *key, int64_t *id,
                             struct cxg_error *err) CXG_WUR;

/* A member as read back. Exactly one of person_id and user_id is non-zero. */
struct store_member_row {
        int64_t id, garden_id;
        int64_t person_id;       /* internal, 0 for internal members */
        const char *person;      /* external id, NULL for internal members */
        const char *person_name; /* may be NULL */
        int64_t account_id;      /* the person's account (internal), 0 for internal members */
        const char *account;     /* its external id */
        int64_t user_id;         /* 0 for external members */
        const char *user;        /* user name, NULL for external members */
        int role, status;        /* enum garden_member_role, enum garden_status */
        const char *invited_by;  /* user name, or NULL */
        int64_t invited_at, responded_at, joined_at, left_at; /* CXG_TS_NONE when absent */
};
typedef enum cxg_err (*store_member_cb)(void *ctx, const struct store_member_row *m);

/*
 * Add member m to garden garden_id. External people are invited (status invited) by staff or
 * by an accepted customer member introducing a colleague of their own account; staff may
 * record them as accepted at once (joined_at = now, and the inviter is credited with
 * promotion). A declined or departed person is invited again. Internal users (role
 * account_team, product, sponsor, board) are added by staff as accepted. CXG_ERR_CONFLICT when
 * the person or user is already an invited or accepted member. *id (may be NULL) receives the
 * member row id.
 */
enum cxg_err store_garden_member_add(struct store *s, const struct garden_actor *who,
                                     int64_t garden_id, const struct garden_member *m, int64_t now,
                                     int64_t *id, struct cxg_error *err) CXG_WUR;
/*
 * Change the status of the member who is person person_ext (or, when person_ext is NULL, the
 * internal user user_name): invited -> accepted or declined, accepted -> left. The person
 * themself (their member user) or staff may do it. The first acceptance credits the inviter
 * with promotion points.
 */
enum cxg_err store_garden_member_status(struct store *s, const struct garden_actor *who,
                                        int64_t garden_id, const char *person_ext,
                                        const char *user_name, int status, int64_t now,
                                        struct cxg_error *err) CXG_WUR;
/* Members of a garden in id order. */
enum cxg_err store_garden_members(struct store *s, int64_t garden_id, store_member_cb cb, void *ctx,
                                  struct cxg_error *err) CXG_WUR;
/*
 * Status of person_id (internal) in the garden: *status is an enum garden_status, or -1 when
 * the person was never invited. Used by the member portal to decide what a member may see.
 */
enum cxg_err store_garden_person_status(struct store *s, int64_t garden_id, int64_t person_id,
                                        int *status, struct cxg_error *err) CXG_WUR;

/* One account's garden membership: the earliest acceptance of one of its people. */
typedef enum cxg_err (*store_garden_account_cb)(void *ctx, int64_t garden_id,
                                                const char *garden_key, int64_t account_id,
                                                int64_t joined_at);
/* Every (garden, account) with an accepted (or since departed) external member, for impact. */
enum cxg_err store_garden_accounts(struct store *s, store_garden_account_cb cb, void *ctx,
                                   struct cxg_error *err) CXG_WUR;

/* An idea as read back, with its tallies. */
struct store_idea_row {
        int64_t id, garden_id;
        const char *garden_key;
        struct idea idea;
        int state; /* enum idea_state */
        int64_t author_id;
        const char *author;    /* user name */
        int64_t author_person; /* internal person id of a member author, else 0 */
        int review_round;      /* times the idea entered review */
        int64_t created_at, updated_at;
        int64_t votes_up, votes_down, comments;
        int64_t approvals; /* distinct approvers in the current review round */
};
typedef enum cxg_err (*store_idea_cb)(void *ctx, const struct store_idea_row *i);

/*
 * Create an idea in garden garden_id, authored by who (staff or an accepted member of the
 * garden), in state proposed. The author is credited with idea points. *id (may be NULL)
 * receives its id.
 */
enum cxg_err store_idea_create(struct store *s, const struct garden_actor *who, int64_t garden_id,
                               const struct idea *idea, int64_t now, int64_t *id,
                               struct cxg_error *err) CXG_WUR;
/* Ideas of a garden (0: of every garden), only those in state (-1: any), in id order. */
enum cxg_err store_idea_list(struct store *s, int64_t garden_id, int state, store_idea_cb cb,
                             void *ctx, struct cxg_error *err) CXG_WUR;
/* One idea; CXG_ERR_NOTFOUND when none. */
enum cxg_err store_idea_get(struct store *s, int64_t id, store_idea_cb cb, void *ctx,
                            struct cxg_error *err) CXG_WUR;
/*
 * Vote value (+1 or -1) on an idea that is not final, by staff or an accepted member of its
 * garden. A second vote by the same user replaces the first; only the first earns
 * participation points.
 */
enum cxg_err store_idea_vote(struct store *s, const struct garden_actor *who, int64_t idea_id,
                             int value, int64_t now, struct cxg_error *err) CXG_WUR;
/*
 * Comment on an idea (not final) by staff or an accepted member of its garden; credits
 * participation points, or feedback points while the idea's experiment is running. *id may be
 * NULL.
 */
enum cxg_err store_idea_comment(struct store *s, const struct garden_actor *who, int64_t idea_id,
                                const char *body, int64_t now, int64_t *id,
                                struct cxg_error *err) CXG_WUR;

/* What store_idea_move did. */
struct store_move_result {
        int moved;     /* 1: the idea is now in the new state */
        int approvals; /* distinct approvers of the current round (moves to approved) */
        int needed;    /* approvers needed */
        int from, to;  /* enum idea_state */
};

/*
 * Move idea idea_id to state `to`, as who, for the reason why (required, recorded with the
 * transition and in the audit log). The rules of model_idea_transition_check apply; in
 * addition a move to approved records who's approval (one per user and review round; sponsor
 * and board approvals credit sponsoring points, staff reviews enabling points) and happens
 * only when rules->approvers distinct users have approved; running needs an experiment with
 * participating accounts; adopted and rejected need recorded results. An adopted idea earns
 * its author idea points again. *res (may be NULL) says what happened.
 */
enum cxg_err store_idea_move(struct store *s, const struct garden_actor *who, int64_t idea_id,
                             int to, const char *why, const struct garden_rules *rules, int64_t now,
                             struct store_move_result *res, struct cxg_error *err) CXG_WUR;

/* One recorded transition. */
struct store_transition_row {
        int64_t id, idea_id;
        int from, to;
        const char *user;
        const char *why;
        int64_t at;
};
typedef enum cxg_err (*store_transition_cb)(void *ctx, const struct store_transition_row *t);
/* Transitions of an idea in order. */
enum cxg_err store_idea_transitions(struct store *s, int64_t idea_id, store_transition_cb cb,
                                    void *ctx, struct cxg_error *err) CXG_WUR;

/* One comment or vote. */
struct store_comment_row {
        int64_t id, idea_id;
        int64_t user_id;
        const char *user;
        const char *body; /* NULL for votes */
        int value;        /* +1/-1 for votes, 0 for comments */
        int64_t at;
};
typedef enum cxg_err (*store_comment_cb)(void *ctx, const struct store_comment_row *c);
/* Comments of an idea in order. */
enum cxg_err store_idea_comments(struct store *s, int64_t idea_id, store_comment_cb cb, void *ctx,
                                 struct cxg_error *err) CXG_WUR;
/* Votes on an idea in order of user id. */
enum cxg_err store_idea_votes(struct store *s, int64_t idea_id, store_comment_cb cb, void *ctx,
                              struct cxg_error *err) CXG_WUR;

/* An experiment as read back. */
struct store_experiment_row {
        int64_t id, idea_id;
        int64_t starts_at, ends_at;
        const char *status; /* planned, running, finished */
        int metric;         /* enum garden_metric */
        const char *result; /* JSON object text, or NULL before results */
        int64_t result_at;  /* CXG_TS_NONE before results */
        int64_t accounts;   /* participating accounts */
};
typedef enum cxg_err (*store_experiment_cb)(void *ctx, const struct store_experiment_row *e);

/*
 * Set up (or, while still planned, replace) the experiment of an approved idea: the window
 * [starts_at, ends_at] and the participating accounts (external ids, at least one), measured
 * on the idea's target metric. Staff only; credits who with enabling points once. *id may be
 * NULL.
 */
enum cxg_err store_experiment_set(struct store *s, const struct garden_actor *who, int64_t idea_id,
                                  int64_t starts_at, int64_t ends_at, const char *const *accounts,
                                  size_t n_accounts, int64_t now, int64_t *id,
                                  struct cxg_error *err) CXG_WUR;
/*
 * Record the results (JSON object text from eng_garden_experiment_json) of the running idea's
 * experiment. Staff only.
 */
enum cxg_err store_experiment_record(struct store *s, const struct garden_actor *who,
                                     int64_t idea_id, const char *result_json, int64_t now,
                                     struct cxg_error *err) CXG_WUR;
/* The experiment of an idea; CXG_ERR_NOTFOUND when it has none. */
enum cxg_err store_experiment_get(struct store *s, int64_t idea_id, store_experiment_cb cb,
                                  void *ctx, struct cxg_error *err) CXG_WUR;
/* Internal ids of the participating accounts of experiment experiment_id. */
typedef enum cxg_err (*store_id_cb)(void *ctx, int64_t id);
enum cxg_err store_experiment_accounts(struct store *s, int64_t experiment_id, store_id_cb cb,
                                       void *ctx, struct cxg_error *err) CXG_WUR;

/*
 * Member who joins the running experiment of idea idea_id with their own account: the account
 * of who's person is added to the participating accounts, audited (action join) and who is
 * credited with participation points (cause: the experiment). who must be a member user whose
 * person is an accepted member of the idea's garden (else CXG_ERR_FORBIDDEN); the idea must be
 * running with a running experiment (else CXG_ERR_CONFLICT). Idempotent: when the account takes
 * part already nothing is written and *added (may be NULL) is 0; 1 when it was added now.
 */
enum cxg_err store_experiment_join(struct store *s, const struct garden_actor *who, int64_t idea_id,
                                   int64_t now, int *added, struct cxg_error *err) CXG_WUR;
/*
 * *yes = 1 when the account of person person_id (internal; 0 gives 0) is among the
 * participating accounts of idea idea_id's experiment, else 0 (also when it has none).
 */
enum cxg_err store_experiment_participates(struct store *s, int64_t idea_id, int64_t person_id,
                                           int *yes, struct cxg_error *err) CXG_WUR;

/* A rollout as read back. */
struct store_rollout_row {
        int64_t id, idea_id;
        const char *segment; /* "field=value" */
        int64_t at;
        const char *by; /* user name */
        const char *note;
        int64_t accounts; /* accounts it was rolled out to */
};
typedef enum cxg_err (*store_rollout_cb)(void *ctx, const struct store_rollout_row *r);
/*
 * Record that adopted idea idea_id was rolled out at `at` to the accounts of segment
 * ("field=value"), given as internal ids (the caller resolves the segment on its snapshot).
 * Staff only; credits who with enabling points. *id may be NULL.
 */
enum cxg_err store_rollout_add(struct store *s, const struct garden_actor *who, int64_t idea_id,
                               const char *segment, int64_t at, const int64_t *accounts,
                               size_t n_accounts, const char *note, int64_t now, int64_t *id,
                               struct cxg_error *err) CXG_WUR;
/* Rollouts of an idea (0: of every idea) in order. */
enum cxg_err store_rollout_list(struct store *s, int64_t idea_id, store_rollout_cb cb, void *ctx,
                                struct cxg_error *err) CXG_WUR;
/* Internal ids of the accounts of rollout rollout_id. */
enum cxg_err store_rollout_accounts(struct store *s, int64_t rollout_id, store_id_cb cb, void *ctx,
                                    struct cxg_error *err) CXG_WUR;

/* One ledger entry as read back. */
struct store_ledger_row {
        int64_t id, at;
        int64_t user_id;    /* 0 when credited to a person without a user */
        const char *user;   /* user name, or NULL */
        int64_t person_id;  /* internal, 0 when none */
        const char *person; /* external id, or NULL */
        const char *team;   /* external, account_team, product, sponsor, board, staff */
        int64_t garden_id;  /* 0 when none */
        const char *garden; /* key, or NULL */
        int kind;           /* enum ledger_kind */
        int points;
        const char *cause_type; /* idea, vote, comment, invitation, approval, transition,
                                   experiment, rollout, session, introduction, ... */
        int64_t cause_id;       /* 0 when none */
        const char *note;
};
typedef enum cxg_err (*store_ledger_cb)(void *ctx, const struct store_ledger_row *l);
/* Ledger entries of a garden (0: all), oldest first. */
enum cxg_err store_ledger_scan(struct store *s, int64_t garden_id, store_ledger_cb cb, void *ctx,
                               struct cxg_error *err) CXG_WUR;
/*
 * Credit a contribution that no other action records (a session held, an introduction made)
 * to the user named user_name or, when it is NULL, to the person person_ext. Staff only.
 * cause_type is a short word ([a-z_]{1,32}); cause_id may be 0. Points come from the table.
 */
enum cxg_err store_ledger_credit(struct store *s, const struct garden_actor *who, int64_t garden_id,
                                 const char *user_name, const char *person_ext, int kind,
                                 const char *cause_type, int64_t cause_id, const char *note,
                                 int64_t now, int64_t *id, struct cxg_error *err) CXG_WUR;
/* The points table: points[k] for each enum ledger_kind. */
enum cxg_err store_ledger_points(struct store *s, int points[LEDGER__COUNT],
                                 struct cxg_error *err) CXG_WUR;
/* Set the points of one kind (0-1000); staff only, audited. Past entries keep their points. */
enum cxg_err store_ledger_points_set(struct store *s, const struct garden_actor *who, int kind,
                                     int points, int64_t now, struct cxg_error *err) CXG_WUR;

#endif
