/* Internal error helpers: set this thread's message and return the status. */
#ifndef WEIR_CORE_ERROR_INTERNAL_H
#define WEIR_CORE_ERROR_INTERNAL_H

#include "weir/error.h"

#if defined(__GNUC__)
#define WEIR__PRINTF(a, b) __attribute__((format(printf, a, b)))
#else
#define WEIR__PRINTF(a, b)
#endif

/* Formats the thread-local message and returns st (so callers write `return weir__fail(...)`). */
weir_status weir__fail(weir_status st, const char *fmt, ...) WEIR__PRINTF(2, 3);
/* Sets the thread-local message verbatim. */
void weir__set_error(weir_status st, const char *msg);
/* Guard for NULL pointer arguments: `if (!p) return weir__null_arg("weir_add", "out");` */
weir_status weir__null_arg(const char *fn, const char *arg);

#endif
