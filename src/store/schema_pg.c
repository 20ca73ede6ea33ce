/*
 * schema_pg.c: the migrations of schema.c in PostgreSQL's dialect.
 * PROVISIONAL: placeholders so pg.c links; the pgschema branch writes the real DDL.
 */
#include <stddef.h>

#include "store/schema.h"
#include "core/banned.h"

const char *const store_migrations_pg[] = {
    "SELECT 1", "SELECT 1", "SELECT 1", "SELECT 1", "SELECT 1", "SELECT 1", NULL,
};
