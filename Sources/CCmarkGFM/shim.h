// cmark-gfm and its GitHub extensions (tables, strikethrough, autolink, tasklist, tagfilter).
#include <cmark-gfm.h>
#include <cmark-gfm-core-extensions.h>
