/*
 * test_gardens_store.c: the garden model's state machine and the store's gardens: members and
 * invitations, ideas with votes and comments, governed transitions with approvals, experiments,
 * rollouts, and the ledger entries and audit records every action writes.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <math.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "app/gardens.h"
#include "app/gardens_int.h"
#include "core/alloc.h"
#include "model/garden.h"
#include "store/store_gardens.h"
#include "testdb.h"

#define T0 INT64_C(1735689600) /* 2025-01-01 */

/* The use-case context of a step at time t (actor: the garden user passed to each call). */
static const struct app_ctx *at(struct store *s, int64_t t)
{
        static struct app_ctx c;

        c.st = s;
        c.actor = "test";
        c.token_id = 0;
        c.cfg = NULL;
        c.now = t;
        return &c;
}

/* Store a result document as given (the data layer's JSON check), for the life-cycle tests. */
static enum cxg_err record_raw(struct store *s, const struct garden_actor *who, int64_t idea,
                               const char *text, int64_t t, struct cxg_error *err)
{
        int64_t eid = 0;
        int found = 0;
        enum cxg_err rc = store_experiment_id(s, idea, 0, &eid, &found, err);

        (void)who;
        if (!rc && !found)
                rc = CXG_ERR_NOTFOUND;
        return rc ? rc : store_experiment_record(s, eid, text, t, err);
}

struct fix {
        char path[TESTDB_PATH_MAX];
        struct store *s;
        struct garden_actor ada, ana, sam, bo, mia, max, kim;
        int64_t garden;
};

static int64_t raw_int(struct fix *f, const char *sql)
{
        sqlite3 *db = NULL;
        sqlite3_stmt *st = NULL;
        int64_t v = -1;

        assert_int_equal(sqlite3_open(f->path, &db), SQLITE_OK);
        if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK)
                fail_msg("prepare %s: %s", sql, sqlite3_errmsg(db));
        if (sqlite3_step(st) == SQLITE_ROW)
                v = sqlite3_column_int64(st, 0);
        sqlite3_finalize(st);
        sqlite3_close(db);
        return v;
}

static void ok(enum cxg_err rc, const struct cxg_error *e)
{
        if (rc != CXG_OK)
                fail_msg("unexpected failure %d: %s", rc, e->msg);
}

static void actor(struct fix *f, const char *name, const char *role, const char *person,
                  struct garden_actor *a)
{
        struct cxg_error e;

        cxg_error_clear(&e);
        ok(store_garden_user_ensure(f->s, name, role, person, T0, NULL, &e), &e);
        ok(store_garden_actor(f->s, name, a, &e), &e);
}

static int setup(void **state)
{
        struct fix *f = calloc(1, sizeof(*f));
        struct cxg_error e;
        struct account a;
        struct person p;
        struct garden g;
        struct garden_member m = {0};

        assert_int_equal(testdb_path(f->path, sizeof(f->path), "gardens"), 0);
        unlink(f->path);
        cxg_error_clear(&e);
        ok(store_open(f->path, 0, &f->s, &e), &e);
        const char *accs[] = {"A1", "A2"};
        for (int i = 0; i < 2; i++) {
                model_account_init(&a);
                a.id = accs[i];
                a.name = accs[i];
                a.plan = "Pro";
                ok(store_put_account(f->s, &a, NULL, NULL, &e), &e);
        }
        const char *people[][2] = {{"p1", "A1"}, {"p2", "A1"}, {"p3", "A2"}};
        for (int i = 0; i < 3; i++) {
                model_person_init(&p);
                p.id = people[i][0];
                p.account_id = people[i][1];
                p.role = "Recruiter";
                ok(store_put_person(f->s, &p, NULL, NULL, &e), &e);
        }
        actor(f, "ada", "admin", NULL, &f->ada);
        actor(f, "ana", "analyst", NULL, &f->ana);
        actor(f, "sam", "account_manager", NULL, &f->sam);
        actor(f, "bo", "account_manager", NULL, &f->bo);
        actor(f, "kim", "account_manager", NULL, &f->kim);
        actor(f, "mia", "member", "p1", &f->mia);
        actor(f, "max", "member", "p3", &f->max);

        model_garden_init(&g);
        g.key = "talent";
        g.name = "Talent Leaders Circle";
        g.topic = GARDEN_TOPIC_EXPERIENCE;
        g.owner = "ana";
        ok(app_garden_create(at(f->s, T0), &f->ana, &g, &f->garden, &e), &e);
        /* internal members: sam sponsors, bo sits on the board */
        m.user = "sam";
        m.role = GARDEN_MROLE_SPONSOR;
        m.status = GARDEN_ST_ACCEPTED;
        ok(app_member_add(at(f->s, T0), &f->ana, f->garden, &m, NULL, &e), &e);
        m.user = "bo";
        m.role = GARDEN_MROLE_BOARD;
        ok(app_member_add(at(f->s, T0), &f->ana, f->garden, &m, NULL, &e), &e);
        *state = f;
        return 0;
}

static int teardown(void **state)
{
        struct fix *f = *state;
        char p[TESTDB_PATH_MAX + 16];

        store_close(f->s);
        unlink(f->path);
        snprintf(p, sizeof(p), "%s-wal", f->path);
        unlink(p);
        snprintf(p, sizeof(p), "%s-shm", f->path);
        unlink(p);
        free(f);
        return 0;
}

/* Invite p1 (by ana) and let mia (p1) accept. */
static void join_mia(struct fix *f)
{
        struct garden_member m = {
            .person = "p1", .role = GARDEN_MROLE_CUSTOMER, .status = GARDEN_ST_INVITED};
        struct cxg_error e;

        cxg_error_clear(&e);
        ok(app_member_add(at(f->s, T0 + 10), &f->ana, f->garden, &m, NULL, &e), &e);
        ok(app_member_status(at(f->s, T0 + 20), &f->mia, f->garden, "p1", NULL, GARDEN_ST_ACCEPTED,
                             &e),
           &e);
}

static int64_t new_idea(struct fix *f, const struct garden_actor *who)
{
        struct idea i;
        struct cxg_error e;
        int64_t id = 0;

        model_idea_init(&i);
        i.title = "Quarterly hiring review";
        i.hypothesis = "A quarterly review keeps executives engaged";
        i.target_metric = GARDEN_METRIC_RETENTION_180;
        cxg_error_clear(&e);
        ok(app_idea_create(at(f->s, T0 + 30), who, f->garden, &i, &id, &e), &e);
        return id;
}

/* ---- model ---- */

static void test_transitions_are_owned_by_their_roles(void **state)
{
        struct garden_actor analyst = {.role = GARDEN_UROLE_ANALYST, .name = "ana"};
        struct garden_actor member = {.role = GARDEN_UROLE_MEMBER, .name = "mia"};
        struct garden_actor am = {.role = GARDEN_UROLE_ACCOUNT_MANAGER, .name = "sam"};
        struct idea_relation author = {.is_author = 1, .is_member = 1};
        struct idea_relation none = {0};
        struct idea_relation sponsor = {.is_member = 1, .is_sponsor = 1};
        struct cxg_error e;
        unsigned needs;

        (void)state;
        cxg_error_clear(&e);
        /* the author (even a customer) submits for review; nobody else but staff */
        assert_int_equal(model_idea_transition_check(IDEA_PROPOSED, IDEA_UNDER_REVIEW, &member,
                                                     &author, &needs, &e),
                         CXG_OK);
        assert_int_equal(
            model_idea_transition_check(IDEA_PROPOSED, IDEA_UNDER_REVIEW, &am, &none, &needs, &e),
            CXG_ERR_FORBIDDEN);
        assert_non_null(strstr(e.msg, "the author, an analyst or an admin"));
        /* approval: staff or a sponsor, and it needs the approvers count */
        assert_int_equal(model_idea_transition_check(IDEA_UNDER_REVIEW, IDEA_APPROVED, &am,
                                                     &sponsor, &needs, &e),
                         CXG_OK);
        assert_int_equal(needs, IDEA_NEED_APPROVALS);
        assert_int_equal(model_idea_transition_check(IDEA_UNDER_REVIEW, IDEA_APPROVED, &member,
                                                     &author, &needs, &e),
                         CXG_ERR_FORBIDDEN);
        /* a customer flagged as sponsor still never approves */
        assert_int_equal(model_idea_transition_check(IDEA_UNDER_REVIEW, IDEA_APPROVED, &member,
                                                     &sponsor, &needs, &e),
                         CXG_ERR_FORBIDDEN);
        assert_int_equal(
            model_idea_transition_check(IDEA_APPROVED, IDEA_RUNNING, &analyst, &none, &needs, &e),
            CXG_OK);
        assert_int_equal(needs, IDEA_NEED_EXPERIMENT);
        assert_int_equal(
            model_idea_transition_check(IDEA_APPROVED, IDEA_RUNNING, &am, &sponsor, &needs, &e),
            CXG_ERR_FORBIDDEN);
        assert_int_equal(
            model_idea_transition_check(IDEA_RUNNING, IDEA_REJECTED, &am, &sponsor, &needs, &e),
            CXG_OK);
        assert_int_equal(needs, IDEA_NEED_RESULTS);
        /* no skipping: proposed straight to approved does not exist */
        assert_int_equal(
            model_idea_transition_check(IDEA_PROPOSED, IDEA_APPROVED, &analyst, &none, &needs, &e),
            CXG_ERR_CONFLICT);
        assert_non_null(strstr(e.msg, "cannot move from proposed to approved"));
        /* withdrawal from any non-final state by the author, never from a final one */
        for (int st = IDEA_PROPOSED; st <= IDEA_RUNNING; st++)
                assert_int_equal(
                    model_idea_transition_check(st, IDEA_WITHDRAWN, &member, &author, &needs, &e),
                    CXG_OK);
        assert_int_equal(model_idea_transition_check(IDEA_ADOPTED, IDEA_WITHDRAWN, &analyst,
                                                     &author, &needs, &e),
                         CXG_ERR_CONFLICT);
        assert_non_null(strstr(e.msg, "adopted is final"));
}

static void test_names_parse_back_and_validation_names_fields(void **state)
{
        struct garden g;
        struct idea i;
        struct cxg_error e;

        (void)state;
        for (int k = 0; k < GARDEN_TOPIC__COUNT; k++) {
                const char *n = model_garden_topic_name(k);
                assert_int_equal(model_garden_topic_parse(n, strlen(n)), k);
        }
        for (int k = 0; k < IDEA__COUNT; k++) {
                const char *n = model_idea_state_name(k);
                assert_int_equal(model_idea_state_parse(n, strlen(n)), k);
        }
        assert_int_equal(model_idea_state_parse("Under Review", 12), IDEA_UNDER_REVIEW);
        assert_int_equal(model_garden_topic_parse("long-term-fit", 13), GARDEN_TOPIC_LONG_TERM);
        assert_int_equal(model_ledger_kind_parse("sponsoring", 10), LEDGER_SPONSORING);
        assert_int_equal(model_garden_metric_parse("churn", 5), -1);
        cxg_error_clear(&e);
        model_garden_init(&g);
        g.key = "bad key";
        g.name = "x";
        g.topic = GARDEN_TOPIC_CONTEXT;
        assert_int_equal(model_garden_validate(&g, &e), CXG_ERR_INVALID);
        assert_string_equal(e.field, "key");
        g.key = "ok";
        g.topic = GARDEN_TOPIC_CUSTOM;
        assert_int_equal(model_garden_validate(&g, &e), CXG_ERR_INVALID);
        assert_string_equal(e.field, "topic_custom");
        g.topic_custom = "Hiring in a downturn";
        g.segment = "plan";
        assert_int_equal(model_garden_validate(&g, &e), CXG_ERR_INVALID);
        assert_string_equal(e.field, "segment");
        g.segment = "plan=Premium";
        assert_int_equal(model_garden_validate(&g, &e), CXG_OK);
        model_idea_init(&i);
        i.title = "  ";
        i.target_metric = GARDEN_METRIC_NPS;
        assert_int_equal(model_idea_validate(&i, &e), CXG_ERR_INVALID);
        assert_string_equal(e.field, "title");
}

/* ---- store ---- */

static void test_only_staff_create_gardens_and_keys_are_unique(void **state)
{
        struct fix *f = *state;
        struct garden g;
        struct cxg_error e;

        model_garden_init(&g);
        g.key = "ops";
        g.name = "Recruiting Ops Guild";
        g.topic = GARDEN_TOPIC_DATA_SUPPLY;
        cxg_error_clear(&e);
        assert_int_equal(app_garden_create(at(f->s, T0), &f->mia, &g, NULL, &e), CXG_ERR_FORBIDDEN);
        assert_int_equal(app_garden_create(at(f->s, T0), &f->sam, &g, NULL, &e), CXG_ERR_FORBIDDEN);
        ok(app_garden_create(at(f->s, T0), &f->ada, &g, NULL, &e), &e);
        g.name = "Another name";
        assert_int_equal(app_garden_create(at(f->s, T0), &f->ada, &g, NULL, &e), CXG_ERR_CONFLICT);
        assert_int_equal(raw_int(f, "SELECT count(*) FROM gardens"), 2);
        assert_int_equal(raw_int(f, "SELECT count(*) FROM audit_log WHERE entity = 'gardens' AND "
                                    "action = 'create' AND actor = 'ada'"),
                         1);
}

static void test_accepted_invitation_credits_the_inviter(void **state)
{
        struct fix *f = *state;
        struct garden_member m = {
            .person = "p1", .role = GARDEN_MROLE_CUSTOMER, .status = GARDEN_ST_INVITED};
        struct cxg_error e;
        int status = -9;

        cxg_error_clear(&e);
        ok(app_member_add(at(f->s, T0 + 10), &f->ana, f->garden, &m, NULL, &e), &e);
        /* another customer cannot answer for mia */
        assert_int_equal(app_member_status(at(f->s, T0 + 20), &f->max, f->garden, "p1", NULL,
                                           GARDEN_ST_ACCEPTED, &e),
                         CXG_ERR_FORBIDDEN);
        assert_int_equal(raw_int(f, "SELECT count(*) FROM ledger"), 0);
        ok(app_member_status(at(f->s, T0 + 20), &f->mia, f->garden, "p1", NULL, GARDEN_ST_ACCEPTED,
                             &e),
           &e);
        assert_int_equal(raw_int(f, "SELECT points FROM ledger WHERE kind = 'promotion' AND "
                                    "cause_type = 'invitation' AND user_id = (SELECT id FROM "
                                    "users WHERE name = 'ana')"),
                         10);
        assert_int_equal(raw_int(f, "SELECT joined_at FROM garden_members WHERE person_id = "
                                    "(SELECT id FROM people WHERE ext_id = 'p1')"),
                         T0 + 20);
        ok(store_garden_person_status(f->s, f->garden, f->mia.person_id, &status, &e), &e);
        assert_int_equal(status, GARDEN_ST_ACCEPTED);
        /* already a member: a second invitation is a conflict */
        assert_int_equal(app_member_add(at(f->s, T0), &f->ana, f->garden, &m, NULL, &e),
                         CXG_ERR_CONFLICT);
        /* mia introduces a colleague of her own account, but not someone from A2 */
        m.person = "p2";
        ok(app_member_add(at(f->s, T0 + 30), &f->mia, f->garden, &m, NULL, &e), &e);
        m.person = "p3";
        assert_int_equal(app_member_add(at(f->s, T0), &f->mia, f->garden, &m, NULL, &e),
                         CXG_ERR_FORBIDDEN);
        /* accepted -> invited is not a status change; left is */
        assert_int_equal(app_member_status(at(f->s, T0 + 40), &f->mia, f->garden, "p1", NULL,
                                           GARDEN_ST_DECLINED, &e),
                         CXG_ERR_CONFLICT);
        ok(app_member_status(at(f->s, T0 + 40), &f->mia, f->garden, "p1", NULL, GARDEN_ST_LEFT, &e),
           &e);
        ok(store_garden_person_status(f->s, f->garden, f->max.person_id, &status, &e), &e);
        assert_int_equal(status, -1);
}

static void test_ideas_votes_and_comments_need_membership_and_earn_points(void **state)
{
        struct fix *f = *state;
        struct cxg_error e;
        struct idea i;
        int64_t id;

        join_mia(f);
        model_idea_init(&i);
        i.title = "Idea from outside";
        i.target_metric = GARDEN_METRIC_NPS;
        cxg_error_clear(&e);
        assert_int_equal(app_idea_create(at(f->s, T0), &f->max, f->garden, &i, NULL, &e),
                         CXG_ERR_FORBIDDEN);
        assert_int_equal(app_idea_create(at(f->s, T0), &f->kim, f->garden, &i, NULL, &e),
                         CXG_ERR_FORBIDDEN);
        id = new_idea(f, &f->mia);
        assert_int_equal(raw_int(f, "SELECT points FROM ledger WHERE kind = 'idea' AND team = "
                                    "'external'"),
                         5);
        ok(app_idea_vote(at(f->s, T0 + 40), &f->mia, id, 1, &e), &e);
        ok(app_idea_vote(at(f->s, T0 + 41), &f->mia, id, -1, &e), &e); /* changes, no new points */
        ok(app_idea_vote(at(f->s, T0 + 42), &f->sam, id, 1, &e), &e);
        assert_int_equal(app_idea_vote(at(f->s, T0), &f->max, id, 1, &e), CXG_ERR_FORBIDDEN);
        assert_int_equal(app_idea_vote(at(f->s, T0), &f->mia, id, 2, &e), CXG_ERR_INVALID);
        ok(app_idea_comment(at(f->s, T0 + 50), &f->sam, id, "We tried this in 2023", NULL, &e), &e);
        assert_int_equal(app_idea_comment(at(f->s, T0), &f->mia, id, "   ", NULL, &e),
                         CXG_ERR_INVALID);
        assert_int_equal(raw_int(f, "SELECT count(*) FROM ledger WHERE kind = 'participation'"), 3);
        assert_int_equal(raw_int(f, "SELECT count(*) FROM ledger WHERE cause_type = 'comment' "
                                    "AND team = 'sponsor'"),
                         1);
        assert_int_equal(raw_int(f, "SELECT sum(value) FROM idea_votes"), 0);
        assert_int_equal(raw_int(f, "SELECT count(*) FROM audit_log WHERE action = 'vote'"), 3);
}

struct tally {
        int n;
        int64_t points;
        char last_to[32];
        char last_why[128];
};

static enum cxg_err on_transition(void *ctx, const struct store_transition_row *t)
{
        struct tally *y = ctx;

        y->n++;
        snprintf(y->last_to, sizeof(y->last_to), "%s", model_idea_state_name(t->to));
        snprintf(y->last_why, sizeof(y->last_why), "%s", t->why);
        return CXG_OK;
}

static void test_governed_life_cycle_from_proposal_to_adoption(void **state)
{
        struct fix *f = *state;
        struct garden_rules rules;
        struct app_move_result r;
        struct cxg_error e;
        struct tally y = {0};
        const char *parts[] = {"A1", "A2"};
        int64_t id, ledger_before;

        model_garden_rules_init(&rules);
        join_mia(f);
        id = new_idea(f, &f->mia);
        cxg_error_clear(&e);
        /* a reason is required */
        assert_int_equal(
            app_idea_move(at(f->s, T0), &f->mia, id, IDEA_UNDER_REVIEW, "", &rules, &r, &e),
            CXG_ERR_INVALID);
        ok(app_idea_move(at(f->s, T0 + 100), &f->mia, id, IDEA_UNDER_REVIEW, "ready for review",
                         &rules, &r, &e),
           &e);
        assert_int_equal(r.moved, 1);
        /* the author may not approve; an account manager outside the sponsors neither */
        assert_int_equal(
            app_idea_move(at(f->s, T0), &f->mia, id, IDEA_APPROVED, "I like it", &rules, &r, &e),
            CXG_ERR_FORBIDDEN);
        assert_int_equal(
            app_idea_move(at(f->s, T0), &f->kim, id, IDEA_APPROVED, "ok", &rules, &r, &e),
            CXG_ERR_FORBIDDEN);
        /* two distinct approvers are needed */
        ok(app_idea_move(at(f->s, T0 + 110), &f->sam, id, IDEA_APPROVED, "fits the sponsor goals",
                         &rules, &r, &e),
           &e);
        assert_int_equal(r.moved, 0);
        assert_int_equal(r.approvals, 1);
        assert_int_equal(r.needed, 2);
        assert_int_equal(
            app_idea_move(at(f->s, T0 + 111), &f->sam, id, IDEA_APPROVED, "again", &rules, &r, &e),
            CXG_ERR_CONFLICT);
        assert_int_equal(raw_int(f, "SELECT count(*) FROM idea_approvals"), 1);
        ok(app_idea_move(at(f->s, T0 + 120), &f->ana, id, IDEA_APPROVED, "measurable", &rules, &r,
                         &e),
           &e);
        assert_int_equal(r.moved, 1);
        assert_int_equal(r.approvals, 2);
        assert_int_equal(raw_int(f, "SELECT points FROM ledger WHERE kind = 'sponsoring' AND "
                                    "cause_type = 'approval'"),
                         8);
        assert_int_equal(raw_int(f, "SELECT count(*) FROM ledger WHERE kind = 'enabling' AND "
                                    "cause_type = 'approval' AND team = 'staff'"),
                         1);
        /* running needs an experiment; a refused move writes nothing at all */
        ledger_before = raw_int(f, "SELECT count(*) FROM ledger");
        assert_int_equal(
            app_idea_move(at(f->s, T0), &f->ana, id, IDEA_RUNNING, "go", &rules, &r, &e),
            CXG_ERR_CONFLICT);
        assert_non_null(strstr(e.msg, "no experiment"));
        assert_int_equal(raw_int(f, "SELECT count(*) FROM ledger"), ledger_before);
        assert_int_equal(
            app_experiment_set(at(f->s, T0), &f->sam, id, T0, T0 + 86400 * 90, parts, 2, NULL, &e),
            CXG_ERR_FORBIDDEN);
        ok(app_experiment_set(at(f->s, T0 + 130), &f->ana, id, T0 + 200, T0 + 200 + 86400 * 90,
                              parts, 2, NULL, &e),
           &e);
        ok(app_idea_move(at(f->s, T0 + 140), &f->ana, id, IDEA_RUNNING, "experiment set up", &rules,
                         &r, &e),
           &e);
        assert_int_equal(raw_int(f, "SELECT count(*) FROM experiments WHERE status = 'running'"),
                         1);
        /* a comment on a running experiment is feedback */
        ok(app_idea_comment(at(f->s, T0 + 150), &f->mia, id, "our hiring managers love it", NULL,
                            &e),
           &e);
        assert_int_equal(raw_int(f, "SELECT points FROM ledger WHERE kind = 'feedback'"), 2);
        /* concluding needs results */
        assert_int_equal(
            app_idea_move(at(f->s, T0), &f->bo, id, IDEA_ADOPTED, "works", &rules, &r, &e),
            CXG_ERR_CONFLICT);
        assert_int_equal(record_raw(f->s, &f->ana, id, "not json", T0, &e), CXG_ERR_INVALID);
        ok(record_raw(f->s, &f->ana, id, "{\"diff\": 0.12}", T0 + 160, &e), &e);
        ok(app_idea_move(at(f->s, T0 + 170), &f->bo, id, IDEA_ADOPTED, "retention up 12 points",
                         &rules, &r, &e),
           &e);
        /* final: nothing moves it any more, votes and comments are closed */
        assert_int_equal(
            app_idea_move(at(f->s, T0), &f->ana, id, IDEA_WITHDRAWN, "oops", &rules, &r, &e),
            CXG_ERR_CONFLICT);
        assert_int_equal(app_idea_vote(at(f->s, T0), &f->mia, id, 1, &e), CXG_ERR_CONFLICT);
        /* the author is credited again for the adoption */
        assert_int_equal(raw_int(f, "SELECT sum(points) FROM ledger WHERE kind = 'idea' AND "
                                    "user_id = (SELECT id FROM users WHERE name = 'mia')"),
                         10);
        ok(store_idea_transitions(f->s, id, on_transition, &y, &e), &e);
        assert_int_equal(y.n, 4);
        assert_string_equal(y.last_to, "adopted");
        assert_string_equal(y.last_why, "retention up 12 points");
        assert_int_equal(raw_int(f, "SELECT count(*) FROM audit_log WHERE action = 'transition' "
                                    "AND entity = 'ideas'"),
                         4);
        assert_int_equal(raw_int(f, "SELECT count(*) FROM audit_log WHERE action = 'transition' "
                                    "AND actor = 'bo' AND summary LIKE '%retention up 12%'"),
                         1);
        /* adopted: it can be rolled out */
        {
                int64_t acc[1] = {1};
                int64_t rid = 0;

                ok(app_rollout_write(at(f->s, T0 + 200), &f->ana, id, "plan=Pro", T0 + 200, acc, 1,
                                     NULL, &rid, &e),
                   &e);
                assert_true(rid > 0);
                assert_int_equal(raw_int(f, "SELECT count(*) FROM rollout_accounts"), 1);
        }
}

static void test_sent_back_idea_needs_fresh_approvals(void **state)
{
        struct fix *f = *state;
        struct garden_rules rules = {.approvers = 2};
        struct app_move_result r;
        struct cxg_error e;
        int64_t id = new_idea(f, &f->ana);

        cxg_error_clear(&e);
        ok(app_idea_move(at(f->s, T0), &f->ana, id, IDEA_UNDER_REVIEW, "review", &rules, &r, &e),
           &e);
        ok(app_idea_move(at(f->s, T0), &f->sam, id, IDEA_APPROVED, "yes", &rules, &r, &e), &e);
        ok(app_idea_move(at(f->s, T0), &f->ana, id, IDEA_PROPOSED, "needs a metric", &rules, &r,
                         &e),
           &e);
        ok(app_idea_move(at(f->s, T0), &f->ana, id, IDEA_UNDER_REVIEW, "second round", &rules, &r,
                         &e),
           &e);
        /* sam's approval belonged to the first round */
        ok(app_idea_move(at(f->s, T0), &f->ana, id, IDEA_APPROVED, "yes", &rules, &r, &e), &e);
        assert_int_equal(r.moved, 0);
        assert_int_equal(r.approvals, 1);
        rules.approvers = 1;
        ok(app_idea_move(at(f->s, T0), &f->sam, id, IDEA_APPROVED, "yes again", &rules, &r, &e),
           &e);
        assert_int_equal(r.moved, 1);
}

static void test_points_table_is_configurable_and_manual_credits_are_staff_only(void **state)
{
        struct fix *f = *state;
        struct cxg_error e;
        int pts[LEDGER__COUNT];

        cxg_error_clear(&e);
        ok(store_ledger_points(f->s, pts, &e), &e);
        assert_int_equal(pts[LEDGER_PROMOTION], 10);
        assert_int_equal(pts[LEDGER_PARTICIPATION], 1);
        assert_int_equal(app_ledger_points_set(at(f->s, T0), &f->mia, LEDGER_IDEA, 50, &e),
                         CXG_ERR_FORBIDDEN);
        ok(app_ledger_points_set(at(f->s, T0), &f->ana, LEDGER_IDEA, 7, &e), &e);
        new_idea(f, &f->ana);
        assert_int_equal(raw_int(f, "SELECT points FROM ledger WHERE kind = 'idea'"), 7);
        assert_int_equal(raw_int(f, "SELECT count(*) FROM audit_log WHERE entity = "
                                    "'ledger_points' AND summary LIKE '%\"before\":5%'"),
                         1);
        assert_int_equal(app_ledger_credit(at(f->s, T0), &f->sam, f->garden, NULL, "p3",
                                           LEDGER_PROMOTION, "introduction", 0, NULL, NULL, &e),
                         CXG_ERR_FORBIDDEN);
        ok(app_ledger_credit(at(f->s, T0), &f->ana, f->garden, NULL, "p3", LEDGER_PROMOTION,
                             "introduction", 0, "introduced their CFO", NULL, &e),
           &e);
        ok(app_ledger_credit(at(f->s, T0), &f->ana, f->garden, "bo", NULL, LEDGER_SPONSORING,
                             "session", 0, "hosted the Q3 session", NULL, &e),
           &e);
        assert_int_equal(raw_int(f, "SELECT count(*) FROM ledger WHERE team = 'board' AND kind = "
                                    "'sponsoring' AND points = 8"),
                         1);
        assert_int_equal(app_ledger_credit(at(f->s, T0), &f->ana, f->garden, "bo", NULL,
                                           LEDGER_IDEA, "Bad Cause", 0, NULL, NULL, &e),
                         CXG_ERR_INVALID);
        /* the ledger is append-only */
        assert_int_equal(raw_int(f, "SELECT count(*) FROM ledger"), 3);
        {
                sqlite3 *db = NULL;

                assert_int_equal(sqlite3_open(f->path, &db), SQLITE_OK);
                assert_int_not_equal(sqlite3_exec(db, "DELETE FROM ledger", NULL, NULL, NULL),
                                     SQLITE_OK);
                sqlite3_close(db);
        }
        assert_int_equal(raw_int(f, "SELECT count(*) FROM ledger"), 3);
}

static void test_writes_inside_a_callers_transaction_roll_back_with_it(void **state)
{
        struct fix *f = *state;
        struct cxg_error e;
        struct idea i;

        model_idea_init(&i);
        i.title = "inside";
        i.target_metric = GARDEN_METRIC_ACTIVITY;
        cxg_error_clear(&e);
        ok(store_begin(f->s, &e), &e);
        ok(app_idea_create(at(f->s, T0), &f->ana, f->garden, &i, NULL, &e), &e);
        store_rollback(f->s);
        assert_int_equal(raw_int(f, "SELECT count(*) FROM ideas"), 0);
        assert_int_equal(raw_int(f, "SELECT count(*) FROM ledger"), 0);
}

static void test_out_of_memory_leaves_no_half_written_idea(void **state)
{
        struct fix *f = *state;
        struct cxg_error e;
        struct idea i;
        int failures = 0;

        model_idea_init(&i);
        i.title = "oom";
        i.target_metric = GARDEN_METRIC_ACTIVITY;
        for (unsigned long k = 1; k < 400; k++) {
                enum cxg_err rc;

                cxg_error_clear(&e);
                cxg_alloc_fail_at(k);
                rc = app_idea_create(at(f->s, T0), &f->ana, f->garden, &i, NULL, &e);
                cxg_alloc_fail_at(0);
                if (rc) {
                        failures++;
                        continue;
                }
                break;
        }
        assert_true(failures > 0);
        /* every failed attempt left nothing; the one that succeeded wrote one idea, one credit */
        assert_int_equal(raw_int(f, "SELECT count(*) FROM ideas"), 1);
        assert_int_equal(raw_int(f, "SELECT count(*) FROM ledger"), 1);
        assert_int_equal(raw_int(f, "SELECT count(*) FROM audit_log WHERE entity = 'ideas'"), 1);
}

/* A member joins a running experiment with their account: once, audited, credited once. */
static void test_member_joins_a_running_experiment_once(void **state)
{
        struct fix *f = *state;
        struct garden_rules rules;
        struct app_move_result r;
        struct cxg_error e;
        const char *parts[] = {"A2"};
        int64_t id, ledger_before, audit_before;
        int added = -1, yes = -1;

        model_garden_rules_init(&rules);
        join_mia(f);
        id = new_idea(f, &f->mia);
        cxg_error_clear(&e);
        ok(app_ledger_points_set(at(f->s, T0), &f->ana, LEDGER_PARTICIPATION, 3, &e), &e);
        ok(app_idea_move(at(f->s, T0 + 100), &f->mia, id, IDEA_UNDER_REVIEW, "ready", &rules, &r,
                         &e),
           &e);
        ok(app_idea_move(at(f->s, T0 + 110), &f->sam, id, IDEA_APPROVED, "fits", &rules, &r, &e),
           &e);
        ok(app_idea_move(at(f->s, T0 + 120), &f->ana, id, IDEA_APPROVED, "ok", &rules, &r, &e), &e);
        ok(app_experiment_set(at(f->s, T0 + 130), &f->ana, id, T0 + 200, T0 + 200 + 86400 * 90,
                              parts, 1, NULL, &e),
           &e);
        /* approved, not running yet: refused, nothing written */
        ledger_before = raw_int(f, "SELECT count(*) FROM ledger");
        audit_before = raw_int(f, "SELECT count(*) FROM audit_log");
        assert_int_equal(app_experiment_join(at(f->s, T0 + 135), &f->mia, id, &added, &e),
                         CXG_ERR_CONFLICT);
        assert_string_equal(e.field, "state");
        assert_non_null(strstr(e.msg, "only a running experiment can be joined"));
        assert_int_equal(added, 0);
        assert_int_equal(raw_int(f, "SELECT count(*) FROM experiment_accounts"), 1);
        assert_int_equal(raw_int(f, "SELECT count(*) FROM ledger"), ledger_before);
        assert_int_equal(raw_int(f, "SELECT count(*) FROM audit_log"), audit_before);
        ok(app_idea_move(at(f->s, T0 + 140), &f->ana, id, IDEA_RUNNING, "go", &rules, &r, &e), &e);
        ok(store_experiment_participates(f->s, id, f->mia.person_id, &yes, &e), &e);
        assert_int_equal(yes, 0);
        /* max (p3, account A2) is in no garden; staff have no account to add */
        assert_int_equal(app_experiment_join(at(f->s, T0 + 145), &f->max, id, NULL, &e),
                         CXG_ERR_FORBIDDEN);
        assert_int_equal(app_experiment_join(at(f->s, T0 + 145), &f->ana, id, NULL, &e),
                         CXG_ERR_FORBIDDEN);
        assert_int_equal(app_experiment_join(at(f->s, T0 + 145), &f->mia, 999999, NULL, &e),
                         CXG_ERR_NOTFOUND);
        ledger_before = raw_int(f, "SELECT count(*) FROM ledger");
        ok(app_experiment_join(at(f->s, T0 + 150), &f->mia, id, &added, &e), &e);
        assert_int_equal(added, 1);
        /* mia's account A1 now takes part next to A2 */
        assert_int_equal(raw_int(f, "SELECT count(*) FROM experiment_accounts ea JOIN accounts a "
                                    "ON a.id = ea.account_id WHERE a.ext_id IN ('A1', 'A2')"),
                         2);
        ok(store_experiment_participates(f->s, id, f->mia.person_id, &yes, &e), &e);
        assert_int_equal(yes, 1);
        assert_int_equal(raw_int(f, "SELECT count(*) FROM ledger"), ledger_before + 1);
        assert_int_equal(raw_int(f, "SELECT points FROM ledger WHERE kind = 'participation' AND "
                                    "cause_type = 'experiment' AND team = 'external' AND "
                                    "user_id = (SELECT id FROM users WHERE name = 'mia') AND "
                                    "cause_id = (SELECT id FROM experiments)"),
                         3);
        assert_int_equal(raw_int(f, "SELECT count(*) FROM audit_log WHERE action = 'join' AND "
                                    "entity = 'experiments' AND actor = 'mia' AND summary LIKE "
                                    "'%account_id%'"),
                         1);
        /* again: no duplicate, no second credit, no second audit record */
        ok(app_experiment_join(at(f->s, T0 + 160), &f->mia, id, &added, &e), &e);
        assert_int_equal(added, 0);
        assert_int_equal(raw_int(f, "SELECT count(*) FROM experiment_accounts"), 2);
        assert_int_equal(raw_int(f, "SELECT count(*) FROM ledger"), ledger_before + 1);
        assert_int_equal(raw_int(f, "SELECT count(*) FROM audit_log WHERE action = 'join'"), 1);
        /* finished: closed again */
        ok(record_raw(f->s, &f->ana, id, "{\"diff\": 0.1}", T0 + 170, &e), &e);
        ok(app_idea_move(at(f->s, T0 + 180), &f->bo, id, IDEA_ADOPTED, "works", &rules, &r, &e),
           &e);
        assert_int_equal(app_experiment_join(at(f->s, T0 + 190), &f->mia, id, NULL, &e),
                         CXG_ERR_CONFLICT);
}

int main(void)
{
        const struct CMUnitTest tests[] = {
            cmocka_unit_test(test_transitions_are_owned_by_their_roles),
            cmocka_unit_test(test_names_parse_back_and_validation_names_fields),
            cmocka_unit_test_setup_teardown(test_only_staff_create_gardens_and_keys_are_unique,
                                            setup, teardown),
            cmocka_unit_test_setup_teardown(test_accepted_invitation_credits_the_inviter, setup,
                                            teardown),
            cmocka_unit_test_setup_teardown(
                test_ideas_votes_and_comments_need_membership_and_earn_points, setup, teardown),
            cmocka_unit_test_setup_teardown(test_governed_life_cycle_from_proposal_to_adoption,
                                            setup, teardown),
            cmocka_unit_test_setup_teardown(test_sent_back_idea_needs_fresh_approvals, setup,
                                            teardown),
            cmocka_unit_test_setup_teardown(
                test_points_table_is_configurable_and_manual_credits_are_staff_only, setup,
                teardown),
            cmocka_unit_test_setup_teardown(
                test_writes_inside_a_callers_transaction_roll_back_with_it, setup, teardown),
            cmocka_unit_test_setup_teardown(test_out_of_memory_leaves_no_half_written_idea, setup,
                                            teardown),
            cmocka_unit_test_setup_teardown(test_member_joins_a_running_experiment_once, setup,
                                            teardown),
        };

        /* jansson allocates through the wrapper, as in the cxgarden binary (cli/main.c) */
        json_set_alloc_funcs(cxg_malloc, cxg_free);
        return cmocka_run_group_tests(tests, NULL, NULL);
}
