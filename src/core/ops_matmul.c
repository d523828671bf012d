/* matmul with numpy semantics: 1-D operands get a unit dim (a: (K,) -> (1, K), b: (K,) ->
   (K, 1)) that is removed from the result; batch dims broadcast. The MATMUL kernel wants both
   inputs in one floating dtype and with out.ndim dims (batch dims equal or 1), so the front end
   inserts ASTYPE and RESHAPE nodes to get there. */
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "core/ops_internal.h"
#include "weir/ops.h"

/* ---- TF32 for float32 on the GPU: process-wide, read into each node's params ---- */
static atomic_bool allow_tf32;
static pthread_once_t tf32_once = PTHREAD_ONCE_INIT;

static void tf32_from_env(void) {
  const char *e = getenv("WEIR_ALLOW_TF32");
  bool on = e && (strcmp(e, "1") == 0 || strcasecmp(e, "true") == 0 || strcasecmp(e, "on") == 0 ||
                  strcasecmp(e, "yes") == 0);
  atomic_store(&allow_tf32, on);
}

bool weir_matmul_set_allow_tf32(bool allow) {
  pthread_once(&tf32_once, tf32_from_env); /* so a later first read cannot undo this call */
  return atomic_exchange(&allow_tf32, allow);
}

bool weir_matmul_allow_tf32(void) {
  pthread_once(&tf32_once, tf32_from_env);
  return atomic_load(&allow_tf32);
}

weir_status weir_matmul(weir_array **out, const weir_array *a, const weir_array *b, weir_stream s) {
  if (!out) return weir__null_arg("weir_matmul", "out");
  if (!a) return weir__null_arg("weir_matmul", "a");
  if (!b) return weir__null_arg("weir_matmul", "b");
  weir_stream rs;
  weir_status st = weir__resolve_stream(s, &rs);
  if (st != WEIR_OK) return st;
  if (a->ndim == 0 || b->ndim == 0)
    return weir__fail(WEIR_ERR_INVALID_ARGUMENT,
                      "matmul: got a 0-dimensional input; inputs must have at least one dimension");

  /* a2, b2: the operands as matrices (1-D promoted). */
  int64_t a2[WEIR_MAX_NDIM] = {0}, b2[WEIR_MAX_NDIM] = {0};
  int na = a->ndim, nb = b->ndim;
  if (na == 1) {
    a2[0] = 1;
    a2[1] = a->shape[0];
    na = 2;
  } else {
    for (int i = 0; i < na; i++) a2[i] = a->shape[i];
  }
  if (nb == 1) {
    b2[0] = b->shape[0];
    b2[1] = 1;
    nb = 2;
  } else {
    for (int i = 0; i < nb; i++) b2[i] = b->shape[i];
  }
  char sa[WEIR__SHAPE_STR_MAX], sb[WEIR__SHAPE_STR_MAX];
  if (a2[na - 1] != b2[nb - 2])
    return weir__fail(WEIR_ERR_INVALID_ARGUMENT,
                      "matmul: last dimension of a (%lld) must equal the second to last dimension of b (%lld); "
                      "shapes %s and %s",
                      (long long)a2[na - 1], (long long)b2[nb - 2], weir__shape_str(sa, sizeof sa, a->shape, a->ndim),
                      weir__shape_str(sb, sizeof sb, b->shape, b->ndim));

  /* MLX promotes first and requires the result to be floating (so int32 @ float32 is fine). */
  weir_dtype t = weir_dtype_promote(a->dtype, b->dtype);
  if (!weir__dtype_is_float(t))
    return weir__fail(WEIR_ERR_UNSUPPORTED,
                      "matmul: only floating point types are supported, but %s and %s promote to %s",
                      weir_dtype_name(a->dtype), weir_dtype_name(b->dtype), weir_dtype_name(t));

  /* Output: broadcast batch dims, then (M, N). */
  int64_t oshape[WEIR_MAX_NDIM]; /* nd = max(na, nb) <= WEIR_MAX_NDIM */
  int nbatch = (na > nb ? na : nb) - 2;
  for (int i = 0; i < nbatch; i++) {
    int ia = i - (nbatch - (na - 2)), ib = i - (nbatch - (nb - 2));
    int64_t da = ia >= 0 ? a2[ia] : 1, db = ib >= 0 ? b2[ib] : 1;
    if (da != db && da != 1 && db != 1)
      return weir__fail(WEIR_ERR_INVALID_ARGUMENT, "matmul: batch dimensions of shapes %s and %s cannot be broadcast",
                        weir__shape_str(sa, sizeof sa, a->shape, a->ndim),
                        weir__shape_str(sb, sizeof sb, b->shape, b->ndim));
    oshape[i] = da == 1 ? db : da;
  }
  int nd = nbatch + 2;
  oshape[nbatch] = a2[na - 2];
  oshape[nbatch + 1] = b2[nb - 1];
  int64_t size;
  if ((st = weir__shape_size(oshape, nd, "matmul", &size)) != WEIR_OK) return st;
  if ((st = weir__check_dtype_on(&rs, a->dtype, "matmul")) != WEIR_OK) return st;
  if ((st = weir__check_dtype_on(&rs, b->dtype, "matmul")) != WEIR_OK) return st;
  if ((st = weir__check_dtype_on(&rs, t, "matmul")) != WEIR_OK) return st;

  /* Operands padded with leading 1s to nd dims. */
  int64_t pa[WEIR_MAX_NDIM], pb[WEIR_MAX_NDIM];
  for (int i = 0; i < nd; i++) {
    int ia = i - (nd - na), ib = i - (nd - nb);
    pa[i] = ia >= 0 ? a2[ia] : 1;
    pb[i] = ib >= 0 ? b2[ib] : 1;
  }

  weir_array *ca = NULL, *cb = NULL, *ra = NULL, *rb = NULL, *mm = NULL, *in[2];
  weir__params p = {0};
  p.matmul.allow_tf32 = weir_matmul_allow_tf32();
  if ((st = weir__cast(&ca, a, t, rs)) != WEIR_OK) goto done;
  if ((st = weir__cast(&cb, b, t, rs)) != WEIR_OK) goto done;
  if ((st = weir__reshape_node(&ra, ca, pa, nd, rs)) != WEIR_OK) goto done;
  if ((st = weir__reshape_node(&rb, cb, pb, nd, rs)) != WEIR_OK) goto done;
  in[0] = ra;
  in[1] = rb;
  if ((st = weir__node_make(&mm, WEIR__P_MATMUL, &p, in, 2, oshape, nd, t, rs)) != WEIR_OK) goto done;

  if (a->ndim == 1 || b->ndim == 1) {
    /* Drop the unit dims the 1-D operands added: M (a 1-D) and/or N (b 1-D). */
    int64_t fshape[WEIR_MAX_NDIM];
    int nf = 0;
    for (int i = 0; i < nbatch; i++) fshape[nf++] = oshape[i];
    if (a->ndim != 1) fshape[nf++] = oshape[nbatch];
    if (b->ndim != 1) fshape[nf++] = oshape[nbatch + 1];
    weir_array *r = NULL;
    if ((st = weir__reshape_node(&r, mm, fshape, nf, rs)) != WEIR_OK) goto done;
    weir_array_free(mm);
    mm = r;
  }
  *out = mm;
  mm = NULL;
done:
  weir_array_free(mm);
  weir_array_free(rb);
  weir_array_free(ra);
  weir_array_free(cb);
  weir_array_free(ca);
  return st;
}
