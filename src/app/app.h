/*
 * app.h: the use-case layer. One function per user operation (record an experiment result,
 * move an idea, run the detectors, resolve a task, erase a person, import a file, ...): it
 * validates, decides policy, writes through the store in one transaction together with its
 * audit record, and returns a result struct. The CLI (src/cli/) and the HTTP API (src/api/)
 * parse their input, call one app_* function and render; neither writes SQL, audits or decides
 * policy. JSON views of domain objects are built once (src/app/view*.h) for both.
 *
 * Errors set struct cxg_error with the *field* concerned (err->field), never a command-line
 * flag: the CLI maps a field to its flag, the API names it in its error document.
 */
#ifndef CXG_APP_H
#define CXG_APP_H

#include <stdint.h>

#include <jansson.h>

#include "core/config.h"
#include "core/err.h"
#include "store/store.h"

/* Who performs an operation, where and when. Strings borrowed for the call. */
struct app_ctx {
        struct store *st;
        /* audit actor: the signed-in user's name, or app_cli_actor() from the command line */
        const char *actor;
        int64_t token_id;             /* API token the request came with (audited), or 0 */
        const struct cxg_config *cfg; /* settings ([gardens] impact_segment, ...); may be NULL */
        int64_t now;                  /* unix seconds of the operation */
};

/*
 * Fill *c for a command-line operation on st: actor "cli:USER" (the Unix user, or "cli" when
 * unknown, written into buf of size n), now = the current time.
 */
void app_ctx_cli(struct app_ctx *c, struct store *st, const struct cxg_config *cfg, char *buf,
                 size_t n);

/*
 * Append one audit record: c->actor did `action` (create, update, status, move, erase, ...) to
 * `entity` (alerts, tasks, ideas, experiments, people, ...) `entity_id` (may be NULL), with a
 * JSON summary (borrowed, may be NULL; "via_token" is added when c->token_id is set). Call it
 * inside the operation's transaction so the write and its audit commit together.
 */
enum cxg_err app_audit(const struct app_ctx *c, const char *action, const char *entity,
                       const char *entity_id, json_t *summary, struct cxg_error *err) CXG_WUR;

#endif
