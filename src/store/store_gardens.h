/*
 * store_gardens.h: customer gardens in the store: gardens and their members, governed ideas
 * (votes, comments, transitions, approvals), experiments with their participating accounts,
 * rollouts of adopted ideas and the incentive ledger with its points table.
 *
 * Plain data access: the functions read and write rows and keep the data consistent (unique
 * keys, known ids), nothing more. Who may do what, which points an action earns and the audit
 * record are decided by the use-case layer (src/app/gardens*.c), which wraps its writes in
 * store_tx_open/close (store.h) so a refused or failed operation leaves nothing behind.
 *
 * One header for the four sources (gardens.c: users, gardens, members; ideas.c: ideas, votes,
 * comments, approvals, transitions; experiments.c: experiments and rollouts; ledger.c) because
 * their row types are used together by every caller.
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
/* The user with internal id user_id into *out; *found = 0 when there is none. */
enum cxg_err store_garden_actor_by_id(struct store *s, int64_t user_id, struct garden_actor *out,
                                      int *found, struct cxg_error *err) CXG_WUR;
/*
 * who's membership of garden garden_id: *member = 1 when accepted (an external member through
 * who's person, an internal one as user), *mrole its enum garden_member_role (-1: none).
 */
enum cxg_err store_garden_membership(struct store *s, const struct garden_actor *who,
                                     int64_t garden_id, int *member, int *mrole,
                                     struct cxg_error *err) CXG_WUR;
/* Internal ids of the person with external id ext and of its account (account may be NULL). */
enum cxg_err store_garden_person(struct store *s, const char *ext, int64_t *person_id,
                                 int64_t *account_id, struct cxg_error *err) CXG_WUR;
/* The internal account of person person_id; CXG_ERR_NOTFOUND when the person is gone. */
enum cxg_err store_garden_person_account(struct store *s, int64_t person_id, int64_t *account_id,
                                         struct cxg_error *err) CXG_WUR;
/* *yes = 1 when account account_id is owned by (accounts.owner) the user named owner. */
enum cxg_err store_garden_account_owned(struct store *s, int64_t account_id, const char *owner,
                                        int *yes, struct cxg_error *err) CXG_WUR;

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

/*
 * Insert garden g created by the user named by at now; CXG_ERR_CONFLICT when its key or name
 * is taken. *id (may be NULL) receives its id.
 */
enum cxg_err store_garden_create(struct store *s, const struct garden *g, const char *by,
                                 int64_t now, int64_t *id, struct cxg_error *err) CXG_WUR;
/* CXG_ERR_NOTFOUND (field garden) unless a garden with internal id garden_id exists. */
enum cxg_err store_garden_exists(struct store *s, int64_t garden_id, struct cxg_error *err) CXG_WUR;
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

/* The member row of a person (person_id) or user (user_id) in a garden, for the rules. */
struct store_member_ref {
        int64_t id;         /* 0 when the person or user was never a member */
        int status;         /* enum garden_status, -1 when none */
        int64_t invited_by; /* user id, 0 when none */
        int64_t joined_at;  /* CXG_TS_NONE before the first acceptance */
};
enum cxg_err store_garden_member_ref(struct store *s, int64_t garden_id, int64_t person_id,
                                     int64_t user_id, struct store_member_ref *out,
                                     struct cxg_error *err) CXG_WUR;
/*
 * Write member row `row` (0: insert a new one for person_id or user_id) of garden garden_id
 * with role and status (enum garden_member_role, garden_status), invited by user inviter at
 * now; an accepted member has joined now (an earlier joined_at is kept). *id receives the
 * row id.
 */
enum cxg_err store_garden_member_put(struct store *s, int64_t garden_id, int64_t row,
                                     int64_t person_id, int64_t user_id, int role, int status,
                                     int64_t inviter, int64_t now, int64_t *id,
                                     struct cxg_error *err) CXG_WUR;
/*
 * Set the status of member row `row` at now: responded_at (not for left), joined_at (first
 * acceptance), left_at (left).
 */
enum cxg_err store_garden_member_set_status(struct store *s, int64_t row, int status, int64_t now,
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

/* What the rules need of an idea. */
struct store_idea_head {
        int64_t id, garden_id, author_id;
        int state, round, metric; /* enum idea_state, review round, enum garden_metric */
};
/* The head of idea id; CXG_ERR_NOTFOUND (field idea) when none. */
enum cxg_err store_idea_head(struct store *s, int64_t id, struct store_idea_head *out,
                             struct cxg_error *err) CXG_WUR;
/* Insert idea in garden garden_id by user author_id, state proposed. *id may be NULL. */
enum cxg_err store_idea_create(struct store *s, int64_t garden_id, const struct idea *idea,
                               int64_t author_id, int64_t now, int64_t *id,
                               struct cxg_error *err) CXG_WUR;
/* Ideas of a garden (0: of every garden), only those in state (-1: any), in id order. */
enum cxg_err store_idea_list(struct store *s, int64_t garden_id, int state, store_idea_cb cb,
                             void *ctx, struct cxg_error *err) CXG_WUR;
/* One idea; CXG_ERR_NOTFOUND when none. */
enum cxg_err store_idea_get(struct store *s, int64_t id, store_idea_cb cb, void *ctx,
                            struct cxg_error *err) CXG_WUR;
/*
 * Set user_id's vote on idea_id to value (replacing an earlier one). *had = 1 when there was
 * one, its value in *prev.
 */
enum cxg_err store_idea_vote(struct store *s, int64_t idea_id, int64_t user_id, int value,
                             int64_t now, int *had, int *prev, struct cxg_error *err) CXG_WUR;
/* Add user_id's comment body to idea_id. *id may be NULL. */
enum cxg_err store_idea_comment(struct store *s, int64_t idea_id, int64_t user_id, const char *body,
                                int64_t now, int64_t *id, struct cxg_error *err) CXG_WUR;
/*
 * Record user_id's approval of idea_id in review round `round` with its reason; *added = 0
 * when the user had approved in this round already. *count receives the approvals of the round.
 */
enum cxg_err store_idea_approve(struct store *s, int64_t idea_id, int round, int64_t user_id,
                                const char *why, int64_t now, int *added, int *count,
                                struct cxg_error *err) CXG_WUR;
/*
 * What the experiment of idea_id has: *accounts participating accounts, *results 1 when its
 * results are recorded (both 0 when it has none).
 */
enum cxg_err store_idea_experiment_facts(struct store *s, int64_t idea_id, int64_t *accounts,
                                         int *results, struct cxg_error *err) CXG_WUR;
/*
 * Move idea_id from state `from` to `to` by user_id for reason why: the state (a move to
 * under_review opens a new review round) and the transition row.
 */
enum cxg_err store_idea_set_state(struct store *s, int64_t idea_id, int from, int to,
                                  int64_t user_id, const char *why, int64_t now,
                                  struct cxg_error *err) CXG_WUR;

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
 * Write the experiment of idea_id: window, metric (enum garden_metric) and created_by, or the
 * new window and metric of the existing one (*existed = 1). *id receives its id.
 */
enum cxg_err store_experiment_put(struct store *s, int64_t idea_id, int64_t starts_at,
                                  int64_t ends_at, int metric, int64_t by, int64_t now, int64_t *id,
                                  int *existed, struct cxg_error *err) CXG_WUR;
/*
 * Replace the participating accounts of experiment_id by accounts (external ids);
 * CXG_ERR_NOTFOUND (field accounts) for an unknown one.
 */
enum cxg_err store_experiment_set_accounts(struct store *s, int64_t experiment_id,
                                           const char *const *accounts, size_t n,
                                           struct cxg_error *err) CXG_WUR;
/* Add account_id to experiment_id; *added = 0 when it took part already. */
enum cxg_err store_experiment_add_account(struct store *s, int64_t experiment_id,
                                          int64_t account_id, int *added,
                                          struct cxg_error *err) CXG_WUR;
/*
 * Id of the experiment of idea_id (running_only: only a running one); *found = 0 when none.
 */
enum cxg_err store_experiment_id(struct store *s, int64_t idea_id, int running_only, int64_t *id,
                                 int *found, struct cxg_error *err) CXG_WUR;
/* Mark the experiment of idea_id running. */
enum cxg_err store_experiment_start(struct store *s, int64_t idea_id,
                                    struct cxg_error *err) CXG_WUR;
/*
 * Store the result (JSON object text) of experiment_id and mark it finished; CXG_ERR_INVALID
 * (field result) when the text is not JSON.
 */
enum cxg_err store_experiment_record(struct store *s, int64_t experiment_id,
                                     const char *result_json, int64_t now,
                                     struct cxg_error *err) CXG_WUR;
/* The experiment of an idea; CXG_ERR_NOTFOUND when it has none. */
enum cxg_err store_experiment_get(struct store *s, int64_t idea_id, store_experiment_cb cb,
                                  void *ctx, struct cxg_error *err) CXG_WUR;
/* Internal ids of the participating accounts of experiment experiment_id. */
typedef enum cxg_err (*store_id_cb)(void *ctx, int64_t id);
enum cxg_err store_experiment_accounts(struct store *s, int64_t experiment_id, store_id_cb cb,
                                       void *ctx, struct cxg_error *err) CXG_WUR;

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
 * Insert a rollout of idea_id to segment ("field=value") at `at` by user `by`, with its accounts
 * (internal ids). *id may be NULL.
 */
enum cxg_err store_rollout_add(struct store *s, int64_t idea_id, const char *segment, int64_t at,
                               int64_t by, const int64_t *accounts, size_t n_accounts,
                               const char *note, int64_t *id, struct cxg_error *err) CXG_WUR;
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
/* One ledger entry to write; points as decided by the caller. */
struct store_ledger_entry {
        int64_t at;
        int64_t user_id, person_id, garden_id; /* 0 when none */
        const char *team;
        int kind, points;
        const char *cause_type;
        int64_t cause_id; /* 0 when none */
        const char *note; /* may be NULL */
};
/* Append entry e; *id (may be NULL) receives its id. */
enum cxg_err store_ledger_add(struct store *s, const struct store_ledger_entry *e, int64_t *id,
                              struct cxg_error *err) CXG_WUR;
/* The points table: points[k] for each enum ledger_kind (the built-in value when unset). */
enum cxg_err store_ledger_points(struct store *s, int points[LEDGER__COUNT],
                                 struct cxg_error *err) CXG_WUR;
/* Set the points of one kind in the table. Past entries keep their points. */
enum cxg_err store_ledger_points_set(struct store *s, int kind, int points,
                                     struct cxg_error *err) CXG_WUR;

#endif
