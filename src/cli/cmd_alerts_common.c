/* cmd_alerts_common.c: helpers the early-warning subcommands share (see cmd_alerts.h). */
#include <stdio.h>
#include <string.h>

#include "cli/cmd_alerts.h"
#include "core/alloc.h"
#include "core/banned.h"
#include "core/parse.h"
#include "store/store_alerts.h"

int acli_print_json(json_t *j)
{
        char *s;

        if (!j) {
                cli_errorf("out of memory");
                return CLI_FAIL;
        }
        /* the API's precision, so both render the same numbers */
        s = json_dumps(j, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
        json_decref(j);
        if (!s) {
                cli_errorf("out of memory");
                return CLI_FAIL;
        }
        puts(s);
        cxg_free(s);
        return CLI_OK;
}

int acli_fail(const char *cmd, const struct cxg_error *e, const struct cli_flag *map)
{
        cli_report(cmd, e, map);
        return e->code == CXG_ERR_USAGE || e->code == CXG_ERR_INVALID ? CLI_USAGE : CLI_FAIL;
}

int acli_parse_id(const char *cmd, const char *s, int64_t *id)
{
        struct cxg_error e;

        if (cxg_parse_int64(s, strlen(s), id, &e) || *id <= 0) {
                cli_errorf("%s: not an id: \"%s\"", cmd, s);
                return CLI_USAGE;
        }
        return CLI_OK;
}

int acli_load_config(struct cli *c, const char *cmd, struct cxg_config *cfg)
{
        struct cxg_error e;

        cxg_config_init(cfg);
        cxg_error_clear(&e);
        if (c->config_path && cxg_config_load(cfg, c->config_path, &e)) {
                cli_errorf("%s: %s", cmd, e.msg);
                return CLI_FAIL;
        }
        return CLI_OK;
}

const char *acli_date(int64_t t, char *buf)
{
        return t == CXG_TS_NONE ? "-" : cxg_date_format(t, buf);
}

int acli_op_open(struct cli *c, const char *cmd, struct acli_op *op)
{
        struct cxg_error e;

        cxg_error_clear(&e);
        op->st = NULL;
        if (store_open(c->db_path, 0, &op->st, &e)) {
                store_close(op->st);
                op->st = NULL;
                return acli_fail(cmd, &e, NULL);
        }
        app_ctx_cli(&op->ctx, op->st, NULL, op->actor, sizeof(op->actor));
        return CLI_OK;
}

void acli_op_close(struct acli_op *op)
{
        store_close(op->st);
        op->st = NULL;
}

int acli_parse_limit(const char *cmd, const char *s, int *limit)
{
        int64_t v;
        int code;

        if ((code = acli_parse_id(cmd, s, &v)))
                return code;
        *limit = v > STORE_ALERTS_MAX_LIMIT ? STORE_ALERTS_MAX_LIMIT : (int)v;
        return CLI_OK;
}

int acli_parse_show(struct cli *c, const char *cmd, const char *what, int64_t *id, int *next)
{
        *next = 1;
        if (c->argc < 2 || strcmp(c->argv[1], "show") != 0)
                return CLI_OK;
        if (c->argc < 3) {
                cli_errorf("%s show: which %s? (an id)", cmd, what);
                return CLI_USAGE;
        }
        *next = 3;
        return acli_parse_id(cmd, c->argv[2], id);
}

int acli_json_or_text(json_t *arr, int json, const char *cmd, const char *what, int64_t id)
{
        json_t *one;

        if (id && !json_array_size(arr)) {
                json_decref(arr);
                cli_errorf("%s: %s %lld not found", cmd, what, (long long)id);
                return CLI_FAIL;
        }
        if (!json)
                return -1;
        if (!id)
                return acli_print_json(arr);
        one = json_incref(json_array_get(arr, 0));
        json_decref(arr);
        return acli_print_json(one);
}
