/*
 * cmd_engine.c: what the engine's subcommands share (cmd_engine.h): parsing --at and
 * --threads, and opening the store and the engine with the global --db and --config options.
 */
#include <stdio.h>
#include <string.h>

#include "cli/cmd_engine.h"
#include "core/banned.h"
#include "core/config.h"
#include "core/parse.h"
#include "core/timeconst.h"

int cmd_parse_at(const char *cmd, const char *s, int64_t *at)
{
        struct cxg_error err;
        size_t n = strlen(s);

        cxg_error_clear(&err);
        if (cxg_parse_time(s, n, at, &err)) {
                cli_errorf("%s: --at: %s", cmd, err.msg);
                return CLI_USAGE;
        }
        /* a bare date means the whole day */
        if (n == 10 && s[4] == '-' && s[7] == '-')
                *at += CXG_DAY - 1;
        return CLI_OK;
}

int cmd_parse_threads(const char *cmd, const char *s, int *threads)
{
        struct cxg_error err;
        int64_t v;

        if (cxg_parse_int64(s, strlen(s), &v, &err) || v < 1 || v > 64) {
                cli_errorf("%s: --threads must be a whole number from 1 to 64, not \"%s\"", cmd, s);
                return CLI_USAGE;
        }
        *threads = (int)v;
        return CLI_OK;
}

/* The engine names the fields it refuses (err->field); the command line names its flags. */
static const struct cli_flag engine_flags[] = {{"at", "at"}, {NULL, NULL}};

static void report_open_error(const char *cmd, const struct cxg_error *err)
{
        char line[900];

        for (size_t i = 0; engine_flags[i].field; i++)
                if (strcmp(err->field, engine_flags[i].field) == 0) {
                        cli_report(cmd, err, engine_flags);
                        return;
                }
        cli_errorf("%s: %s", cmd, cxg_error_format(err, line, sizeof(line)));
}

int cmd_engine_open(struct cli *c, const char *cmd, int64_t at, int threads, int writable,
                    struct store **st, struct eng_engine *e)
{
        struct cxg_error err;
        struct cxg_config cfg;
        enum cxg_err rc;

        cxg_error_clear(&err);
        cxg_config_init(&cfg);
        memset(e, 0, sizeof(*e));
        *st = NULL;
        if (c->config_path && cxg_config_load(&cfg, c->config_path, &err)) {
                cli_errorf("%s: %s", cmd, err.msg);
                cxg_config_release(&cfg);
                return CLI_FAIL;
        }
        rc = store_open(c->db_path, writable ? 0 : STORE_READONLY, st, &err);
        if (!rc)
                rc = eng_engine_open(e, *st, c->config_path ? &cfg : NULL, at, threads, &err);
        cxg_config_release(&cfg);
        if (rc) {
                report_open_error(cmd, &err);
                eng_engine_release(e);
                store_close(*st);
                *st = NULL;
                return CLI_FAIL;
        }
        return CLI_OK;
}
