/* The calling thread's stack of weir_stream_push frames (stream.c). */
#ifndef WEIR_CORE_THREAD_DEFAULTS_H
#define WEIR_CORE_THREAD_DEFAULTS_H

#include <stdbool.h>

#include "weir/stream.h"

/* The device of the innermost push, if this thread has one. */
bool weir__thread_default_device(weir_device *out);
/* The stream the innermost push on device d set, if any. */
bool weir__thread_default_stream(weir_device d, int *index);

#endif
