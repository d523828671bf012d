/* Internal dtype rules beyond the public weir_dtype_promote (core/dtype.c). */
#ifndef WEIR_CORE_DTYPE_RULES_H
#define WEIR_CORE_DTYPE_RULES_H

#include "weir/array.h"

/* weir_dtype_promote returns this out-of-enum value when either input is outside the enum, so a
   bad dtype propagates to the caller's validation (weir_dtype_name says "unknown", size 0). */
#define WEIR__DTYPE_INVALID ((weir_dtype)WEIR_NUM_DTYPES)

/* MLX's at_least_float: floating dtypes stay as they are; bool and integers become float32
   (what mean, sqrt, exp, divide, ... produce for integer inputs). */
weir_dtype weir__dtype_at_least_float(weir_dtype t);

/* MLX's result_type: promotion folded over n dtypes, starting from bool (n == 0 gives bool). */
weir_dtype weir__dtype_result_type(const weir_dtype *types, int n);

#endif
