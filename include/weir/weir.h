/* weir — MLX's device-and-stream array runtime in C. One include for everything. */
#ifndef WEIR_WEIR_H
#define WEIR_WEIR_H

#define WEIR_VERSION_MAJOR 0
#define WEIR_VERSION_MINOR 1
#define WEIR_VERSION_PATCH 0

#include "error.h"
#include "device.h"
#include "stream.h"
#include "array.h"
#include "ops.h"
#include "random.h"
#include "memory.h"
#include "capture.h"

#endif
