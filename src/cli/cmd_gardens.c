/*
 * cmd_gardens.c: `cxgarden gardens ...`, `cxgarden ideas ...` and `cxgarden ledger ...`:
 * customer gardens, their governed ideas and experiments, and the incentive ledger, from the
 * command line. Writes name the acting user with --as USER (a row of the users table); the
 * store applies the same rules as the API. Engine-backed subcommands (suggest, impact,
 * seed-demo, experiment results, rollout reports) are in cmd_gardens_eng.c.
 */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cli/cli.h"
#include "cli/cmd_gardens.h"
#include "core/alloc.h"
#include "core/banned.h"
#include "core/config.h"
#include "core/parse.h"
#include "engine/gardens_json.h"
#include "engine/gardens_ledger.h"
#include "store/store_gardens.h"

/* ---- shared helpers (declared in cmd_gardens.h) ---- */

int gcli_parse(const char *cmd, int argc, char **argv, int start, struct gcli_opt *o, size_t no,
               const char **pos, size_t maxpos, size_t *npos)
{
        *npos = 0;
        for (int i = start; i < argc; i++) {
                const char *a = argv[i];
                size_t k;

                if (a[0] != '-' || a[1] != '-' || !a[2]) {
                        if (*npos >= maxpos) {
                                cli_errorf("%s: unexpected argument '%s'", cmd, a);
                                return CLI_USAGE;
                        }
                        pos[(*npos)++] = a;
                        continue;
                }
                for (k = 0; k < no; k++) {
                        size_t n = strlen(o[k].name);

                        if (strncmp(a + 2, o[k].name, n) != 0 || (a[2 + n] && a[2 + n] != '='))
                                continue;
                        if (!o[k].arg) {
                                if (a[2 + n]) {
                                        cli_errorf("%s: --%s takes no value", cmd, o[k].name);
                                        return CLI_USAGE;
                                }
                                o[k].val = "1";
                        } else if (a[2 + n] == '=') {
                                o[k].val = a + 3 + n;
                        } else if (i + 1 < argc) {
                                o[k].val = argv[++i];
                        } else {
                                cli_errorf("%s: --%s needs a value", cmd, o[k].name);
                                return CLI_USAGE;
                        }
                        break;
                }
                if (k == no) {
                        cli_errorf("%s: unknown option '%s'", cmd, a);
                        return CLI_USAGE;
                }
        }
        return CLI_OK;
}

const char *gcli_val(const struct gcli_opt *o, size_t no, const char *name)
{
        for (size_t k = 0; k < no; k++)
                if (strcmp(o[k].name, name) == 0)
                        return o[k].val;
        return NULL;
}

int gcli_open(struct cli *c, const char *cmd, int writable, struct store **st)
{
        struct cxg_error err;

        cxg_error_clear(&err);
        if (store_open(c->db_path, writable ? 0 : STORE_READONLY, st, &err)) {
                cli_errorf("%s: %s", cmd, err.msg);
                return CLI_FAIL;
        }
        return CLI_OK;
}

int gcli_rules(struct cli *c, const char *cmd, struct garden_rules *r)
{
        struct cxg_config cfg;
        struct cxg_error err;
        long v = 2;
        int rc = CLI_OK;

        model_garden_rules_init(r);
        if (!c->config_path)
                return CLI_OK;
        cxg_config_init(&cfg);
        cxg_error_clear(&err);
        if (cxg_config_load(&cfg, c->config_path, &err) ||
            cxg_config_long(&cfg, "gardens.approvers", 2, 1, 10, &v, &err)) {
                cli_errorf("%s: %s", cmd, err.msg);
                rc = CLI_USAGE;
        }
        r->approvers = (int)v;
        cxg_config_release(&cfg);
        return rc;
}

int gcli_actor(struct store *st, const char *cmd, const char *name, struct garden_actor *a)
{
        struct cxg_error err;

        if (!name) {
                cli_errorf("%s: say who acts with --as USER (every change is audited)", cmd);
                return CLI_USAGE;
        }
        cxg_error_clear(&err);
        if (store_garden_actor(st, name, a, &err)) {
                cli_errorf("%s: %s", cmd, err.msg);
                return CLI_FAIL;
        }
        return CLI_OK;
}

int gcli_fail(const char *cmd, const struct cxg_error *err)
{
        cli_errorf("%s: %s", cmd, err->msg);
        return err->code == CXG_ERR_USAGE ? CLI_USAGE : CLI_FAIL;
}

int gcli_time(const char *cmd, const char *opt, const char *s, int64_t *t)
{
        struct cxg_error err;

        *t = CXG_TS_NONE;
        if (!s)
                return CLI_OK;
        cxg_error_clear(&err);
        if (cxg_parse_time(s, strlen(s), t, &err)) {
                cli_errorf("%s: --%s: %s", cmd, opt, err.msg);
                return CLI_USAGE;
        }
        return CLI_OK;
}

int gcli_print_json(json_t *j)
{
        if (!j) {
                cli_errorf("out of memory");
                return CLI_FAIL;
        }
        json_dumpf(j, stdout, JSON_INDENT(2) | JSON_PRESERVE_ORDER | JSON_REAL_PRECISION(10));
        fputc('\n', stdout);
        json_decref(j);
        return CLI_OK;
}

int64_t gcli_now(void)
{
        return (int64_t)time(NULL);
}

static char *date_of(int64_t t, char *buf)
{
        if (t == CXG_TS_NONE) {
                snprintf(buf, 11, "-");
                return buf;
        }
        return cxg_date_format(t, buf);
}

/* ---- gardens ---- */

static void gardens_usage(FILE *f)
{
        fprintf(f,
                "usage: cxgarden [--db PATH] gardens list [--json]\n"
                "       cxgarden gardens show GARDEN [--json]\n"
                "       cxgarden gardens create KEY --name NAME --topic TOPIC [--custom-topic "
                "TEXT]\n"
                "                [--goal TEXT] [--owner USER] [--segment FIELD=VALUE] [--starts "
                "DATE] [--ends DATE] --as USER\n"
                "       cxgarden gardens add-member GARDEN (--person ID | --user NAME --role "
                "ROLE) [--accepted] --as USER\n"
                "       cxgarden gardens member-status GARDEN (--person ID | --user NAME) "
                "accepted|declined|left --as USER\n"
                "       cxgarden gardens suggest GARDEN [--limit N] [--json]\n"
                "       cxgarden gardens impact [GARDEN] [--segment FIELD] [--bands N] [--json]\n"
                "       cxgarden gardens seed-demo [--json]\n"
                "\ntopics: experience, context, deep_purpose, success_contribution, "
                "cost_revenue, adaptation,\n"
                "        data_supply, long_term_fit, robustness, custom (with --custom-topic)\n"
                "roles:  account_team, product, sponsor, board (internal users); external "
                "people are customers\n");
}

static enum cxg_err list_cb(void *ctx, const struct store_garden_row *g)
{
        json_t *arr = ctx;
        char d1[16], d2[16];

        if (arr)
                return json_array_append_new(arr, eng_garden_row_json(g)) ? CXG_ERR_NOMEM : CXG_OK;
        printf("%-20s %-32s %-22s %7lld %8lld %7lld %6lld  %s..%s\n", g->g.key, g->g.name,
               model_garden_topic_name(g->g.topic), (long long)g->members, (long long)g->accounts,
               (long long)g->invited, (long long)g->ideas, date_of(g->g.starts_at, d1),
               date_of(g->g.ends_at, d2));
        return CXG_OK;
}

static int gardens_list(struct cli *c, int argc, char **argv)
{
        struct gcli_opt o[] = {{"json", 0, NULL}};
        const char *pos[1];
        size_t npos;
        struct store *st = NULL;
        struct cxg_error err;
        json_t *arr = NULL;
        int rc;

        if ((rc = gcli_parse("gardens list", argc, argv, 2, o, 1, pos, 0, &npos)) ||
            (rc = gcli_open(c, "gardens list", 0, &st)))
                return rc;
        if (o[0].val && !(arr = json_array())) {
                store_close(st);
                return gcli_print_json(NULL);
        }
        if (!arr)
                printf("%-20s %-32s %-22s %7s %8s %7s %6s  %s\n", "key", "name", "topic", "members",
                       "accounts", "invited", "ideas", "dates");
        cxg_error_clear(&err);
        if (store_garden_list(st, list_cb, arr, &err)) {
                json_decref(arr);
                store_close(st);
                return gcli_fail("gardens list", &err);
        }
        store_close(st);
        return arr ? gcli_print_json(arr) : CLI_OK;
}

struct show_ctx {
        json_t *obj;  /* the garden (JSON mode) */
        json_t *list; /* members or ideas */
        int64_t id;
};

static enum cxg_err show_garden_cb(void *ctx, const struct store_garden_row *g)
{
        struct show_ctx *s = ctx;
        char d1[16], d2[16];

        s->id = g->id;
        if (s->obj) {
                json_t *j = eng_garden_row_json(g);

                if (!j || json_object_update(s->obj, j)) {
                        json_decref(j);
                        return CXG_ERR_NOMEM;
                }
                json_decref(j);
                return CXG_OK;
        }
        printf("garden   %s (%s)\n", g->g.name, g->g.key);
        printf("topic    %s\n", g->g.topic == GARDEN_TOPIC_CUSTOM && g->g.topic_custom
                                    ? g->g.topic_custom
                                    : model_garden_topic_label(g->g.topic));
        printf("goal     %s\n", g->g.goal ? g->g.goal : "-");
        printf("owner    %s\n", g->g.owner ? g->g.owner : "-");
        printf("segment  %s\n", g->g.segment ? g->g.segment : "-");
        printf("dates    %s .. %s\n", date_of(g->g.starts_at, d1), date_of(g->g.ends_at, d2));
        printf("members  %lld accepted (%lld accounts), %lld invited; %lld ideas\n",
               (long long)g->members, (long long)g->accounts, (long long)g->invited,
               (long long)g->ideas);
        return CXG_OK;
}

static enum cxg_err show_member_cb(void *ctx, const struct store_member_row *m)
{
        struct show_ctx *s = ctx;
        char d[16];

        if (s->list)
                return json_array_append_new(s->list, eng_garden_member_json(m)) ? CXG_ERR_NOMEM
                                                                                 : CXG_OK;
        printf("  %-9s %-14s %-28s %-14s %-9s joined %s\n", m->person ? "external" : "internal",
               m->person ? m->person : m->user,
               m->person ? (m->person_name ? m->person_name : "") : "",
               model_garden_mrole_name(m->role), model_garden_status_name(m->status),
               date_of(m->joined_at, d));
        return CXG_OK;
}

static enum cxg_err show_idea_cb(void *ctx, const struct store_idea_row *i)
{
        struct show_ctx *s = ctx;

        if (s->list)
                return json_array_append_new(s->list, eng_garden_idea_json(i, NULL)) ? CXG_ERR_NOMEM
                                                                                     : CXG_OK;
        printf("  #%-5lld %-13s %-48.48s +%lld/-%lld %s\n", (long long)i->id,
               model_idea_state_name(i->state), i->idea.title, (long long)i->votes_up,
               (long long)i->votes_down, i->author);
        return CXG_OK;
}

static int gardens_show(struct cli *c, int argc, char **argv)
{
        struct gcli_opt o[] = {{"json", 0, NULL}};
        const char *pos[1];
        size_t npos;
        struct store *st = NULL;
        struct cxg_error err;
        struct show_ctx s = {0};
        json_t *members = NULL, *ideas = NULL;
        int rc;

        if ((rc = gcli_parse("gardens show", argc, argv, 2, o, 1, pos, 1, &npos)))
                return rc;
        if (npos != 1) {
                cli_errorf("gardens show: missing GARDEN");
                return CLI_USAGE;
        }
        if ((rc = gcli_open(c, "gardens show", 0, &st)))
                return rc;
        cxg_error_clear(&err);
        if (o[0].val) {
                s.obj = json_object();
                members = json_array();
                ideas = json_array();
                if (!s.obj || !members || !ideas) {
                        err.code = CXG_ERR_NOMEM;
                        snprintf(err.msg, sizeof(err.msg), "out of memory");
                        goto fail;
                }
        }
        if (store_garden_find(st, pos[0], show_garden_cb, &s, &err))
                goto fail;
        if (!o[0].val)
                printf("\nmembers\n");
        s.list = members;
        if (store_garden_members(st, s.id, show_member_cb, &s, &err))
                goto fail;
        if (!o[0].val)
                printf("\nideas\n");
        s.list = ideas;
        if (store_idea_list(st, s.id, -1, show_idea_cb, &s, &err))
                goto fail;
        store_close(st);
        if (!o[0].val)
                return CLI_OK;
        if (json_object_set_new(s.obj, "members", members) ||
            json_object_set_new(s.obj, "idea_list", ideas)) {
                json_decref(s.obj);
                return gcli_print_json(NULL);
        }
        return gcli_print_json(s.obj);
fail:
        json_decref(s.obj);
        json_decref(members);
        json_decref(ideas);
        store_close(st);
        return gcli_fail("gardens show", &err);
}

static int gardens_create(struct cli *c, int argc, char **argv)
{
        struct gcli_opt o[] = {{"name", 1, NULL},   {"topic", 1, NULL}, {"custom-topic", 1, NULL},
                               {"goal", 1, NULL},   {"owner", 1, NULL}, {"segment", 1, NULL},
                               {"starts", 1, NULL}, {"ends", 1, NULL},  {"as", 1, NULL},
                               {"json", 0, NULL}};
        size_t no = sizeof(o) / sizeof(o[0]), npos;
        const char *pos[1], *topic;
        struct store *st = NULL;
        struct garden g;
        struct garden_actor who;
        struct cxg_error err;
        int64_t id;
        int rc;

        if ((rc = gcli_parse("gardens create", argc, argv, 2, o, no, pos, 1, &npos)))
                return rc;
        if (npos != 1) {
                cli_errorf("gardens create: missing KEY");
                return CLI_USAGE;
        }
        model_garden_init(&g);
        g.key = pos[0];
        g.name = gcli_val(o, no, "name");
        topic = gcli_val(o, no, "topic");
        g.topic = topic ? model_garden_topic_parse(topic, strlen(topic)) : -1;
        if (topic && g.topic < 0) {
                cli_errorf("gardens create: unknown topic '%s'", topic);
                return CLI_USAGE;
        }
        g.topic_custom = gcli_val(o, no, "custom-topic");
        if (g.topic_custom && !topic)
                g.topic = GARDEN_TOPIC_CUSTOM;
        g.goal = gcli_val(o, no, "goal");
        g.owner = gcli_val(o, no, "owner");
        g.segment = gcli_val(o, no, "segment");
        if ((rc = gcli_time("gardens create", "starts", gcli_val(o, no, "starts"), &g.starts_at)) ||
            (rc = gcli_time("gardens create", "ends", gcli_val(o, no, "ends"), &g.ends_at)) ||
            (rc = gcli_open(c, "gardens create", 1, &st)))
                return rc;
        if ((rc = gcli_actor(st, "gardens create", gcli_val(o, no, "as"), &who))) {
                store_close(st);
                return rc;
        }
        cxg_error_clear(&err);
        if (store_garden_create(st, &who, &g, gcli_now(), &id, &err)) {
                store_close(st);
                return gcli_fail("gardens create", &err);
        }
        store_close(st);
        printf("created garden %s (%s)\n", g.key, g.name);
        return CLI_OK;
}

static int gardens_add_member(struct cli *c, int argc, char **argv)
{
        struct gcli_opt o[] = {{"person", 1, NULL},
                               {"user", 1, NULL},
                               {"role", 1, NULL},
                               {"as", 1, NULL},
                               {"accepted", 0, NULL}};
        size_t no = sizeof(o) / sizeof(o[0]), npos;
        const char *pos[1], *role;
        struct store *st = NULL;
        struct garden_member m = {0};
        struct garden_actor who;
        struct cxg_error err;
        int64_t gid, mid;
        int rc;

        if ((rc = gcli_parse("gardens add-member", argc, argv, 2, o, no, pos, 1, &npos)))
                return rc;
        if (npos != 1) {
                cli_errorf("gardens add-member: missing GARDEN");
                return CLI_USAGE;
        }
        m.person = gcli_val(o, no, "person");
        m.user = gcli_val(o, no, "user");
        role = gcli_val(o, no, "role");
        if (m.person) {
                m.role = GARDEN_MROLE_CUSTOMER;
                m.status = gcli_val(o, no, "accepted") ? GARDEN_ST_ACCEPTED : GARDEN_ST_INVITED;
        } else {
                m.role = role ? model_garden_mrole_parse(role, strlen(role)) : -1;
                m.status = GARDEN_ST_ACCEPTED;
        }
        cxg_error_clear(&err);
        if (model_garden_member_validate(&m, &err)) {
                cli_errorf("gardens add-member: %s", err.msg);
                return CLI_USAGE;
        }
        if ((rc = gcli_open(c, "gardens add-member", 1, &st)))
                return rc;
        if ((rc = gcli_actor(st, "gardens add-member", gcli_val(o, no, "as"), &who))) {
                store_close(st);
                return rc;
        }
        if (store_garden_id(st, pos[0], &gid, &err) ||
            store_garden_member_add(st, &who, gid, &m, gcli_now(), &mid, &err)) {
                store_close(st);
                return gcli_fail("gardens add-member", &err);
        }
        store_close(st);
        printf("%s %s %s in %s\n", m.person ? m.person : m.user,
               m.status == GARDEN_ST_INVITED ? "invited" : "added as",
               m.person && m.status == GARDEN_ST_INVITED ? "as customer"
                                                         : model_garden_mrole_name(m.role),
               pos[0]);
        return CLI_OK;
}

static int gardens_member_status(struct cli *c, int argc, char **argv)
{
        struct gcli_opt o[] = {{"person", 1, NULL}, {"user", 1, NULL}, {"as", 1, NULL}};
        size_t no = sizeof(o) / sizeof(o[0]), npos;
        const char *pos[2];
        struct store *st = NULL;
        struct garden_actor who;
        struct cxg_error err;
        int64_t gid;
        int rc, status;

        if ((rc = gcli_parse("gardens member-status", argc, argv, 2, o, no, pos, 2, &npos)))
                return rc;
        if (npos != 2) {
                cli_errorf("gardens member-status: give GARDEN and STATUS");
                return CLI_USAGE;
        }
        status = model_garden_status_parse(pos[1], strlen(pos[1]));
        if (status < 0) {
                cli_errorf("gardens member-status: unknown status '%s'", pos[1]);
                return CLI_USAGE;
        }
        if ((rc = gcli_open(c, "gardens member-status", 1, &st)))
                return rc;
        if ((rc = gcli_actor(st, "gardens member-status", gcli_val(o, no, "as"), &who))) {
                store_close(st);
                return rc;
        }
        cxg_error_clear(&err);
        if (store_garden_id(st, pos[0], &gid, &err) ||
            store_garden_member_status(st, &who, gid, gcli_val(o, no, "person"),
                                       gcli_val(o, no, "user"), status, gcli_now(), &err)) {
                store_close(st);
                return gcli_fail("gardens member-status", &err);
        }
        store_close(st);
        printf("%s is now %s in %s\n",
               gcli_val(o, no, "person") ? gcli_val(o, no, "person") : gcli_val(o, no, "user"),
               pos[1], pos[0]);
        return CLI_OK;
}

int cli_gardens(struct cli *c)
{
        const char *sub = c->argc > 1 ? c->argv[1] : NULL;

        if (!sub) {
                gardens_usage(stderr);
                return CLI_USAGE;
        }
        if (strcmp(sub, "--help") == 0 || strcmp(sub, "-h") == 0 || strcmp(sub, "help") == 0) {
                gardens_usage(stdout);
                return CLI_OK;
        }
        if (strcmp(sub, "list") == 0)
                return gardens_list(c, c->argc, c->argv);
        if (strcmp(sub, "show") == 0)
                return gardens_show(c, c->argc, c->argv);
        if (strcmp(sub, "create") == 0)
                return gardens_create(c, c->argc, c->argv);
        if (strcmp(sub, "add-member") == 0)
                return gardens_add_member(c, c->argc, c->argv);
        if (strcmp(sub, "member-status") == 0)
                return gardens_member_status(c, c->argc, c->argv);
        if (strcmp(sub, "suggest") == 0)
                return gcli_gardens_suggest(c, c->argc, c->argv);
        if (strcmp(sub, "impact") == 0)
                return gcli_gardens_impact(c, c->argc, c->argv);
        if (strcmp(sub, "seed-demo") == 0)
                return gcli_gardens_seed_demo(c, c->argc, c->argv);
        cli_errorf("gardens: unknown subcommand '%s'", sub);
        gardens_usage(stderr);
        return CLI_USAGE;
}

/* ---- ideas ---- */

static void ideas_usage(FILE *f)
{
        fprintf(f,
                "usage: cxgarden [--db PATH] ideas list [--garden GARDEN] [--state STATE] "
                "[--json]\n"
                "       cxgarden ideas show ID [--json]\n"
                "       cxgarden ideas create GARDEN --title TEXT --metric METRIC [--description "
                "TEXT]\n"
                "                [--hypothesis TEXT] --as USER\n"
                "       cxgarden ideas vote ID up|down --as USER\n"
                "       cxgarden ideas comment ID TEXT --as USER\n"
                "       cxgarden [--config FILE] ideas move ID STATE --as USER --why TEXT\n"
                "       cxgarden ideas experiment ID --start DATE --end DATE --accounts A,B,... "
                "--as USER\n"
                "       cxgarden ideas results ID --as USER [--json]\n"
                "       cxgarden ideas rollout ID --segment FIELD=VALUE [--at DATE] [--note TEXT] "
                "--as USER\n"
                "       cxgarden ideas rollout-report ID [--json]\n"
                "\nstates:  proposed, under_review, approved, running, adopted, rejected, "
                "withdrawn\n"
                "metrics: retention_90d, retention_180d, mrr_change, nps, activity\n"
                "approval needs [gardens] approvers (default 2) distinct analysts, admins or "
                "sponsors\n");
}

static int parse_id(const char *cmd, const char *s, int64_t *id)
{
        struct cxg_error err;

        cxg_error_clear(&err);
        if (!s || cxg_parse_int64(s, strlen(s), id, &err) || *id <= 0) {
                cli_errorf("%s: '%s' is not an idea id", cmd, s ? s : "");
                return CLI_USAGE;
        }
        return CLI_OK;
}

static enum cxg_err ideas_list_cb(void *ctx, const struct store_idea_row *i)
{
        json_t *arr = ctx;

        if (arr)
                return json_array_append_new(arr, eng_garden_idea_json(i, NULL)) ? CXG_ERR_NOMEM
                                                                                 : CXG_OK;
        printf("%-6lld %-14s %-13s %-15s %-44.44s %4lld %4lld %4lld  %s\n", (long long)i->id,
               i->garden_key, model_idea_state_name(i->state),
               model_garden_metric_name(i->idea.target_metric), i->idea.title,
               (long long)i->votes_up, (long long)i->votes_down, (long long)i->comments, i->author);
        return CXG_OK;
}

static int ideas_list(struct cli *c, int argc, char **argv)
{
        struct gcli_opt o[] = {{"garden", 1, NULL}, {"state", 1, NULL}, {"json", 0, NULL}};
        size_t no = 3, npos;
        const char *pos[1], *state;
        struct store *st = NULL;
        struct cxg_error err;
        json_t *arr = NULL;
        int64_t gid = 0;
        int rc, sv = -1;

        if ((rc = gcli_parse("ideas list", argc, argv, 2, o, no, pos, 0, &npos)))
                return rc;
        state = gcli_val(o, no, "state");
        if (state && (sv = model_idea_state_parse(state, strlen(state))) < 0) {
                cli_errorf("ideas list: unknown state '%s'", state);
                return CLI_USAGE;
        }
        if ((rc = gcli_open(c, "ideas list", 0, &st)))
                return rc;
        cxg_error_clear(&err);
        if (gcli_val(o, no, "garden") && store_garden_id(st, gcli_val(o, no, "garden"), &gid, &err))
                goto fail;
        if (gcli_val(o, no, "json") && !(arr = json_array())) {
                store_close(st);
                return gcli_print_json(NULL);
        }
        if (!arr)
                printf("%-6s %-14s %-13s %-15s %-44s %4s %4s %4s  %s\n", "id", "garden", "state",
                       "metric", "title", "up", "down", "cmts", "author");
        if (store_idea_list(st, gid, sv, ideas_list_cb, arr, &err))
                goto fail;
        store_close(st);
        return arr ? gcli_print_json(arr) : CLI_OK;
fail:
        json_decref(arr);
        store_close(st);
        return gcli_fail("ideas list", &err);
}

struct idea_show {
        json_t *obj, *list;
};

static enum cxg_err idea_show_cb(void *ctx, const struct store_idea_row *i)
{
        struct idea_show *s = ctx;

        if (s->obj) {
                json_t *j = eng_garden_idea_json(i, NULL);

                if (!j || json_object_update(s->obj, j)) {
                        json_decref(j);
                        return CXG_ERR_NOMEM;
                }
                json_decref(j);
                return CXG_OK;
        }
        printf("idea #%lld  %s\n", (long long)i->id, i->idea.title);
        printf("garden      %s\n", i->garden_key);
        printf("state       %s (review round %d, %lld approvals this round)\n",
               model_idea_state_name(i->state), i->review_round, (long long)i->approvals);
        printf("metric      %s\n", model_garden_metric_name(i->idea.target_metric));
        printf("author      %s\n", i->author);
        printf("hypothesis  %s\n", i->idea.hypothesis ? i->idea.hypothesis : "-");
        printf("description %s\n", i->idea.description ? i->idea.description : "-");
        printf("votes       +%lld / -%lld, %lld comments\n", (long long)i->votes_up,
               (long long)i->votes_down, (long long)i->comments);
        return CXG_OK;
}

static enum cxg_err idea_transition_cb(void *ctx, const struct store_transition_row *t)
{
        struct idea_show *s = ctx;
        char d[32];

        if (s->list)
                return json_array_append_new(s->list, eng_garden_transition_json(t)) ? CXG_ERR_NOMEM
                                                                                     : CXG_OK;
        printf("  %s  %-12s -> %-12s by %-12s %s\n", cxg_time_format(t->at, d),
               model_idea_state_name(t->from), model_idea_state_name(t->to), t->user, t->why);
        return CXG_OK;
}

static enum cxg_err idea_comment_cb(void *ctx, const struct store_comment_row *cm)
{
        struct idea_show *s = ctx;
        char d[32];

        if (s->list)
                return json_array_append_new(s->list, eng_garden_comment_json(cm, NULL))
                           ? CXG_ERR_NOMEM
                           : CXG_OK;
        printf("  %s  %-12s %s\n", cxg_time_format(cm->at, d), cm->user, cm->body);
        return CXG_OK;
}

static enum cxg_err idea_exp_cb(void *ctx, const struct store_experiment_row *e)
{
        struct idea_show *s = ctx;
        char d1[16], d2[16];

        if (s->obj) {
                json_t *j = eng_garden_experiment_row_json(e);

                return !j || json_object_set_new(s->obj, "experiment", j) ? CXG_ERR_NOMEM : CXG_OK;
        }
        printf("\nexperiment  %s .. %s, %lld accounts, %s\n", date_of(e->starts_at, d1),
               date_of(e->ends_at, d2), (long long)e->accounts, e->status);
        if (e->result)
                printf("results     %s\n", e->result);
        return CXG_OK;
}

static int ideas_show(struct cli *c, int argc, char **argv)
{
        struct gcli_opt o[] = {{"json", 0, NULL}};
        const char *pos[1];
        size_t npos;
        struct store *st = NULL;
        struct cxg_error err;
        struct idea_show s = {0};
        json_t *tr = NULL, *cm = NULL;
        int64_t id;
        enum cxg_err e;
        int rc;

        if ((rc = gcli_parse("ideas show", argc, argv, 2, o, 1, pos, 1, &npos)))
                return rc;
        if (npos != 1) {
                cli_errorf("ideas show: missing ID");
                return CLI_USAGE;
        }
        if ((rc = parse_id("ideas show", pos[0], &id)) || (rc = gcli_open(c, "ideas show", 0, &st)))
                return rc;
        cxg_error_clear(&err);
        if (o[0].val && (!(s.obj = json_object()) || !(tr = json_array()) || !(cm = json_array())))
                goto nomem;
        if (store_idea_get(st, id, idea_show_cb, &s, &err))
                goto fail;
        if (!s.obj)
                printf("\ntransitions\n");
        s.list = tr;
        if (store_idea_transitions(st, id, idea_transition_cb, &s, &err))
                goto fail;
        if (!s.obj)
                printf("\ncomments\n");
        s.list = cm;
        if (store_idea_comments(st, id, idea_comment_cb, &s, &err))
                goto fail;
        e = store_experiment_get(st, id, idea_exp_cb, &s, &err);
        if (e && e != CXG_ERR_NOTFOUND)
                goto fail;
        store_close(st);
        if (!s.obj)
                return CLI_OK;
        if (json_object_set_new(s.obj, "transitions", tr) ||
            json_object_set_new(s.obj, "comment_list", cm)) {
                json_decref(s.obj);
                return gcli_print_json(NULL);
        }
        return gcli_print_json(s.obj);
nomem:
        err.code = CXG_ERR_NOMEM;
        snprintf(err.msg, sizeof(err.msg), "out of memory");
fail:
        json_decref(s.obj);
        json_decref(tr);
        json_decref(cm);
        store_close(st);
        return gcli_fail("ideas show", &err);
}

static int ideas_create(struct cli *c, int argc, char **argv)
{
        struct gcli_opt o[] = {{"title", 1, NULL},
                               {"metric", 1, NULL},
                               {"description", 1, NULL},
                               {"hypothesis", 1, NULL},
                               {"as", 1, NULL}};
        size_t no = sizeof(o) / sizeof(o[0]), npos;
        const char *pos[1], *metric;
        struct store *st = NULL;
        struct garden_actor who;
        struct cxg_error err;
        struct idea i;
        int64_t gid, id;
        int rc;

        if ((rc = gcli_parse("ideas create", argc, argv, 2, o, no, pos, 1, &npos)))
                return rc;
        if (npos != 1) {
                cli_errorf("ideas create: missing GARDEN");
                return CLI_USAGE;
        }
        model_idea_init(&i);
        i.title = gcli_val(o, no, "title");
        i.description = gcli_val(o, no, "description");
        i.hypothesis = gcli_val(o, no, "hypothesis");
        metric = gcli_val(o, no, "metric");
        i.target_metric = metric ? model_garden_metric_parse(metric, strlen(metric)) : -1;
        cxg_error_clear(&err);
        if (model_idea_validate(&i, &err)) {
                cli_errorf("ideas create: %s", err.msg);
                return CLI_USAGE;
        }
        if ((rc = gcli_open(c, "ideas create", 1, &st)))
                return rc;
        if ((rc = gcli_actor(st, "ideas create", gcli_val(o, no, "as"), &who))) {
                store_close(st);
                return rc;
        }
        if (store_garden_id(st, pos[0], &gid, &err) ||
            store_idea_create(st, &who, gid, &i, gcli_now(), &id, &err)) {
                store_close(st);
                return gcli_fail("ideas create", &err);
        }
        store_close(st);
        printf("idea #%lld proposed in %s\n", (long long)id, pos[0]);
        return CLI_OK;
}

static int ideas_vote_comment(struct cli *c, int argc, char **argv, int vote)
{
        const char *cmd = vote ? "ideas vote" : "ideas comment";
        struct gcli_opt o[] = {{"as", 1, NULL}};
        const char *pos[2];
        size_t npos;
        struct store *st = NULL;
        struct garden_actor who;
        struct cxg_error err;
        int64_t id;
        int rc, value = 0;
        enum cxg_err e;

        if ((rc = gcli_parse(cmd, argc, argv, 2, o, 1, pos, 2, &npos)))
                return rc;
        if (npos != 2) {
                cli_errorf("%s: give ID and %s", cmd, vote ? "up or down" : "TEXT");
                return CLI_USAGE;
        }
        if ((rc = parse_id(cmd, pos[0], &id)))
                return rc;
        if (vote) {
                if (strcmp(pos[1], "up") == 0 || strcmp(pos[1], "+1") == 0)
                        value = 1;
                else if (strcmp(pos[1], "down") == 0 || strcmp(pos[1], "-1") == 0)
                        value = -1;
                else {
                        cli_errorf("%s: vote up or down, not '%s'", cmd, pos[1]);
                        return CLI_USAGE;
                }
        }
        if ((rc = gcli_open(c, cmd, 1, &st)))
                return rc;
        if ((rc = gcli_actor(st, cmd, o[0].val, &who))) {
                store_close(st);
                return rc;
        }
        cxg_error_clear(&err);
        e = vote ? store_idea_vote(st, &who, id, value, gcli_now(), &err)
                 : store_idea_comment(st, &who, id, pos[1], gcli_now(), NULL, &err);
        store_close(st);
        if (e)
                return gcli_fail(cmd, &err);
        printf("%s on idea #%lld\n", vote ? "voted" : "commented", (long long)id);
        return CLI_OK;
}

static int ideas_move(struct cli *c, int argc, char **argv)
{
        struct gcli_opt o[] = {{"as", 1, NULL}, {"why", 1, NULL}, {"json", 0, NULL}};
        size_t no = 3, npos;
        const char *pos[2];
        struct store *st = NULL;
        struct garden_actor who;
        struct garden_rules rules;
        struct store_move_result r;
        struct cxg_error err;
        int64_t id;
        int rc, to;

        if ((rc = gcli_parse("ideas move", argc, argv, 2, o, no, pos, 2, &npos)))
                return rc;
        if (npos != 2) {
                cli_errorf("ideas move: give ID and STATE");
                return CLI_USAGE;
        }
        if ((rc = parse_id("ideas move", pos[0], &id)))
                return rc;
        to = model_idea_state_parse(pos[1], strlen(pos[1]));
        if (to < 0) {
                cli_errorf("ideas move: unknown state '%s'", pos[1]);
                return CLI_USAGE;
        }
        if (!gcli_val(o, no, "why")) {
                cli_errorf("ideas move: say why with --why TEXT (it is recorded with the move)");
                return CLI_USAGE;
        }
        if ((rc = gcli_rules(c, "ideas move", &rules)) || (rc = gcli_open(c, "ideas move", 1, &st)))
                return rc;
        if ((rc = gcli_actor(st, "ideas move", gcli_val(o, no, "as"), &who))) {
                store_close(st);
                return rc;
        }
        cxg_error_clear(&err);
        if (store_idea_move(st, &who, id, to, gcli_val(o, no, "why"), &rules, gcli_now(), &r,
                            &err)) {
                store_close(st);
                return gcli_fail("ideas move", &err);
        }
        store_close(st);
        if (gcli_val(o, no, "json"))
                return gcli_print_json(
                    json_pack("{s:I, s:s, s:s, s:b, s:i, s:i}", "idea", (json_int_t)id, "from",
                              model_idea_state_name(r.from), "to", model_idea_state_name(r.to),
                              "moved", r.moved, "approvals", r.approvals, "needed", r.needed));
        if (r.moved)
                printf("idea #%lld: %s -> %s\n", (long long)id, model_idea_state_name(r.from),
                       model_idea_state_name(r.to));
        else
                printf("idea #%lld: approval by %s recorded (%d of %d needed); still %s\n",
                       (long long)id, who.name, r.approvals, r.needed,
                       model_idea_state_name(r.from));
        return CLI_OK;
}

static int ideas_experiment(struct cli *c, int argc, char **argv)
{
        struct gcli_opt o[] = {
            {"start", 1, NULL}, {"end", 1, NULL}, {"accounts", 1, NULL}, {"as", 1, NULL}};
        size_t no = 4, npos, n = 0;
        const char *pos[1], *list;
        char *copy = NULL, **accs = NULL, *p;
        struct store *st = NULL;
        struct garden_actor who;
        struct cxg_error err;
        int64_t id, start, end, eid;
        int rc;

        if ((rc = gcli_parse("ideas experiment", argc, argv, 2, o, no, pos, 1, &npos)))
                return rc;
        if (npos != 1 || !gcli_val(o, no, "start") || !gcli_val(o, no, "end") ||
            !(list = gcli_val(o, no, "accounts"))) {
                cli_errorf("ideas experiment: give ID, --start, --end and --accounts");
                return CLI_USAGE;
        }
        if ((rc = parse_id("ideas experiment", pos[0], &id)) ||
            (rc = gcli_time("ideas experiment", "start", gcli_val(o, no, "start"), &start)) ||
            (rc = gcli_time("ideas experiment", "end", gcli_val(o, no, "end"), &end)))
                return rc;
        copy = cxg_strdup(list);
        accs = cxg_calloc(strlen(list) + 1, sizeof(*accs));
        if (!copy || !accs) {
                cxg_free(copy);
                cxg_free(accs);
                return gcli_print_json(NULL);
        }
        for (p = copy; p && *p;) {
                char *comma = strchr(p, ',');

                if (comma)
                        *comma = '\0';
                if (*p)
                        accs[n++] = p;
                p = comma ? comma + 1 : NULL;
        }
        rc = gcli_open(c, "ideas experiment", 1, &st);
        if (!rc)
                rc = gcli_actor(st, "ideas experiment", gcli_val(o, no, "as"), &who);
        if (!rc) {
                cxg_error_clear(&err);
                if (store_experiment_set(st, &who, id, start, end, (const char *const *)accs, n,
                                         gcli_now(), &eid, &err))
                        rc = gcli_fail("ideas experiment", &err);
                else
                        printf("experiment %lld of idea #%lld: %zu accounts\n", (long long)eid,
                               (long long)id, n);
        }
        store_close(st);
        cxg_free(copy);
        cxg_free(accs);
        return rc;
}

int cli_ideas(struct cli *c)
{
        const char *sub = c->argc > 1 ? c->argv[1] : NULL;

        if (!sub) {
                ideas_usage(stderr);
                return CLI_USAGE;
        }
        if (strcmp(sub, "--help") == 0 || strcmp(sub, "-h") == 0 || strcmp(sub, "help") == 0) {
                ideas_usage(stdout);
                return CLI_OK;
        }
        if (strcmp(sub, "list") == 0)
                return ideas_list(c, c->argc, c->argv);
        if (strcmp(sub, "show") == 0)
                return ideas_show(c, c->argc, c->argv);
        if (strcmp(sub, "create") == 0)
                return ideas_create(c, c->argc, c->argv);
        if (strcmp(sub, "vote") == 0)
                return ideas_vote_comment(c, c->argc, c->argv, 1);
        if (strcmp(sub, "comment") == 0)
                return ideas_vote_comment(c, c->argc, c->argv, 0);
        if (strcmp(sub, "move") == 0)
                return ideas_move(c, c->argc, c->argv);
        if (strcmp(sub, "experiment") == 0)
                return ideas_experiment(c, c->argc, c->argv);
        if (strcmp(sub, "results") == 0)
                return gcli_ideas_results(c, c->argc, c->argv);
        if (strcmp(sub, "rollout") == 0)
                return gcli_ideas_rollout(c, c->argc, c->argv);
        if (strcmp(sub, "rollout-report") == 0)
                return gcli_ideas_rollout_report(c, c->argc, c->argv);
        cli_errorf("ideas: unknown subcommand '%s'", sub);
        ideas_usage(stderr);
        return CLI_USAGE;
}

/* ---- ledger ---- */

static void ledger_usage(FILE *f)
{
        fprintf(f, "usage: cxgarden [--db PATH] ledger list [--garden GARDEN] [--json]\n"
                   "       cxgarden ledger leaderboard [--garden GARDEN] [--by "
                   "person|team|garden|group] [--since DATE]\n"
                   "                [--until DATE] [--limit N] [--json]\n"
                   "       cxgarden ledger trend [--garden GARDEN] [--json]\n"
                   "       cxgarden ledger points [KIND POINTS --as USER]\n"
                   "       cxgarden ledger credit (--user NAME | --person ID) KIND --cause TYPE "
                   "[--cause-id N]\n"
                   "                [--garden GARDEN] [--note TEXT] --as USER\n"
                   "\nkinds: promotion, enabling, sponsoring, participation, idea, feedback\n");
}

static enum cxg_err ledger_list_cb(void *ctx, const struct store_ledger_row *l)
{
        json_t *arr = ctx;
        char d[32];

        if (arr)
                return json_array_append_new(arr, eng_garden_ledger_json(l)) ? CXG_ERR_NOMEM
                                                                             : CXG_OK;
        printf("%-6lld %s %-16s %-12s %-14s %-13s %4d  %s #%lld\n", (long long)l->id,
               cxg_time_format(l->at, d), l->user ? l->user : l->person, l->team,
               l->garden ? l->garden : "-", model_ledger_kind_name(l->kind), l->points,
               l->cause_type, (long long)l->cause_id);
        return CXG_OK;
}

static int garden_opt(struct store *st, const char *cmd, const char *key, int64_t *gid)
{
        struct cxg_error err;

        *gid = 0;
        if (!key)
                return CLI_OK;
        cxg_error_clear(&err);
        if (store_garden_id(st, key, gid, &err))
                return gcli_fail(cmd, &err);
        return CLI_OK;
}

static int ledger_list(struct cli *c, int argc, char **argv)
{
        struct gcli_opt o[] = {{"garden", 1, NULL}, {"json", 0, NULL}};
        const char *pos[1];
        size_t npos;
        struct store *st = NULL;
        struct cxg_error err;
        json_t *arr = NULL;
        int64_t gid;
        int rc;

        if ((rc = gcli_parse("ledger list", argc, argv, 2, o, 2, pos, 0, &npos)) ||
            (rc = gcli_open(c, "ledger list", 0, &st)))
                return rc;
        if ((rc = garden_opt(st, "ledger list", o[0].val, &gid))) {
                store_close(st);
                return rc;
        }
        if (o[1].val && !(arr = json_array())) {
                store_close(st);
                return gcli_print_json(NULL);
        }
        if (!arr)
                printf("%-6s %-20s %-16s %-12s %-14s %-13s %4s  %s\n", "id", "at", "who", "team",
                       "garden", "kind", "pts", "cause");
        cxg_error_clear(&err);
        if (store_ledger_scan(st, gid, ledger_list_cb, arr, &err)) {
                json_decref(arr);
                store_close(st);
                return gcli_fail("ledger list", &err);
        }
        store_close(st);
        return arr ? gcli_print_json(arr) : CLI_OK;
}

static int ledger_leaderboard(struct cli *c, int argc, char **argv)
{
        struct gcli_opt o[] = {{"garden", 1, NULL}, {"by", 1, NULL},    {"since", 1, NULL},
                               {"until", 1, NULL},  {"limit", 1, NULL}, {"json", 0, NULL}};
        size_t no = sizeof(o) / sizeof(o[0]), npos, limit = 20;
        const char *pos[1];
        struct store *st = NULL;
        struct cxg_error err;
        struct eng_garden_board b;
        int64_t gid, since, until, lim = 20;
        int rc, by = ENG_GARDEN_BY_PERSON;

        if ((rc = gcli_parse("ledger leaderboard", argc, argv, 2, o, no, pos, 0, &npos)) ||
            (rc = gcli_time("ledger leaderboard", "since", gcli_val(o, no, "since"), &since)) ||
            (rc = gcli_time("ledger leaderboard", "until", gcli_val(o, no, "until"), &until)))
                return rc;
        if (gcli_val(o, no, "by") && (by = eng_garden_by_parse(gcli_val(o, no, "by"))) < 0) {
                cli_errorf("ledger leaderboard: --by person, team, garden or group");
                return CLI_USAGE;
        }
        cxg_error_clear(&err);
        if (gcli_val(o, no, "limit") &&
            (cxg_parse_int64(gcli_val(o, no, "limit"), strlen(gcli_val(o, no, "limit")), &lim,
                             &err) ||
             lim < 0)) {
                cli_errorf("ledger leaderboard: --limit must be a number >= 0");
                return CLI_USAGE;
        }
        limit = (size_t)lim;
        if ((rc = gcli_open(c, "ledger leaderboard", 0, &st)))
                return rc;
        if ((rc = garden_opt(st, "ledger leaderboard", gcli_val(o, no, "garden"), &gid))) {
                store_close(st);
                return rc;
        }
        eng_garden_board_init(&b);
        if (eng_garden_leaderboard(st, gid, by, since, until, &b, &err)) {
                eng_garden_board_release(&b);
                store_close(st);
                return gcli_fail("ledger leaderboard", &err);
        }
        store_close(st);
        if (gcli_val(o, no, "json")) {
                rc = gcli_print_json(eng_garden_board_json(&b, by, limit));
        } else {
                printf("%-4s %-24s %7s %7s %6s", "rank", eng_garden_by_name(by), "points",
                       "entries", "share");
                for (int k = 0; k < LEDGER__COUNT; k++)
                        printf(" %13s", model_ledger_kind_name(k));
                printf("\n");
                for (size_t i = 0; i < b.n && (!limit || i < limit); i++) {
                        const struct eng_garden_board_row *r = &b.rows[i];

                        printf("%-4zu %-24.24s %7lld %7lld %5.1f%%", i + 1, r->key,
                               (long long)r->points, (long long)r->entries,
                               b.total_points ? 100.0 * (double)r->points / (double)b.total_points
                                              : 0.0);
                        for (int k = 0; k < LEDGER__COUNT; k++)
                                printf(" %13lld", (long long)r->by_kind[k]);
                        printf("\n");
                }
                printf("total: %lld points in %lld entries\n", (long long)b.total_points,
                       (long long)b.total_entries);
        }
        eng_garden_board_release(&b);
        return rc;
}

static int ledger_trend(struct cli *c, int argc, char **argv)
{
        struct gcli_opt o[] = {{"garden", 1, NULL}, {"json", 0, NULL}};
        const char *pos[1];
        size_t npos;
        struct store *st = NULL;
        struct cxg_error err;
        struct eng_garden_trend t;
        int64_t gid;
        int rc;
        char d[16];

        if ((rc = gcli_parse("ledger trend", argc, argv, 2, o, 2, pos, 0, &npos)) ||
            (rc = gcli_open(c, "ledger trend", 0, &st)))
                return rc;
        if ((rc = garden_opt(st, "ledger trend", o[0].val, &gid))) {
                store_close(st);
                return rc;
        }
        eng_garden_trend_init(&t);
        cxg_error_clear(&err);
        if (eng_garden_support_trend(st, gid, &t, &err)) {
                eng_garden_trend_release(&t);
                store_close(st);
                return gcli_fail("ledger trend", &err);
        }
        store_close(st);
        if (o[1].val) {
                rc = gcli_print_json(eng_garden_trend_json(&t));
        } else {
                printf("engagement support (ledger points per month)\n%-8s %9s %9s %9s %9s\n",
                       "month", "internal", "external", "board", "total");
                for (size_t i = 0; i < t.n_months; i++) {
                        int64_t *p = t.points[i];

                        cxg_date_format(cxg_month_start(t.month0 + (int64_t)i), d);
                        d[7] = '\0';
                        printf("%-8s %9lld %9lld %9lld %9lld\n", d, (long long)p[0],
                               (long long)p[1], (long long)p[2], (long long)(p[0] + p[1] + p[2]));
                }
                printf("%-8s %9lld %9lld %9lld %9lld\n", "total", (long long)t.total[0],
                       (long long)t.total[1], (long long)t.total[2],
                       (long long)(t.total[0] + t.total[1] + t.total[2]));
        }
        eng_garden_trend_release(&t);
        return rc;
}

static int ledger_points(struct cli *c, int argc, char **argv)
{
        struct gcli_opt o[] = {{"as", 1, NULL}, {"json", 0, NULL}};
        const char *pos[2];
        size_t npos;
        struct store *st = NULL;
        struct garden_actor who;
        struct cxg_error err;
        int pts[LEDGER__COUNT], rc, kind;
        int64_t v;

        if ((rc = gcli_parse("ledger points", argc, argv, 2, o, 2, pos, 2, &npos)))
                return rc;
        if (npos == 1) {
                cli_errorf("ledger points: give KIND and POINTS to change the table");
                return CLI_USAGE;
        }
        cxg_error_clear(&err);
        if (npos == 2) {
                kind = model_ledger_kind_parse(pos[0], strlen(pos[0]));
                if (kind < 0) {
                        cli_errorf("ledger points: unknown kind '%s'", pos[0]);
                        return CLI_USAGE;
                }
                if (cxg_parse_int64(pos[1], strlen(pos[1]), &v, &err) || v < 0 || v > 1000) {
                        cli_errorf("ledger points: POINTS must be 0-1000");
                        return CLI_USAGE;
                }
                if ((rc = gcli_open(c, "ledger points", 1, &st)))
                        return rc;
                if ((rc = gcli_actor(st, "ledger points", o[0].val, &who))) {
                        store_close(st);
                        return rc;
                }
                if (store_ledger_points_set(st, &who, kind, (int)v, gcli_now(), &err)) {
                        store_close(st);
                        return gcli_fail("ledger points", &err);
                }
        } else if ((rc = gcli_open(c, "ledger points", 0, &st))) {
                return rc;
        }
        if (store_ledger_points(st, pts, &err)) {
                store_close(st);
                return gcli_fail("ledger points", &err);
        }
        store_close(st);
        if (o[1].val) {
                json_t *j = json_object();

                for (int k = 0; j && k < LEDGER__COUNT; k++)
                        if (json_object_set_new(j, model_ledger_kind_name(k),
                                                json_integer(pts[k]))) {
                                json_decref(j);
                                j = NULL;
                        }
                return gcli_print_json(j);
        }
        for (int k = 0; k < LEDGER__COUNT; k++)
                printf("%-14s %4d\n", model_ledger_kind_name(k), pts[k]);
        return CLI_OK;
}

static int ledger_credit(struct cli *c, int argc, char **argv)
{
        struct gcli_opt o[] = {{"user", 1, NULL},     {"person", 1, NULL}, {"cause", 1, NULL},
                               {"cause-id", 1, NULL}, {"garden", 1, NULL}, {"note", 1, NULL},
                               {"as", 1, NULL}};
        size_t no = sizeof(o) / sizeof(o[0]), npos;
        const char *pos[1] = {NULL};
        struct store *st = NULL;
        struct garden_actor who;
        struct cxg_error err;
        int64_t gid = 0, cid = 0, lid;
        int rc, kind;

        if ((rc = gcli_parse("ledger credit", argc, argv, 2, o, no, pos, 1, &npos)))
                return rc;
        if (npos != 1 || (kind = model_ledger_kind_parse(pos[0], strlen(pos[0]))) < 0) {
                cli_errorf("ledger credit: give a KIND (promotion, enabling, sponsoring, "
                           "participation, idea, feedback)");
                return CLI_USAGE;
        }
        cxg_error_clear(&err);
        if (gcli_val(o, no, "cause-id") &&
            cxg_parse_int64(gcli_val(o, no, "cause-id"), strlen(gcli_val(o, no, "cause-id")), &cid,
                            &err)) {
                cli_errorf("ledger credit: --cause-id must be a number");
                return CLI_USAGE;
        }
        if ((rc = gcli_open(c, "ledger credit", 1, &st)))
                return rc;
        if ((rc = gcli_actor(st, "ledger credit", gcli_val(o, no, "as"), &who)) ||
            (rc = garden_opt(st, "ledger credit", gcli_val(o, no, "garden"), &gid))) {
                store_close(st);
                return rc;
        }
        if (store_ledger_credit(st, &who, gid, gcli_val(o, no, "user"), gcli_val(o, no, "person"),
                                kind, gcli_val(o, no, "cause"), cid, gcli_val(o, no, "note"),
                                gcli_now(), &lid, &err)) {
                store_close(st);
                return gcli_fail("ledger credit", &err);
        }
        store_close(st);
        printf("ledger entry %lld: %s credited to %s\n", (long long)lid, pos[0],
               gcli_val(o, no, "user") ? gcli_val(o, no, "user") : gcli_val(o, no, "person"));
        return CLI_OK;
}

int cli_ledger(struct cli *c)
{
        const char *sub = c->argc > 1 ? c->argv[1] : NULL;

        if (!sub) {
                ledger_usage(stderr);
                return CLI_USAGE;
        }
        if (strcmp(sub, "--help") == 0 || strcmp(sub, "-h") == 0 || strcmp(sub, "help") == 0) {
                ledger_usage(stdout);
                return CLI_OK;
        }
        if (strcmp(sub, "list") == 0)
                return ledger_list(c, c->argc, c->argv);
        if (strcmp(sub, "leaderboard") == 0)
                return ledger_leaderboard(c, c->argc, c->argv);
        if (strcmp(sub, "trend") == 0)
                return ledger_trend(c, c->argc, c->argv);
        if (strcmp(sub, "points") == 0)
                return ledger_points(c, c->argc, c->argv);
        if (strcmp(sub, "credit") == 0)
                return ledger_credit(c, c->argc, c->argv);
        cli_errorf("ledger: unknown subcommand '%s'", sub);
        ledger_usage(stderr);
        return CLI_USAGE;
}
