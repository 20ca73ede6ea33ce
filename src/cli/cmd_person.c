/*
 * cmd_person.c: `cxgarden [--db PATH] person export ID [--out FILE]` prints everything held
 * about a person as JSON (right of access); `cxgarden [--db PATH] person erase ID --yes
 * [--actor NAME]` erases their personal data and keeps only anonymous aggregates (right to
 * erasure). Both through src/app/privacy.h.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "app/privacy.h"
#include "cli/cli.h"
#include "core/banned.h"
#include "core/buf.h"
#include "store/store.h"

static void usage(FILE *f)
{
        fprintf(f,
                "usage: cxgarden [--db PATH] person export ID [--out FILE]\n"
                "       cxgarden [--db PATH] person erase ID --yes [--actor NAME]\n"
                "\n"
                "export: everything held about the person with external id ID (profile,\n"
                "        interactions, feedback and comments, objectives, login users, audit\n"
                "        entries) as one JSON object, on stdout or into FILE\n"
                "erase:  remove the person's personal data everywhere (external id, name, email,\n"
                "        role, attributes, comments, ids and attributes of their interactions,\n"
                "        linked logins) and keep only anonymous aggregates; the database file\n"
                "        and its WAL keep no copy. Cannot be undone: --yes confirms. The audit\n"
                "        log records the erasure by NAME (default: cli:$USER) without the erased "
                "data.\n");
}

static int do_export(struct cli *c, const char *id, const char *out_path)
{
        struct cxg_error err;
        struct app_ctx ctx;
        char who[128];
        struct store *s = NULL;
        struct cxg_buf b;
        enum cxg_err rc;
        FILE *f = stdout;
        int ret = CLI_FAIL;

        cxg_error_clear(&err);
        cxg_buf_init(&b, 0);
        if (!(rc = store_open(c->db_path, STORE_READONLY, &s, &err))) {
                app_ctx_cli(&ctx, s, NULL, who, sizeof(who));
                if (!(rc = app_person_export(&ctx, id, &b, &err)))
                        rc = cxg_buf_putc(&b, '\n');
        }
        if (rc) {
                cli_errorf("person export: %s", err.msg[0] ? err.msg : cxg_strerror(rc));
                goto done;
        }
        if (out_path && !(f = fopen(out_path, "w"))) {
                cli_errorf("person export: cannot write %s: %s", out_path, strerror(errno));
                goto done;
        }
        if (fwrite(b.data, 1, b.len, f) != b.len || fflush(f) != 0) {
                cli_errorf("person export: cannot write %s: %s", out_path ? out_path : "stdout",
                           strerror(errno));
                goto done;
        }
        ret = CLI_OK;
done:
        if (f && f != stdout && fclose(f) != 0 && ret == CLI_OK) {
                cli_errorf("person export: cannot write %s: %s", out_path, strerror(errno));
                ret = CLI_FAIL;
        }
        cxg_buf_release(&b);
        store_close(s);
        return ret;
}

static int do_erase(struct cli *c, const char *id, const char *actor)
{
        struct store_erase_report r;
        struct app_ctx ctx;
        char who[128];
        struct cxg_error err;
        struct store *s = NULL;
        enum cxg_err rc;

        cxg_error_clear(&err);
        if (!(rc = store_open(c->db_path, 0, &s, &err))) {
                app_ctx_cli(&ctx, s, NULL, who, sizeof(who));
                if (actor)
                        ctx.actor = actor;
                rc = app_person_erase(&ctx, id, &r, &err);
        }
        if (rc) {
                cli_errorf("person erase: %s", err.msg);
                store_close(s);
                return CLI_FAIL;
        }
        store_close(s);
        printf("person erase: %s erased, now %s: name, email, role and attributes removed; "
               "%lld interactions and %lld feedback answers anonymised, %lld objectives and "
               "%lld login users detached, %lld audit entries and %lld other texts redacted\n",
               id, r.anon_id, (long long)r.interactions, (long long)r.feedback,
               (long long)r.objectives, (long long)r.users, (long long)r.audit,
               (long long)r.mentions);
        if (r.wal_frames_left)
                fprintf(stderr,
                        "person erase: note: another process is reading %s; %d earlier pages "
                        "stay in its WAL until the next checkpoint (when it finishes)\n",
                        c->db_path, r.wal_frames_left);
        return CLI_OK;
}

int cli_person(struct cli *c)
{
        const char *action = NULL, *id = NULL, *out = NULL, *actor = NULL;
        int yes = 0;

        for (int i = 1; i < c->argc; i++) {
                const char *a = c->argv[i];

                if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0) {
                        usage(stdout);
                        return CLI_OK;
                } else if (strcmp(a, "--yes") == 0) {
                        yes = 1;
                } else if ((strcmp(a, "--out") == 0 || strcmp(a, "--actor") == 0) &&
                           i + 1 < c->argc) {
                        if (a[2] == 'o')
                                out = c->argv[++i];
                        else
                                actor = c->argv[++i];
                } else if (a[0] == '-' && a[1] != '\0') {
                        cli_errorf("person: unknown or incomplete option '%s'", a);
                        usage(stderr);
                        return CLI_USAGE;
                } else if (!action) {
                        action = a;
                } else if (!id) {
                        id = a;
                } else {
                        cli_errorf("person: unexpected argument '%s'", a);
                        return CLI_USAGE;
                }
        }
        if (!action || !id || !id[0]) {
                cli_errorf("person: %s", !action ? "missing export or erase" : "missing ID");
                usage(stderr);
                return CLI_USAGE;
        }
        if (strcmp(action, "export") == 0) {
                if (yes || actor) {
                        cli_errorf("person export: --yes and --actor belong to erase");
                        return CLI_USAGE;
                }
                return do_export(c, id, out);
        }
        if (strcmp(action, "erase") == 0) {
                if (out) {
                        cli_errorf("person erase: --out belongs to export");
                        return CLI_USAGE;
                }
                if (!yes) {
                        cli_errorf("person erase: this removes %s's personal data for good; add "
                                   "--yes to confirm",
                                   id);
                        return CLI_USAGE;
                }
                return do_erase(c, id, actor);
        }
        cli_errorf("person: unknown action '%s' (use export or erase)", action);
        return CLI_USAGE;
}
