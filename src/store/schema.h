/*
 * schema.h: the versioned migrations. Migration k (1-based) brings a database from version
 * k-1 to k; store_open applies the missing ones in one transaction each and records them in
 * schema_version. Never edit a released migration: add a new one at the end.
 */
#ifndef CXG_STORE_SCHEMA_H
#define CXG_STORE_SCHEMA_H

/* NULL-terminated list; store_migrations[0] is migration 1. */
extern const char *const store_migrations[];

#endif
