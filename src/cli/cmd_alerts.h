/*
 * cmd_alerts.h: what the early-warning subcommands (detect, alerts, tasks, webhook, sweetspot;
 * one file each) share: printing a view, reporting an error from below with the command's
 * flags, ids, the configuration and the command-line operation context. Implemented in
 * cmd_alerts_common.c.
 */
#ifndef CXG_CLI_CMD_ALERTS_H
#define CXG_CLI_CMD_ALERTS_H

#include <stdint.h>

#include <jansson.h>

#include "app/app.h"
#include "cli/cli.h"
#include "core/config.h"

/* Print j (stolen) as indented JSON on stdout; CLI_FAIL when j is NULL (out of memory). */
int acli_print_json(json_t *j);
/* Report e (cli_report with map) and return CLI_USAGE for bad input, CLI_FAIL otherwise. */
int acli_fail(const char *cmd, const struct cxg_error *e, const struct cli_flag *map);
/* Parse a positive id; prints the error and returns CLI_USAGE when s is not one. */
int acli_parse_id(const char *cmd, const char *s, int64_t *id);
/* Parse --limit: a positive whole number, at most STORE_ALERTS_MAX_LIMIT. */
int acli_parse_limit(const char *cmd, const char *s, int *limit);
/*
 * `CMD show ID`: when argv[1] is "show", parse the id into *id and set *next to the first
 * argument after it. Returns CLI_OK or an exit code (printed).
 */
int acli_parse_show(struct cli *c, const char *cmd, const char *what, int64_t *id, int *next);
/*
 * The end of a read of arr (stolen unless -1 is returned): with id and nothing read, "CMD:
 * WHAT ID not found" and CLI_FAIL; with json, arr printed (its one object when id) and the
 * exit code; otherwise -1: the caller prints text and frees arr.
 */
int acli_json_or_text(json_t *arr, int json, const char *cmd, const char *what, int64_t id);
/* Load --config (when given) into cfg (released by the caller also on failure). */
int acli_load_config(struct cli *c, const char *cmd, struct cxg_config *cfg);
/* "2026-06-01", or "-" for CXG_TS_NONE; buf holds 32 bytes. */
const char *acli_date(int64_t t, char *buf);

/* A store opened for a write by the command line, with its operation context. */
struct acli_op {
        struct store *st;
        struct app_ctx ctx;
        char actor[96];
};
/* Open the store of --db for writing and fill op; reports and returns CLI_FAIL on failure. */
int acli_op_open(struct cli *c, const char *cmd, struct acli_op *op);
void acli_op_close(struct acli_op *op);

#endif
