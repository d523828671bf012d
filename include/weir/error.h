/* weir — status codes and error messages. */
#ifndef WEIR_ERROR_H
#define WEIR_ERROR_H

#ifdef __cplusplus
extern "C" {
#endif

typedef enum weir_status {
  WEIR_OK = 0,
  WEIR_ERR_INVALID_ARGUMENT, /* bad shape, axis, dtype combination, value     -> ValueError   */
  WEIR_ERR_INDEX,            /* device/stream/axis index out of range         -> IndexError   */
  WEIR_ERR_TYPE,             /* wrong kind of argument                        -> TypeError    */
  WEIR_ERR_UNSUPPORTED,      /* e.g. float64 on a GPU stream                  -> ValueError   */
  WEIR_ERR_OUT_OF_MEMORY,    /*                                               -> MemoryError  */
  WEIR_ERR_DEVICE,           /* driver/runtime failure                        -> RuntimeError */
  WEIR_ERR_INTERNAL
} weir_status;

/* This thread's message for its last failed call ("" when none). The pointer stays valid
   until this thread's next failing call. */
const char *weir_last_error(void);
/* "WEIR_ERR_INDEX"; "WEIR_ERR_UNKNOWN" for values outside the enum. */
const char *weir_status_name(weir_status s);

#ifdef __cplusplus
}
#endif
#endif
