/*
 * gardens.h: the operations of customer gardens (docs/gardens.md), one function per user
 * operation, shared by the CLI (src/cli/cmd_gardens*.c, cmd_ideas.c, cmd_ledger.c) and the
 * HTTP API (src/api/routes_gardens.c).
 *
 * Each function checks who may do it (the rules of model/garden.h and the policies below),
 * writes through the store in one transaction (a savepoint inside the caller's), writes its
 * audit record with app_audit (actor: the acting garden user who->name) and the ledger entries
 * the action earns (each audited as "credit ledger"), and commits. A refused or failed
 * operation leaves nothing behind. Errors name the field concerned (err->field), never a flag.
 *
 * Points policy (which action earns which kind, for whom): an idea earns its author `idea`
 * (again on adoption); a first vote and a comment earn `participation` (a comment on a running
 * experiment `feedback`); joining an experiment `participation`; an approval `sponsoring` from a
 * sponsor or board member of the garden, else `enabling`; setting up an experiment and a
 * rollout `enabling`; a customer's first acceptance credits the inviter with `promotion`
 * (nobody promotes themself). The points of each kind come from the ledger's points table.
 */
#ifndef CXG_APP_GARDENS_H
#define CXG_APP_GARDENS_H

#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "app/app.h"
#include "engine/engine.h"
#include "engine/gardens.h"
#include "engine/gardens_suggest.h"
#include "model/garden.h"

/* The default of `[gardens] impact_segment`: experiment results compare accounts of equal
 * currency. "none" in the config means no segment matching. */
#define APP_GARDENS_IMPACT_SEGMENT "currency"
/* Engagement bands experiment results are stratified on. */
#define APP_GARDENS_BANDS 3

/*
 * The segment field experiment results match on: `[gardens] impact_segment` of c->cfg, ""
 * for "none", APP_GARDENS_IMPACT_SEGMENT when not configured. Used by both front ends.
 */
const char *app_gardens_impact_segment(const struct app_ctx *c);

/* Create garden g (staff only). *id (may be NULL) receives its id. */
enum cxg_err app_garden_create(const struct app_ctx *c, const struct garden_actor *who,
                               const struct garden *g, int64_t *id, struct cxg_error *err) CXG_WUR;
/*
 * Add member m to garden garden_id. Staff invite anyone or record them as accepted; an account
 * manager in the garden invites people of the accounts they own; a member invites colleagues
 * of their own account. Internal users are added by staff. *id (may be NULL): the member row.
 */
enum cxg_err app_member_add(const struct app_ctx *c, const struct garden_actor *who,
                            int64_t garden_id, const struct garden_member *m, int64_t *id,
                            struct cxg_error *err) CXG_WUR;
/*
 * Change the status of the member person_ext (or internal user user_name): invited ->
 * accepted or declined, accepted -> left; by the person themself or staff.
 */
enum cxg_err app_member_status(const struct app_ctx *c, const struct garden_actor *who,
                               int64_t garden_id, const char *person_ext, const char *user_name,
                               int status, struct cxg_error *err) CXG_WUR;

/* Create an idea in garden garden_id (staff or an accepted member), state proposed. */
enum cxg_err app_idea_create(const struct app_ctx *c, const struct garden_actor *who,
                             int64_t garden_id, const struct idea *idea, int64_t *id,
                             struct cxg_error *err) CXG_WUR;
/* Vote +1 or -1 on an idea that is not final (staff or an accepted member). */
enum cxg_err app_idea_vote(const struct app_ctx *c, const struct garden_actor *who, int64_t idea_id,
                           int value, struct cxg_error *err) CXG_WUR;
/* Comment on an idea that is not final (staff or an accepted member). *id may be NULL. */
enum cxg_err app_idea_comment(const struct app_ctx *c, const struct garden_actor *who,
                              int64_t idea_id, const char *body, int64_t *id,
                              struct cxg_error *err) CXG_WUR;

/* What app_idea_move did. */
struct app_move_result {
        int moved;     /* 1: the idea is now in the new state */
        int approvals; /* distinct approvers of the current round (moves to approved) */
        int needed;    /* approvers needed */
        int from, to;  /* enum idea_state */
};
/*
 * Move idea idea_id to state `to` for the reason why (field why, required). The rules of
 * model_idea_transition_check apply; a move to approved records who's approval and happens at
 * rules->approvers distinct approvers; running needs an experiment with participating accounts
 * (and starts it); adopted and rejected need recorded results. *res (may be NULL).
 */
enum cxg_err app_idea_move(const struct app_ctx *c, const struct garden_actor *who, int64_t idea_id,
                           int to, const char *why, const struct garden_rules *rules,
                           struct app_move_result *res, struct cxg_error *err) CXG_WUR;

/*
 * Set up (or, while still planned, replace) the experiment of an approved idea: the window
 * [starts_at, ends_at] and the participating accounts (external ids). Staff only.
 */
enum cxg_err app_experiment_set(const struct app_ctx *c, const struct garden_actor *who,
                                int64_t idea_id, int64_t starts_at, int64_t ends_at,
                                const char *const *accounts, size_t n_accounts, int64_t *id,
                                struct cxg_error *err) CXG_WUR;
/*
 * A customer member joins the running experiment of idea_id with their own account.
 * Idempotent: *added (may be NULL) is 0 when the account took part already.
 */
enum cxg_err app_experiment_join(const struct app_ctx *c, const struct garden_actor *who,
                                 int64_t idea_id, int *added, struct cxg_error *err) CXG_WUR;
/*
 * Measure the experiment of running idea idea_id (eng_garden_experiment, matched on
 * app_gardens_impact_segment(c)) and, unless dry_run, record the result (staff only; who may
 * be NULL for a dry run). *out receives the numbers, *view (may be NULL) the result document
 * (view_garden_result) that was stored.
 */
enum cxg_err app_experiment_record(const struct app_ctx *c, const struct garden_actor *who,
                                   int64_t idea_id, int dry_run, struct eng_garden_experiment *out,
                                   json_t **view, struct cxg_error *err) CXG_WUR;
/*
 * Roll adopted idea idea_id out at `at` (CXG_TS_NONE: now) to the accounts of segment
 * ("field=value") alive then. Staff only. *id and *accounts (may be NULL) receive the rollout
 * id and the number of accounts.
 */
enum cxg_err app_rollout_add(const struct app_ctx *c, const struct garden_actor *who,
                             int64_t idea_id, const char *segment, int64_t at, const char *note,
                             int64_t *id, size_t *accounts, struct cxg_error *err) CXG_WUR;

/*
 * Garden impact (eng_garden_impact) of garden key `garden` (NULL: every garden), members
 * matched at joining on segment field `segment` (NULL: app_gardens_impact_segment(c); "": none)
 * and `bands` engagement bands (1..ENG_GARDEN_MAX_BANDS).
 */
enum cxg_err app_garden_impact(const struct app_ctx *c, const char *garden, const char *segment,
                               int bands, struct eng_garden_impact *out,
                               struct cxg_error *err) CXG_WUR;

/* Invitation candidates of a garden (app_garden_suggest). */
struct app_garden_suggestion {
        int topic;         /* the garden's, enum garden_topic */
        char segment[256]; /* the segment the candidates come from ("field=value") */
        int has_segment;
        struct eng_garden_candidate *c; /* best first */
        size_t n;
};
/*
 * The first `limit` candidates to invite to garden key `garden` (eng_garden_suggest on the
 * scores of e, which the caller holds read-locked): accounts outside every garden, of segment
 * `segment` (NULL: the garden's own segment, if any). *out is owned by the caller
 * (app_garden_suggestion_release), also on failure.
 */
enum cxg_err app_garden_suggest(const struct app_ctx *c, const struct eng_engine *e,
                                const char *garden, const char *segment, size_t limit,
                                struct app_garden_suggestion *out, struct cxg_error *err) CXG_WUR;
void app_garden_suggestion_release(struct app_garden_suggestion *s);

/* Days on each side of a rollout its report compares: the default and the range. */
#define APP_ROLLOUT_DAYS 90
#define APP_ROLLOUT_DAYS_MIN 7
#define APP_ROLLOUT_DAYS_MAX 730
/* Longest segment ("field=value") a rollout is made to, bytes. */
#define APP_SEGMENT_MAX 200

/* One rollout of an idea, measured before and after (eng_garden_rollout_report). */
struct app_rollout_item {
        int64_t id;                        /* the rollout */
        char segment[APP_SEGMENT_MAX + 1]; /* "field=value" it was rolled out to */
        struct eng_garden_rollout r;
};
/* The rollout report of one idea: its rollouts in order. */
struct app_rollout_report {
        int64_t idea_id;
        int days;
        struct app_rollout_item *v;
        size_t n, cap;
};
/*
 * The rollout report of idea idea_id: every rollout of it, with its accounts' target metric
 * `days` days (APP_ROLLOUT_DAYS_MIN..MAX) before and after against the other accounts. *out is
 * set up here and owned by the caller (app_rollout_report_release), also on failure. An idea
 * never rolled out gets a report with n == 0; CXG_ERR_NOTFOUND when there is no idea.
 */
enum cxg_err app_idea_rollout_report(const struct app_ctx *c, int64_t idea_id, int days,
                                     struct app_rollout_report *out, struct cxg_error *err) CXG_WUR;
void app_rollout_report_release(struct app_rollout_report *r);

/*
 * Credit a contribution no other action records (a session, an introduction) to user
 * user_name or, when NULL, person person_ext; staff only. cause_type: [a-z_]{1,32}.
 */
enum cxg_err app_ledger_credit(const struct app_ctx *c, const struct garden_actor *who,
                               int64_t garden_id, const char *user_name, const char *person_ext,
                               int kind, const char *cause_type, int64_t cause_id, const char *note,
                               int64_t *id, struct cxg_error *err) CXG_WUR;
/* Set the points of one ledger kind (0-1000); staff only. Past entries keep their points. */
enum cxg_err app_ledger_points_set(const struct app_ctx *c, const struct garden_actor *who,
                                   int kind, int points, struct cxg_error *err) CXG_WUR;

/* What app_gardens_seed_demo created. */
struct app_gardens_seed_summary {
        int64_t gardens, users, internal, members, ideas, votes, comments, experiments, rollouts;
        int64_t ledger_entries;
};
/*
 * Build demo gardens from the generator's account attributes "garden" and "garden_joined_at"
 * (see docs/gardens.md, "Demo gardens"): users, internal and customer members, ideas in every
 * state with votes, comments, approvals, experiments measured on the data and a rollout, all
 * through the operations above in one transaction (each step at its own time). CXG_ERR_CONFLICT
 * when gardens have members already, CXG_ERR_NOTFOUND when no account carries the attributes.
 */
enum cxg_err app_gardens_seed_demo(const struct app_ctx *c, struct app_gardens_seed_summary *sum,
                                   struct cxg_error *err) CXG_WUR;

#endif
