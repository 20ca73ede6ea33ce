/* cli.h: what every subcommand receives, and the subcommands main.c dispatches to. */
#ifndef CXG_CLI_H
#define CXG_CLI_H

#include "core/err.h"

/* Exit codes of the cxgarden command. */
enum {
        CLI_OK = 0,      /* done */
        CLI_FAIL = 1,    /* the operation failed (message on stderr) */
        CLI_USAGE = 2,   /* the command line is wrong */
        CLI_REJECTS = 3, /* an import finished but rejected some rows */
};

struct cli {
        const char *db_path;     /* --db, default "cxgarden.db" */
        const char *config_path; /* --config, or NULL */
        int argc;                /* arguments after the subcommand name */
        char **argv;             /* argv[0] is the subcommand name */
};

/* Each subcommand returns an exit code above. */
int cli_import(struct cli *c);
int cli_stats(struct cli *c);
int cli_generate(struct cli *c);
int cli_score(struct cli *c);
int cli_accounts(struct cli *c);
int cli_account(struct cli *c);
int cli_segments(struct cli *c);
int cli_cohorts(struct cli *c);
int cli_serve(struct cli *c);
int cli_user(struct cli *c);
int cli_token(struct cli *c);
int cli_person(struct cli *c);
int cli_purge(struct cli *c);
int cli_detect(struct cli *c);
int cli_alerts(struct cli *c);
int cli_tasks(struct cli *c);
int cli_webhook(struct cli *c);
int cli_sweetspot(struct cli *c);
/* Run every detector quietly after an import (one summary line on stderr); an exit code. */
int cli_detect_after_import(struct cli *c);
int cli_nps(struct cli *c);
int cli_csat(struct cli *c);
int cli_ces(struct cli *c);
int cli_voc(struct cli *c);
int cli_themes(struct cli *c);
int cli_fit(struct cli *c);
int cli_gardens(struct cli *c);
int cli_ideas(struct cli *c);
int cli_ledger(struct cli *c);
int cli_migrate(struct cli *c);

/* Print "cxgarden: " and the message to stderr. */
void cli_errorf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/*
 * Errors below the front ends name fields (err->field), never flags. A command lists which of
 * its flags sets which field; cli_report prints "cxgarden: CMD: MESSAGE" and, when e->field is
 * in map, " (set with --FLAG)". map ends with {NULL, NULL}; it may be NULL.
 */
struct cli_flag {
        const char *field;
        const char *flag; /* without the leading "--" */
};
void cli_report(const char *cmd, const struct cxg_error *e, const struct cli_flag *map);
/*
 * cli_report with the error's place: "file:line: field 'x': message" (cxg_error_format; the
 * field is left out when a flag names it). cmd may be NULL when the message names it.
 */
void cli_report_at(const char *cmd, const struct cxg_error *e, const struct cli_flag *map);

#endif
