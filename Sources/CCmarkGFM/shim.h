// cmark-gfm and its GitHub extensions (tables, strikethrough, autolink, tasklist, tagfilter).
// Seen by exactly one Swift file: Sources/Annotations/CommonMarkConverter.swift.
#include <cmark-gfm.h>
#include <cmark-gfm-extension_api.h>
#include <cmark-gfm-core-extensions.h>
