/*
 * cmd_user.c: `cxgarden user add|list|passwd` and `cxgarden token create|list|revoke`.
 * Generated passwords and tokens are printed once on stdout and stored only as hashes.
 */
#include <pwd.h>
#include <time.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "api/api.h"
#include "api/api_auth.h"
#include "app/users.h"
#include "cli/cli.h"
#include "core/banned.h"
#include "core/config.h"
#include "core/parse.h"
#include "core/timeconst.h"
#include "store/store_auth.h"

static void print_err(const char *what, const struct cxg_error *err)
{
        char line[800];

        cli_errorf("%s: %s", what, cxg_error_format(err, line, sizeof(line)));
}

/* The config file's [auth] pwhash and [server] data_dir (the key file), as the server reads them.
 */
static int load_cfg(struct cli *c, struct api_config *cfg)
{
        struct cxg_config ini;
        struct cxg_error err = {0};
        int ok = 1;

        api_config_defaults(cfg);
        if (!c->config_path)
                return 1;
        cxg_config_init(&ini);
        if (cxg_config_load(&ini, c->config_path, &err) || api_config_apply(cfg, &ini, &err)) {
                print_err("config", &err);
                ok = 0;
        }
        cxg_config_release(&ini);
        return ok;
}

static void user_help(FILE *f)
{
        fprintf(f, "usage: cxgarden [--db PATH] [--config FILE] user add NAME --role ROLE "
                   "[--person PERSON_ID]\n"
                   "       cxgarden [--db PATH] user list\n"
                   "       cxgarden [--db PATH] user passwd NAME\n"
                   "roles: admin, analyst, account_manager, member (members need --person)\n"
                   "add and passwd print a generated password once.\n");
}

static enum cxg_err print_user(void *ctx, const struct store_user *u)
{
        char t[24];

        (void)ctx;
        printf("%-24s %-16s %-20s %s%s\n", u->name, u->role, cxg_time_format(u->created_at, t),
               u->person_id[0] ? u->person_id : "-", u->disabled ? " (disabled)" : "");
        return CXG_OK;
}

int cli_user(struct cli *c)
{
        struct api_config cfg;
        struct store *s = NULL;
        char pw[API_PASSWORD_LEN + 1], hash[API_PWHASH_LEN], who[160];
        struct app_ctx ctx;
        const char *sub = c->argc > 1 ? c->argv[1] : NULL;
        const char *name = NULL, *role = NULL, *person = NULL;
        struct cxg_error err = {0};
        int rc = CLI_FAIL;

        if (!sub || strcmp(sub, "--help") == 0 || strcmp(sub, "-h") == 0) {
                user_help(sub ? stdout : stderr);
                return sub ? CLI_OK : CLI_USAGE;
        }
        for (int i = 2; i < c->argc; i++) {
                const char *a = c->argv[i], *v = i + 1 < c->argc ? c->argv[i + 1] : NULL;

                if (strcmp(a, "--role") == 0 && v) {
                        role = v;
                        i++;
                } else if (strcmp(a, "--person") == 0 && v) {
                        person = v;
                        i++;
                } else if (a[0] != '-' && !name) {
                        name = a;
                } else {
                        cli_errorf("user: unexpected argument '%s'", a);
                        user_help(stderr);
                        return CLI_USAGE;
                }
        }
        if (strcmp(sub, "add") == 0) {
                if (!name || !role) {
                        cli_errorf("user add: NAME and --role are required");
                        return CLI_USAGE;
                }
                if (!api_user_name_valid(name)) {
                        cli_errorf("user add: name must be 1-64 letters, digits or . _ - @");
                        return CLI_USAGE;
                }
                if (!api_role_valid(role)) {
                        cli_errorf("user add: role must be admin, analyst, account_manager or "
                                   "member, not \"%s\"",
                                   role);
                        return CLI_USAGE;
                }
                if (strcmp(role, "member") == 0 && !person) {
                        cli_errorf("user add: a member needs --person PERSON_ID");
                        return CLI_USAGE;
                }
        } else if (strcmp(sub, "passwd") == 0) {
                if (!name) {
                        cli_errorf("user passwd: NAME is required");
                        return CLI_USAGE;
                }
        } else if (strcmp(sub, "list") != 0) {
                cli_errorf("user: unknown subcommand '%s'", sub);
                user_help(stderr);
                return CLI_USAGE;
        }
        if (!load_cfg(c, &cfg))
                return CLI_USAGE;
        if (api_sodium_init(&err) || store_open(c->db_path, 0, &s, &err)) {
                print_err("user", &err);
                return CLI_FAIL;
        }
        if (strcmp(sub, "list") == 0) {
                printf("%-24s %-16s %-20s %s\n", "NAME", "ROLE", "CREATED", "PERSON");
                if (store_user_list(s, print_user, NULL, &err))
                        print_err("user list", &err);
                else
                        rc = CLI_OK;
                goto done;
        }
        api_password_generate(pw);
        if (api_password_hash(pw, cfg.pwhash_fast, hash, &err)) {
                print_err("user", &err);
                goto done;
        }
        app_ctx_cli(&ctx, s, NULL, who, sizeof(who));
        if (strcmp(sub, "add") == 0) {
                if (app_user_add(&ctx, name, role, hash, person, NULL, &err)) {
                        print_err("user add", &err);
                        goto done;
                }
        } else if (app_user_passwd(&ctx, name, hash, &err)) {
                print_err("user passwd", &err);
                goto done;
        }
        printf("%s\n", pw);
        fprintf(stderr, "cxgarden: password for %s printed above; it is not shown again\n", name);
        rc = CLI_OK;
done:
        store_close(s);
        return rc;
}

static void token_help(FILE *f)
{
        fprintf(f,
                "usage: cxgarden [--db PATH] [--config FILE] token create --user NAME\n"
                "           [--scope read|read-write|ingest] [--expires DAYS]\n"
                "       cxgarden [--db PATH] token list\n"
                "       cxgarden [--db PATH] token revoke ID\n"
                "create prints the token once (send it as 'Authorization: Bearer TOKEN');\n"
                "the default scope is read and tokens do not expire unless --expires is given;\n"
                "ingest is write-only: event collection (/v1/*, the token as the Basic user name,\n"
                "docs/collect.md), /api/v1/interactions and /api/v1/feedback, nothing else.\n"
                "The key file is PATH.key beside an SQLite database; with a PostgreSQL --db it is\n"
                "[server] data_dir/cxgarden.key (--config FILE), as for serve.\n");
}

static enum cxg_err print_token(void *ctx, const struct store_token *t)
{
        char c1[24], c2[24], c3[24];
        int64_t now = *(int64_t *)ctx;
        const char *state = t->revoked_at != CXG_TS_NONE                             ? "revoked"
                            : (t->expires_at != CXG_TS_NONE && t->expires_at <= now) ? "expired"
                                                                                     : "active";

        printf("%-5lld %-14s %-16s %-10s %-20s %-20s %s\n", (long long)t->id, t->prefix,
               t->user_name, t->scope, cxg_time_format(t->created_at, c1),
               t->expires_at == CXG_TS_NONE ? "never" : cxg_time_format(t->expires_at, c2),
               t->revoked_at != CXG_TS_NONE ? cxg_time_format(t->revoked_at, c3) : state);
        return CXG_OK;
}

int cli_token(struct cli *c)
{
        struct api_config cfg;
        struct store *s = NULL;
        struct cxg_error err = {0};
        const char *sub = c->argc > 1 ? c->argv[1] : NULL;
        const char *user = NULL, *scope = "read", *idarg = NULL;
        int64_t days = 0, id = 0, now = (int64_t)time(NULL);
        unsigned char key[API_KEY_LEN], hash[STORE_HASH_LEN];
        char token[API_TOKEN_LEN], prefix[16], who[160];
        struct app_ctx ctx;
        struct store_user u;
        int rc = CLI_FAIL;

        if (!sub || strcmp(sub, "--help") == 0 || strcmp(sub, "-h") == 0) {
                token_help(sub ? stdout : stderr);
                return sub ? CLI_OK : CLI_USAGE;
        }
        for (int i = 2; i < c->argc; i++) {
                const char *a = c->argv[i], *v = i + 1 < c->argc ? c->argv[i + 1] : NULL;

                if (strcmp(a, "--user") == 0 && v) {
                        user = v;
                        i++;
                } else if (strcmp(a, "--scope") == 0 && v) {
                        scope = v;
                        i++;
                } else if (strcmp(a, "--expires") == 0 && v) {
                        if (cxg_parse_int64(v, strlen(v), &days, NULL) || days < 1 || days > 3650) {
                                cli_errorf("token: --expires needs a number of days, 1-3650");
                                return CLI_USAGE;
                        }
                        i++;
                } else if (a[0] != '-' && !idarg) {
                        idarg = a;
                } else {
                        cli_errorf("token: unexpected argument '%s'", a);
                        token_help(stderr);
                        return CLI_USAGE;
                }
        }
        if (strcmp(sub, "create") == 0) {
                if (!user) {
                        cli_errorf("token create: --user NAME is required");
                        return CLI_USAGE;
                }
                if (!api_scope_valid(scope)) {
                        cli_errorf("token create: --scope must be read, read-write or ingest");
                        return CLI_USAGE;
                }
        } else if (strcmp(sub, "revoke") == 0) {
                if (!idarg || cxg_parse_int64(idarg, strlen(idarg), &id, NULL) || id < 1) {
                        cli_errorf("token revoke: ID (a number from `token list`) is required");
                        return CLI_USAGE;
                }
        } else if (strcmp(sub, "list") != 0) {
                cli_errorf("token: unknown subcommand '%s'", sub);
                token_help(stderr);
                return CLI_USAGE;
        }
        if (store_open(c->db_path, 0, &s, &err)) {
                print_err("token", &err);
                return CLI_FAIL;
        }
        if (strcmp(sub, "list") == 0) {
                printf("%-5s %-14s %-16s %-10s %-20s %-20s %s\n", "ID", "PREFIX", "USER", "SCOPE",
                       "CREATED", "EXPIRES", "REVOKED");
                if (store_token_list(s, print_token, &now, &err))
                        print_err("token list", &err);
                else
                        rc = CLI_OK;
                goto done;
        }
        app_ctx_cli(&ctx, s, NULL, who, sizeof(who));
        ctx.now = now;
        if (strcmp(sub, "revoke") == 0) {
                if (app_token_revoke(&ctx, id, &err)) {
                        print_err("token revoke", &err);
                        goto done;
                }
                fprintf(stderr, "cxgarden: token %lld revoked\n", (long long)id);
                rc = CLI_OK;
                goto done;
        }
        if (!load_cfg(c, &cfg))
                goto done;
        if (api_key_load(c->db_path, cfg.data_dir, key, &err) ||
            store_user_by_name(s, user, &u, &err)) {
                print_err("token create", &err);
                goto done;
        }
        api_token_new(key, token, hash, prefix);
        if (app_token_create(&ctx, &u, hash, prefix, scope,
                             days ? now + days * CXG_DAY : CXG_TS_NONE, &id, &err)) {
                print_err("token create", &err);
                goto done;
        }
        printf("%s\n", token);
        fprintf(stderr, "cxgarden: token %lld for %s (%s) printed above; it is not shown again\n",
                (long long)id, u.name, scope);
        rc = CLI_OK;
done:
        store_close(s);
        return rc;
}
