/*
 * cmd_gardens.h: what the garden subcommands (cmd_gardens.c, cmd_gardens_eng.c) share: option
 * parsing, opening the store, the acting user, the rules from the config, JSON output, and the
 * engine-backed subcommands.
 */
#ifndef CXG_CLI_CMD_GARDENS_H
#define CXG_CLI_CMD_GARDENS_H

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

#include "app/app.h"
#include "cli/cli.h"
#include "model/garden.h"
#include "store/store.h"

/* One --name option: arg = 1 when it takes a value; val is set by gcli_parse ("1" for flags). */
struct gcli_opt {
        const char *name;
        int arg;
        const char *val;
};

/*
 * Parse argv[start..argc) into options o and at most maxpos positional arguments (pos,
 * *npos). Accepts --name VALUE and --name=VALUE. Returns CLI_OK or prints and returns
 * CLI_USAGE.
 */
int gcli_parse(const char *cmd, int argc, char **argv, int start, struct gcli_opt *o, size_t no,
               const char **pos, size_t maxpos, size_t *npos);
/* Value of option name, or NULL. */
const char *gcli_val(const struct gcli_opt *o, size_t no, const char *name);
/* Open the store (read-only unless writable); prints the error and returns CLI_FAIL. */
int gcli_open(struct cli *c, const char *cmd, int writable, struct store **st);
/* Rules from the --config file ([gardens] approvers = 2). */
int gcli_rules(struct cli *c, const char *cmd, struct garden_rules *r);
/* The acting user (--as); CLI_USAGE when not given, CLI_FAIL when unknown. */
int gcli_actor(struct store *st, const char *cmd, const char *name, struct garden_actor *a);
/* Print err for cmd; CLI_USAGE for usage errors, else CLI_FAIL. */
int gcli_fail(const char *cmd, const struct cxg_error *err);
/* Fill *ac for a garden operation on st (config file of c, actor cli:USER); CLI_USAGE when the
 * config file cannot be read. */
int gcli_ctx(struct cli *c, const char *cmd, struct store *st, struct app_ctx *ac);
/* Parse a --opt date (NULL: CXG_TS_NONE). */
int gcli_time(const char *cmd, const char *opt, const char *s, int64_t *t);
/* Print j (stolen) as indented JSON; NULL means out of memory (CLI_FAIL). */
int gcli_print_json(json_t *j);
/* Parse an idea id (a positive integer); prints and returns CLI_USAGE when it is not one. */
int gcli_idea_id(const char *cmd, const char *s, int64_t *id);
/* "YYYY-MM-DD" of t into buf (at least 11 bytes), "-" for CXG_TS_NONE; returns buf. */
char *gcli_date(int64_t t, char *buf);
/* Now, unix seconds. */
int64_t gcli_now(void);

/* Engine-backed subcommands (cmd_gardens_eng.c); argv[1] is the subcommand's name. */
int gcli_gardens_suggest(struct cli *c, int argc, char **argv);
int gcli_gardens_impact(struct cli *c, int argc, char **argv);
int gcli_gardens_seed_demo(struct cli *c, int argc, char **argv);
int gcli_ideas_results(struct cli *c, int argc, char **argv);
int gcli_ideas_rollout(struct cli *c, int argc, char **argv);
int gcli_ideas_rollout_report(struct cli *c, int argc, char **argv);

#endif
