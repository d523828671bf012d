/* weir — capture: a Chrome/Perfetto trace (JSON) of every task of every stream, one lane per
   stream, with name, shape, bytes, dependencies, and queue/start/end times. Open the file in
   https://ui.perfetto.dev or chrome://tracing. */
#ifndef WEIR_CAPTURE_H
#define WEIR_CAPTURE_H

#include "error.h"

#ifdef __cplusplus
extern "C" {
#endif

weir_status weir_capture_start(const char *path); /* error if a capture is already running */
weir_status weir_capture_stop(void);              /* writes the file */

#ifdef __cplusplus
}
#endif
#endif
