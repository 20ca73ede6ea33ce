/* web_assets.h: web files embedded into the binary at build time by scripts/embed.sh (it
 * writes build/gen/web_assets.c, which defines api_assets). */
#ifndef CXG_API_WEB_ASSETS_H
#define CXG_API_WEB_ASSETS_H

#include <stddef.h>

struct api_asset {
        const char *path; /* "/index.html" */
        const char *mime;
        const unsigned char *data;
        size_t len;
};

/* Every embedded file, ending with an entry whose path is NULL. */
extern const struct api_asset api_assets[];

#endif
