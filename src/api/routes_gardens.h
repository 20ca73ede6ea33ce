/*
 * routes_gardens.h: the HTTP routes of customer gardens: staff routes under /api/v1/gardens,
 * /api/v1/ideas and /api/v1/ledger (reads for every staff role; writes checked by the garden
 * rules of the acting user), and the member portal under /api/v1/portal/ (gardens the member
 * belongs to, their ideas, votes and comments; any other garden or idea is 404). Included by
 * api_router.c for the route table.
 */
#ifndef CXG_API_ROUTES_GARDENS_H
#define CXG_API_ROUTES_GARDENS_H

struct api_req;

void api_h_gardens_list(struct api_req *r);
void api_h_garden_create(struct api_req *r);
void api_h_garden_get(struct api_req *r);
void api_h_garden_members_add(struct api_req *r);
void api_h_garden_members_patch(struct api_req *r);
void api_h_garden_ideas(struct api_req *r);
void api_h_garden_idea_create(struct api_req *r);
void api_h_garden_impact(struct api_req *r);
void api_h_garden_suggest(struct api_req *r);
void api_h_idea_get(struct api_req *r);
void api_h_idea_vote(struct api_req *r);
void api_h_idea_comment(struct api_req *r);
void api_h_idea_transition(struct api_req *r);
void api_h_idea_experiment(struct api_req *r);
void api_h_idea_results(struct api_req *r);
void api_h_idea_rollout(struct api_req *r);
void api_h_idea_rollouts(struct api_req *r);
void api_h_ledger_list(struct api_req *r);
void api_h_ledger_board(struct api_req *r);
void api_h_ledger_trend(struct api_req *r);
void api_h_ledger_points(struct api_req *r);
void api_h_ledger_points_put(struct api_req *r);
void api_h_ledger_credit(struct api_req *r);
void api_h_portal_gardens_list(struct api_req *r);
void api_h_portal_garden_get(struct api_req *r);
void api_h_portal_garden_respond(struct api_req *r);
void api_h_portal_garden_ideas(struct api_req *r);
void api_h_portal_garden_idea_create(struct api_req *r);
void api_h_portal_idea_get(struct api_req *r);
void api_h_portal_idea_vote(struct api_req *r);
void api_h_portal_idea_comment(struct api_req *r);
void api_h_portal_idea_transition(struct api_req *r);
void api_h_portal_idea_join(struct api_req *r);
void api_h_portal_ledger(struct api_req *r);

/* The entries of the route table (api_router.c), in matching order. */
#define API_GARDEN_ROUTES                                                                          \
        {"GET", "/api/v1/gardens", api_h_gardens_list, API_G_READ},                                \
            {"POST", "/api/v1/gardens", api_h_garden_create, API_G_READ},                          \
            {"GET", "/api/v1/gardens/{id}", api_h_garden_get, API_G_READ},                         \
            {"POST", "/api/v1/gardens/{id}/members", api_h_garden_members_add, API_G_READ},        \
            {"PATCH", "/api/v1/gardens/{id}/members", api_h_garden_members_patch, API_G_READ},     \
            {"GET", "/api/v1/gardens/{id}/ideas", api_h_garden_ideas, API_G_READ},                 \
            {"POST", "/api/v1/gardens/{id}/ideas", api_h_garden_idea_create, API_G_READ},          \
            {"GET", "/api/v1/gardens/{id}/impact", api_h_garden_impact, API_G_READ},               \
            {"GET", "/api/v1/gardens/{id}/suggestions", api_h_garden_suggest, API_G_READ},         \
            {"GET", "/api/v1/ideas/{id}", api_h_idea_get, API_G_READ},                             \
            {"POST", "/api/v1/ideas/{id}/votes", api_h_idea_vote, API_G_READ},                     \
            {"POST", "/api/v1/ideas/{id}/comments", api_h_idea_comment, API_G_READ},               \
            {"POST", "/api/v1/ideas/{id}/transitions", api_h_idea_transition, API_G_READ},         \
            {"PUT", "/api/v1/ideas/{id}/experiment", api_h_idea_experiment, API_G_READ},           \
            {"POST", "/api/v1/ideas/{id}/experiment/results", api_h_idea_results, API_G_READ},     \
            {"POST", "/api/v1/ideas/{id}/rollouts", api_h_idea_rollout, API_G_READ},               \
            {"GET", "/api/v1/ideas/{id}/rollouts", api_h_idea_rollouts, API_G_READ},               \
            {"GET", "/api/v1/ledger", api_h_ledger_list, API_G_READ},                              \
            {"POST", "/api/v1/ledger", api_h_ledger_credit, API_G_READ},                           \
            {"GET", "/api/v1/ledger/leaderboard", api_h_ledger_board, API_G_READ},                 \
            {"GET", "/api/v1/ledger/trend", api_h_ledger_trend, API_G_READ},                       \
            {"GET", "/api/v1/ledger/points", api_h_ledger_points, API_G_READ},                     \
            {"PUT", "/api/v1/ledger/points", api_h_ledger_points_put, API_G_READ},                 \
            {"GET", "/api/v1/portal/gardens", api_h_portal_gardens_list, API_G_PORTAL},            \
            {"GET", "/api/v1/portal/gardens/{id}", api_h_portal_garden_get, API_G_PORTAL},         \
            {"POST", "/api/v1/portal/gardens/{id}/membership", api_h_portal_garden_respond,        \
             API_G_PORTAL},                                                                        \
            {"GET", "/api/v1/portal/gardens/{id}/ideas", api_h_portal_garden_ideas, API_G_PORTAL}, \
            {"POST", "/api/v1/portal/gardens/{id}/ideas", api_h_portal_garden_idea_create,         \
             API_G_PORTAL},                                                                        \
            {"GET", "/api/v1/portal/ideas/{id}", api_h_portal_idea_get, API_G_PORTAL},             \
            {"POST", "/api/v1/portal/ideas/{id}/votes", api_h_portal_idea_vote, API_G_PORTAL},     \
            {"POST", "/api/v1/portal/ideas/{id}/comments", api_h_portal_idea_comment,              \
             API_G_PORTAL},                                                                        \
            {"POST", "/api/v1/portal/ideas/{id}/transitions", api_h_portal_idea_transition,        \
             API_G_PORTAL},                                                                        \
            {"POST", "/api/v1/portal/ideas/{id}/join", api_h_portal_idea_join, API_G_PORTAL},      \
        {                                                                                          \
                "GET", "/api/v1/portal/ledger", api_h_portal_ledger, API_G_PORTAL                  \
        }

#endif
