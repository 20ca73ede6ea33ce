/*
 * schema.h: the versioned migrations. Migration k (1-based) brings a database from version
 * k-1 to k; store_open applies the missing ones in one transaction each and records them in
 * schema_version. Never edit a released migration: add a new one at the end.
 */
#ifndef CXG_STORE_SCHEMA_H
#define CXG_STORE_SCHEMA_H

/* NULL-terminated list; store_migrations[0] is migration 1. */
extern const char *const store_migrations[];
/*
 * The same versions in PostgreSQL's dialect (schema_pg.c): entry k does on PostgreSQL what
 * store_migrations[k] does on SQLite, so both backends share one version sequence.
 */
extern const char *const store_migrations_pg[];

#endif
