/* weir — streams: in-order asynchronous queues, each tied to one device.
   Streams are values {device, index}; index 0 means "the device's default stream".
   Any thread may use any stream. */
#ifndef WEIR_STREAM_H
#define WEIR_STREAM_H

#include "device.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct weir_stream {
  weir_device device;
  int index;
} weir_stream;
#define WEIR_DEFAULT ((weir_stream){{WEIR_DEVICE_DEFAULT, 0}, 0}) /* default stream of the default device */
static inline weir_stream weir_on(weir_device d) {
  weir_stream s = {d, 0};
  return s;
}

weir_status weir_stream_new(weir_device d, weir_stream *out);     /* mx.new_stream */
weir_status weir_stream_free(weir_stream s);                      /* drains, then releases; not for defaults */
weir_status weir_default_stream(weir_device d, weir_stream *out); /* resolved, index > 0 */
weir_status weir_set_default_stream(weir_stream s);               /* process-wide, for s.device */
weir_status weir_stream_push(weir_stream s); /* this thread: default device := s.device, its default stream := s */
weir_status weir_stream_pop(void);           /* restores what push replaced */
bool weir_stream_equal(weir_stream a, weir_stream b);             /* after resolving defaults */
int weir_stream_tostring(weir_stream s, char *buf, size_t n);     /* "Stream(Device(gpu, 0), 2)" */
weir_status weir_synchronize(weir_stream s); /* WEIR_DEFAULT: default stream of the default device */
weir_status weir_synchronize_all(void);

/* Resolves WEIR_DEFAULT / weir_on(d) to the concrete stream an op would use (index > 0). */
weir_status weir_stream_resolve(weir_stream s, weir_stream *out);

#ifdef __cplusplus
}
#endif
#endif
