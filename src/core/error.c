/* Thread-local error messages and status names. */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "core/error_internal.h"

static _Thread_local char tls_message[1024];

const char *weir_last_error(void) { return tls_message; }

const char *weir_status_name(weir_status s) {
  switch (s) {
  case WEIR_OK: return "WEIR_OK";
  case WEIR_ERR_INVALID_ARGUMENT: return "WEIR_ERR_INVALID_ARGUMENT";
  case WEIR_ERR_INDEX: return "WEIR_ERR_INDEX";
  case WEIR_ERR_TYPE: return "WEIR_ERR_TYPE";
  case WEIR_ERR_UNSUPPORTED: return "WEIR_ERR_UNSUPPORTED";
  case WEIR_ERR_OUT_OF_MEMORY: return "WEIR_ERR_OUT_OF_MEMORY";
  case WEIR_ERR_DEVICE: return "WEIR_ERR_DEVICE";
  case WEIR_ERR_INTERNAL: return "WEIR_ERR_INTERNAL";
  }
  return "WEIR_ERR_UNKNOWN";
}

weir_status weir__fail(weir_status st, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(tls_message, sizeof tls_message, fmt, ap);
  va_end(ap);
  return st;
}

void weir__set_error(weir_status st, const char *msg) {
  (void)st;
  if (msg != tls_message) snprintf(tls_message, sizeof tls_message, "%s", msg ? msg : "");
}

weir_status weir__null_arg(const char *fn, const char *arg) {
  return weir__fail(WEIR_ERR_INVALID_ARGUMENT, "%s: argument '%s' must not be NULL", fn, arg);
}
