/*
 * cmd_engine.h: what the engine's subcommands (score, accounts, account, segments, cohorts)
 * share: opening the store and the engine with the global --db and --config options, and
 * parsing --at and --threads. Implemented in cmd_engine.c.
 */
#ifndef CXG_CLI_CMD_ENGINE_H
#define CXG_CLI_CMD_ENGINE_H

#include <stdint.h>

#include "cli/cli.h"
#include "engine/engine.h"
#include "store/store.h"

/*
 * Open the store (read-only unless writable) and the engine as of at on threads threads.
 * Prints the error as "cxgarden: CMD: ..." and returns CLI_FAIL on failure, else CLI_OK; on
 * success the caller closes *st and releases e.
 */
int cmd_engine_open(struct cli *c, const char *cmd, int64_t at, int threads, int writable,
                    struct store **st, struct eng_engine *e);
/*
 * Parse an --at value: a date (the end of that day, UTC), a date-time or unix seconds.
 * Returns CLI_OK or prints the error and returns CLI_USAGE.
 */
int cmd_parse_at(const char *cmd, const char *s, int64_t *at);
/* Parse --threads (1-64). */
int cmd_parse_threads(const char *cmd, const char *s, int *threads);

#endif
