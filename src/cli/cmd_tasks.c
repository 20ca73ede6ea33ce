/*
 * cmd_tasks.c: `cxgarden tasks`: list and show follow-up tasks and what each kind of action
 * achieved (the JSON of view_alerts.h, the same as the API's), and update or close a task
 * (app_task_update, audited).
 */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "app/alerts.h"
#include "app/view_alerts.h"
#include "cli/cmd_alerts.h"
#include "cli/cmd_engine.h"
#include "core/banned.h"

static const struct cli_flag task_flags[] = {
    {"status", "status"},   {"action", "action"}, {"owner", "owner"}, {"notes", "notes"},
    {"outcome", "outcome"}, {"due_at", "due"},    {NULL, NULL}};

static void tasks_usage(FILE *f)
{
        fprintf(f, "usage: cxgarden [--db PATH] tasks [--owner NAME] [--status S] [--account ID]\n"
                   "                     [--after ID] [--limit N] [--json]\n"
                   "       cxgarden tasks show ID [--json]\n"
                   "       cxgarden tasks update ID [--status S] [--action A] [--notes T]\n"
                   "                     [--outcome T] [--owner NAME] [--due DATE]\n"
                   "       cxgarden tasks done ID --action call|meeting|email|fix|offer|other\n"
                   "                     [--outcome T] [--notes T]\n"
                   "       cxgarden tasks outcomes [--json]\n");
}

/* A string member of a view, or NULL. */
static const char *str(json_t *o, const char *key)
{
        return json_string_value(json_object_get(o, key));
}

static const char *or_dash(const char *s)
{
        return s ? s : "-";
}

/* A number member of a view, NAN for null. */
static double num(json_t *o, const char *key)
{
        json_t *v = json_object_get(o, key);

        return json_is_number(v) ? json_number_value(v) : NAN;
}

static void print_detail(json_t *t)
{
        const char *acc = str(t, "account_id"), *name = str(t, "account_name");
        double hb = num(t, "health_before"), ha = num(t, "health_after");
        json_t *rec = json_object_get(t, "reconnected");

        printf("task %lld: %s, owner %s, due %.10s\n",
               (long long)json_integer_value(json_object_get(t, "id")), or_dash(str(t, "status")),
               or_dash(str(t, "owner")), or_dash(str(t, "due_at")));
        printf("title:    %s\n", or_dash(str(t, "title")));
        if (acc)
                printf("account:  %s%s%s%s\n", acc, name ? " (" : "", name ? name : "",
                       name ? ")" : "");
        if (json_integer_value(json_object_get(t, "alert_id")))
                printf("alert:    %lld (%s)\n",
                       (long long)json_integer_value(json_object_get(t, "alert_id")),
                       str(t, "alert_kind") ? str(t, "alert_kind") : "");
        if (str(t, "person_id"))
                printf("person:   %s\n", str(t, "person_id"));
        if (str(t, "notes"))
                printf("notes:    %s\n", str(t, "notes"));
        if (str(t, "action"))
                printf("action:   %s%s%s\n", str(t, "action"), str(t, "outcome") ? ": " : "",
                       str(t, "outcome") ? str(t, "outcome") : "");
        if (str(t, "resolved_at"))
                printf("done:     %.10s\n", str(t, "resolved_at"));
        if (!isnan(hb) || !isnan(ha))
                printf("health:   %.0f before, %s after%s%.10s%s\n", hb, isnan(ha) ? "not yet" : "",
                       isnan(ha) ? "" : " (as of ",
                       isnan(ha) ? "" : or_dash(str(t, "health_after_at")), isnan(ha) ? "" : ")");
        if (!isnan(ha))
                printf("          %.0f after\n", ha);
        if (json_is_boolean(rec))
                printf("reconnected: %s\n", json_is_true(rec) ? "yes" : "no");
}

static void print_row(json_t *t)
{
        printf("%6lld  %-11s %-14s %-10.10s %-14s %s\n",
               (long long)json_integer_value(json_object_get(t, "id")), or_dash(str(t, "status")),
               or_dash(str(t, "owner")), or_dash(str(t, "due_at")), or_dash(str(t, "account_id")),
               or_dash(str(t, "title")));
}

static void print_outcome(json_t *o)
{
        double change = num(o, "mean_health_change");
        json_int_t judged = json_integer_value(json_object_get(o, "reconnect_judged"));
        json_int_t back = json_integer_value(json_object_get(o, "reconnected"));

        printf("%-8s %6lld %9lld ", or_dash(str(o, "action")),
               (long long)json_integer_value(json_object_get(o, "done")),
               (long long)json_integer_value(json_object_get(o, "followed_up")));
        if (isnan(change))
                printf("%14s ", "-");
        else
                printf("%+14.1f ", change);
        if (judged)
                printf("%5.0f%% (%lld of %lld)\n", 100.0 * (double)back / (double)judged,
                       (long long)back, (long long)judged);
        else
                printf("%6s\n", "-");
}

static int tasks_update(struct cli *c, int done)
{
        struct store_task_change ch;
        struct acli_op op;
        struct cxg_error e;
        int64_t id = 0;
        int code;

        store_task_change_init(&ch);
        if (done)
                ch.status = "done";
        for (int i = 2; i < c->argc; i++) {
                const char *a = c->argv[i];

                if (i + 1 < c->argc && strcmp(a, "--status") == 0 && !done) {
                        ch.status = c->argv[++i];
                } else if (i + 1 < c->argc && strcmp(a, "--action") == 0) {
                        ch.action = c->argv[++i];
                } else if (i + 1 < c->argc && strcmp(a, "--notes") == 0) {
                        ch.notes = c->argv[++i];
                } else if (i + 1 < c->argc && strcmp(a, "--outcome") == 0) {
                        ch.outcome = c->argv[++i];
                } else if (i + 1 < c->argc && strcmp(a, "--owner") == 0) {
                        ch.owner = c->argv[++i];
                } else if (i + 1 < c->argc && strcmp(a, "--due") == 0) {
                        if ((code = cmd_parse_at("tasks", c->argv[++i], &ch.due_at)))
                                return code;
                } else if (!id && a[0] != '-') {
                        if ((code = acli_parse_id("tasks", a, &id)))
                                return code;
                } else {
                        cli_errorf("tasks: unknown argument '%s'", a);
                        tasks_usage(stderr);
                        return CLI_USAGE;
                }
        }
        if (!id) {
                cli_errorf("tasks: which task? (an id)");
                return CLI_USAGE;
        }
        if ((code = acli_op_open(c, "tasks", &op)))
                return code;
        cxg_error_clear(&e);
        if (app_task_update(&op.ctx, id, &ch, &e))
                code = acli_fail("tasks", &e, task_flags);
        else
                printf("task %lld updated\n", (long long)id);
        acli_op_close(&op);
        return code;
}

/* Read tasks (or outcomes) and print them in text or as JSON. */
static int tasks_read(struct cli *c, const struct store_task_filter *f, int outcomes, int json)
{
        struct store *st = NULL;
        struct cxg_error e;
        json_t *arr = NULL, *x;
        size_t i;
        int code;

        cxg_error_clear(&e);
        if (!outcomes && app_task_filter_check(f, &e))
                return acli_fail("tasks", &e, task_flags);
        if (store_open(c->db_path, STORE_READONLY, &st, &e) ||
            (outcomes ? view_task_outcomes_read(st, &arr, &e)
                      : view_tasks_read(st, f, &arr, NULL, &e))) {
                store_close(st);
                return acli_fail("tasks", &e, task_flags);
        }
        store_close(st);
        if ((code = acli_json_or_text(arr, json, "tasks", "task", f->id)) != -1)
                return code;
        if (outcomes) {
                printf("%-8s %6s %9s %14s %s\n", "action", "done", "followed", "health change",
                       "reconnect rate");
                json_array_foreach(arr, i, x) print_outcome(x);
        } else if (f->id) {
                print_detail(json_array_get(arr, 0));
        } else {
                printf("%6s  %-11s %-14s %-10s %-14s %s\n", "id", "status", "owner", "due",
                       "account", "title");
                json_array_foreach(arr, i, x) print_row(x);
        }
        json_decref(arr);
        return CLI_OK;
}

int cli_tasks(struct cli *c)
{
        struct store_task_filter f;
        int json = 0, code, i = 1, outcomes = 0;

        memset(&f, 0, sizeof(f));
        if (c->argc > 1 && strcmp(c->argv[1], "update") == 0)
                return tasks_update(c, 0);
        if (c->argc > 1 && strcmp(c->argv[1], "done") == 0)
                return tasks_update(c, 1);
        if (c->argc > 1 && strcmp(c->argv[1], "outcomes") == 0) {
                outcomes = 1;
                i = 2;
        } else if ((code = acli_parse_show(c, "tasks", "task", &f.id, &i))) {
                return code;
        }
        for (; i < c->argc; i++) {
                const char *a = c->argv[i];

                if (strcmp(a, "--json") == 0) {
                        json = 1;
                } else if (strcmp(a, "--owner") == 0 && i + 1 < c->argc) {
                        f.owner = c->argv[++i];
                } else if (strcmp(a, "--status") == 0 && i + 1 < c->argc) {
                        f.status = c->argv[++i];
                } else if (strcmp(a, "--account") == 0 && i + 1 < c->argc) {
                        f.account_id = c->argv[++i];
                } else if (strcmp(a, "--limit") == 0 && i + 1 < c->argc) {
                        if ((code = acli_parse_limit("tasks", c->argv[++i], &f.limit)))
                                return code;
                } else if (strcmp(a, "--after") == 0 && i + 1 < c->argc) {
                        if ((code = acli_parse_id("tasks", c->argv[++i], &f.after_id)))
                                return code;
                } else if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0) {
                        tasks_usage(stdout);
                        return CLI_OK;
                } else {
                        cli_errorf("tasks: unknown argument '%s'", a);
                        tasks_usage(stderr);
                        return CLI_USAGE;
                }
        }
        return tasks_read(c, &f, outcomes, json);
}
