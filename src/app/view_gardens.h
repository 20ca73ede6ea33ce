/*
 * view_gardens.h: JSON views of gardens, members, ideas, transitions, comments, experiments,
 * rollouts, ledger entries, leaderboards and trends, shared by the CLI (--json) and the HTTP
 * API. Each returns a new jansson value owned by the caller (json_decref), or NULL when out of
 * memory.
 *
 * Views for the member portal (viewer != NULL) show nothing of another customer: other
 * customers appear as "a member", their votes only as tallies.
 */
#ifndef CXG_APP_VIEW_GARDENS_H
#define CXG_APP_VIEW_GARDENS_H

#include <jansson.h>

#include "app/gardens.h"
#include "engine/gardens.h"
#include "engine/gardens_ledger.h"
#include "engine/gardens_suggest.h"
#include "store/store_gardens.h"

/* Who looks at a portal view: the member user's id and internal person id. */
struct view_garden_viewer {
        int64_t user_id;
        int64_t person_id;
};

/* Date-time text of a timestamp, or JSON null when absent. */
json_t *view_garden_time(int64_t t);

json_t *view_garden(const struct store_garden_row *g);
/* A member, for staff (the portal lists only internal members and the viewer). */
json_t *view_garden_member(const struct store_member_row *m);
json_t *view_garden_idea(const struct store_idea_row *i, const struct view_garden_viewer *v);
json_t *view_garden_transition(const struct store_transition_row *t);
json_t *view_garden_comment(const struct store_comment_row *c, const struct view_garden_viewer *v);
json_t *view_garden_experiment(const struct store_experiment_row *e);
json_t *view_garden_rollout_row(const struct store_rollout_row *r);
json_t *view_garden_ledger(const struct store_ledger_row *l);
/* The first limit rows (0: all) of a leaderboard. */
json_t *view_garden_board(const struct eng_garden_board *b, int by, size_t limit);
json_t *view_garden_trend(const struct eng_garden_trend *t);

/* An estimate as {"diff", "se", "ci95", v1_name, v0_name, n1_name, n0_name, "strata"} (names may be
 * NULL). */
json_t *view_garden_est(const struct eng_garden_est *e, const char *v1_name, const char *v0_name,
                        const char *n1_name, const char *n0_name);
/* Garden impact (eng_garden_impact). */
json_t *view_garden_impact(const struct eng_garden_impact *im);
/*
 * An experiment result (eng_garden_experiment): the document app_experiment_record stores and
 * both front ends show.
 */
json_t *view_garden_result(const struct eng_garden_experiment *x);
/* A rollout report (eng_garden_rollout_report). */
json_t *view_garden_rollout_report(const struct eng_garden_rollout *r);
/*
 * The rollout report of an idea (app_idea_rollout_report) as both front ends show it:
 * {"rollouts": [view_garden_rollout_report + "id" and "segment_spec", ...]}.
 */
json_t *view_garden_rollouts(const struct app_rollout_report *rep);
/* Invitation candidates (eng_garden_candidates). */
json_t *view_garden_candidates(const struct eng_scores *r, const struct eng_garden_candidate *c,
                               size_t n, int topic);
/* A suggestion (app_garden_suggest) as {"topic", "candidates": view_garden_candidates}. */
json_t *view_garden_suggestion(const struct eng_scores *r, const struct app_garden_suggestion *s);
/* Garden impact of garden key `garden` (NULL: "all"): view_garden_impact + "garden". */
json_t *view_garden_impact_of(const struct eng_garden_impact *im, const char *garden);

/*
 * The whole document of idea id, as both front ends show it: the idea (view_garden_idea),
 * "transitions", "comment_list", for staff (v NULL) "vote_list" and "rollouts", for the portal
 * (v set) "my_vote" and "participating" (and no names of who moved it), and "experiment" when
 * it has one. *out receives it (owned by the caller); CXG_ERR_NOTFOUND when there is no idea.
 */
enum cxg_err view_garden_idea_detail(struct store *st, int64_t id,
                                     const struct view_garden_viewer *v, json_t **out,
                                     struct cxg_error *err) CXG_WUR;

#endif
