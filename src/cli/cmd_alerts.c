/*
 * cmd_alerts.c: `cxgarden alerts`: list and show alerts (the JSON of view_alerts.h, the same
 * as the API's) and change their status (app_alert_set_status, audited).
 */
#include <stdio.h>
#include <string.h>

#include "app/alerts.h"
#include "app/view_alerts.h"
#include "cli/cmd_alerts.h"
#include "core/alloc.h"
#include "core/banned.h"

static const struct cli_flag alert_flags[] = {
    {"status", "status"}, {"kind", "kind"},          {"min_severity", "min-severity"},
    {"reason", "reason"}, {"account_id", "account"}, {NULL, NULL}};

static void alerts_usage(FILE *f)
{
        fprintf(f,
                "usage: cxgarden [--db PATH] alerts [--status S|live] [--kind K] [--account ID]\n"
                "                      [--min-severity S] [--before ID] [--limit N] [--json]\n"
                "       cxgarden alerts show ID [--json]\n"
                "       cxgarden alerts ack|resolve|reopen ID [--reason TEXT] [--by NAME]\n"
                "       cxgarden alerts dismiss ID --reason TEXT [--by NAME]\n");
}

static const char *status_of(const char *verb)
{
        return strcmp(verb, "ack") == 0       ? "acknowledged"
               : strcmp(verb, "resolve") == 0 ? "resolved"
               : strcmp(verb, "dismiss") == 0 ? "dismissed"
                                              : "open";
}

static int alerts_set(struct cli *c, const char *verb)
{
        const char *reason = NULL, *by = NULL;
        struct acli_op op;
        struct cxg_error e;
        int64_t id = 0;
        int code;

        for (int i = 2; i < c->argc; i++) {
                const char *a = c->argv[i];

                if (strcmp(a, "--reason") == 0 && i + 1 < c->argc) {
                        reason = c->argv[++i];
                } else if (strcmp(a, "--by") == 0 && i + 1 < c->argc) {
                        by = c->argv[++i];
                } else if (!id && a[0] != '-') {
                        if ((code = acli_parse_id("alerts", a, &id)))
                                return code;
                } else {
                        cli_errorf("alerts %s: unknown argument '%s'", verb, a);
                        alerts_usage(stderr);
                        return CLI_USAGE;
                }
        }
        if (!id) {
                cli_errorf("alerts %s: which alert? (an id)", verb);
                return CLI_USAGE;
        }
        if ((code = acli_op_open(c, "alerts", &op)))
                return code;
        if (by)
                op.ctx.actor = by;
        cxg_error_clear(&e);
        if (app_alert_set_status(&op.ctx, id, status_of(verb), reason, &e))
                code = acli_fail("alerts", &e, alert_flags);
        else
                printf("alert %lld %s\n", (long long)id, status_of(verb));
        acli_op_close(&op);
        return code;
}

/* A string member of a view, or "-". */
static const char *str(json_t *o, const char *key)
{
        const char *s = json_string_value(json_object_get(o, key));

        return s ? s : "-";
}

/* One alert in full, for `alerts show`. */
static void print_detail(json_t *a)
{
        char *ev = json_dumps(json_object_get(a, "evidence"),
                              JSON_INDENT(2) | JSON_PRESERVE_ORDER | JSON_REAL_PRECISION(8));
        const char *s;

        printf("alert %lld: %s, %s, %s\n", (long long)json_integer_value(json_object_get(a, "id")),
               str(a, "kind"), str(a, "severity"), str(a, "status"));
        printf("subject:     %s %s\n", str(a, "subject_type"), str(a, "subject"));
        printf("summary:     %s\n", str(a, "summary"));
        printf("first seen:  %.10s, last seen %.10s, seen %lld time%s\n", str(a, "first_seen"),
               str(a, "last_seen"),
               (long long)json_integer_value(json_object_get(a, "occurrences")),
               json_integer_value(json_object_get(a, "occurrences")) == 1 ? "" : "s");
        if ((s = json_string_value(json_object_get(a, "account_id"))))
                printf("account:     %s\n", s);
        if (json_integer_value(json_object_get(a, "task_id")))
                printf("task:        %lld\n",
                       (long long)json_integer_value(json_object_get(a, "task_id")));
        if ((s = json_string_value(json_object_get(a, "status_by")))) {
                const char *why = json_string_value(json_object_get(a, "status_reason"));

                printf("status by:   %s on %.10s%s%s\n", s, str(a, "status_at"), why ? ": " : "",
                       why ? why : "");
        }
        printf("evidence:\n%s\n", ev ? ev : "{}");
        cxg_free(ev);
}

static void print_row(json_t *a)
{
        printf("%6lld  %-12s %-8s %-22s %-10.10s %s\n",
               (long long)json_integer_value(json_object_get(a, "id")), str(a, "status"),
               str(a, "severity"), str(a, "kind"), str(a, "first_seen"), str(a, "summary"));
}

/* List (or with f->id, show) alerts in text or as JSON. */
static int alerts_read(struct cli *c, const struct store_alert_filter *f, int json)
{
        struct store *st = NULL;
        struct cxg_error e;
        json_t *arr = NULL, *a;
        size_t i;
        int code;

        cxg_error_clear(&e);
        if (app_alert_filter_check(f, &e))
                return acli_fail("alerts", &e, alert_flags);
        if (store_open(c->db_path, STORE_READONLY, &st, &e) ||
            view_alerts_read(st, f, &arr, NULL, &e)) {
                store_close(st);
                return acli_fail("alerts", &e, alert_flags);
        }
        store_close(st);
        if ((code = acli_json_or_text(arr, json, "alerts", "alert", f->id)) != -1)
                return code;
        if (f->id) {
                print_detail(json_array_get(arr, 0));
        } else {
                printf("%6s  %-12s %-8s %-22s %-10s %s\n", "id", "status", "severity", "kind",
                       "since", "summary");
                json_array_foreach(arr, i, a) print_row(a);
        }
        json_decref(arr);
        return CLI_OK;
}

int cli_alerts(struct cli *c)
{
        struct store_alert_filter f;
        int json = 0, code, i;

        memset(&f, 0, sizeof(f));
        if (c->argc > 1 &&
            (strcmp(c->argv[1], "ack") == 0 || strcmp(c->argv[1], "resolve") == 0 ||
             strcmp(c->argv[1], "dismiss") == 0 || strcmp(c->argv[1], "reopen") == 0))
                return alerts_set(c, c->argv[1]);
        if ((code = acli_parse_show(c, "alerts", "alert", &f.id, &i)))
                return code;
        for (; i < c->argc; i++) {
                const char *a = c->argv[i];

                if (strcmp(a, "--json") == 0) {
                        json = 1;
                } else if (strcmp(a, "--status") == 0 && i + 1 < c->argc) {
                        f.status = c->argv[++i];
                } else if (strcmp(a, "--kind") == 0 && i + 1 < c->argc) {
                        f.kind = c->argv[++i];
                } else if (strcmp(a, "--account") == 0 && i + 1 < c->argc) {
                        f.account_id = c->argv[++i];
                } else if (strcmp(a, "--min-severity") == 0 && i + 1 < c->argc) {
                        f.min_severity = c->argv[++i];
                } else if (strcmp(a, "--limit") == 0 && i + 1 < c->argc) {
                        if ((code = acli_parse_limit("alerts", c->argv[++i], &f.limit)))
                                return code;
                } else if (strcmp(a, "--before") == 0 && i + 1 < c->argc) {
                        if ((code = acli_parse_id("alerts", c->argv[++i], &f.before_id)))
                                return code;
                } else if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0) {
                        alerts_usage(stdout);
                        return CLI_OK;
                } else {
                        cli_errorf("alerts: unknown argument '%s'", a);
                        alerts_usage(stderr);
                        return CLI_USAGE;
                }
        }
        return alerts_read(c, &f, json);
}
