/* Random: keys, split, bits, uniform, normal (MLX's mlx/random.cpp). A key is a uint32 (2,)
   array; RANDOM_* nodes take it as in[0] (bit layout in backend/random_bits.h).

   The global key (used when key == NULL) follows MLX's KeySequence: it starts from the
   current time in milliseconds unless weir_random_seed is called, and each use takes
   (new_global, subkey) = split(global, 2). That split is computed here on the host, straight
   from the Threefry words, so that drawing from the global key needs no evaluation. */
#include <math.h>
#include <pthread.h>
#include <time.h>

#include "backend/random_bits.h"
#include "core/ops_internal.h"
#include "weir/random.h"

static pthread_mutex_t g_lock = PTHREAD_MUTEX_INITIALIZER;
static bool g_seeded;
static uint32_t g_key[2];

static void key_from_seed(uint64_t seed, uint32_t k[2]) {
  k[0] = (uint32_t)(seed >> 32);
  k[1] = (uint32_t)seed;
}

weir_status weir_random_seed(uint64_t seed) {
  pthread_mutex_lock(&g_lock);
  key_from_seed(seed, g_key);
  g_seeded = true;
  pthread_mutex_unlock(&g_lock);
  return WEIR_OK;
}

weir_status weir_random_key(weir_array **out, uint64_t seed) {
  if (!out) return weir__null_arg("weir_random_key", "out");
  uint32_t k[2];
  int64_t shape = 2;
  key_from_seed(seed, k);
  return weir_array_from_data(out, k, &shape, 1, WEIR_UINT32);
}

/* The next subkey of the global key, as a data array. split(key, 2) is random_bits(key,
   (2, 2)): row r is words 2r and 2r+1 of the key's stream; row 0 becomes the global key and
   row 1 is handed out. */
static weir_status next_global_key(weir_array **out) {
  uint32_t sub[2];
  pthread_mutex_lock(&g_lock);
  if (!g_seeded) {
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    key_from_seed((uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u, g_key);
    g_seeded = true;
  }
  uint32_t k0 = g_key[0], k1 = g_key[1];
  g_key[0] = weir__random_word(k0, k1, 0);
  g_key[1] = weir__random_word(k0, k1, 1);
  sub[0] = weir__random_word(k0, k1, 2);
  sub[1] = weir__random_word(k0, k1, 3);
  pthread_mutex_unlock(&g_lock);
  int64_t shape = 2;
  return weir_array_from_data(out, sub, &shape, 1, WEIR_UINT32);
}

static weir_status check_key(const weir_array *key, const char *op) {
  if (key->dtype != WEIR_UINT32 || key->ndim != 1 || key->shape[0] != 2) {
    char buf[WEIR__SHAPE_STR_MAX];
    return weir__fail(WEIR_ERR_INVALID_ARGUMENT, "%s: key must be a uint32 array of shape (2,), got %s %s", op,
                      weir_dtype_name(key->dtype), weir__shape_str(buf, sizeof buf, key->shape, key->ndim));
  }
  return WEIR_OK;
}

/* Builds a RANDOM_* node once everything is validated: takes a subkey of the global key when
   key == NULL (only now, so a failed call does not advance the global key). */
static weir_status random_node(weir_array **out, weir__prim prim, double pa, double pb, const int64_t *shape,
                               int ndim, weir_dtype t, const weir_array *key, weir_stream rs) {
  weir_array *k = NULL;
  weir_status st;
  if (key) k = weir_array_retain((weir_array *)key);
  else if ((st = next_global_key(&k)) != WEIR_OK) return st;
  weir__params p = {0};
  p.random.a = pa;
  p.random.b = pb;
  st = weir__node_make(out, prim, &p, &k, 1, shape, ndim, t, rs);
  weir_array_free(k);
  return st;
}

/* Validation shared by bits/uniform/normal/split; *rs gets the resolved stream. what: "uniform"
   or "normal" (t must be floating), NULL for bits (t is uint32). */
static weir_status check_common(weir_array **out, const int64_t *shape, int ndim, weir_dtype t,
                                const weir_array *key, weir_stream s, const char *fn, const char *op,
                                const char *what, weir_stream *rs) {
  if (!out) return weir__null_arg(fn, "out");
  weir_status st = weir__resolve_stream(s, rs);
  if (st != WEIR_OK) return st;
  if ((st = weir__check_shape_arg(shape, ndim, op, NULL)) != WEIR_OK) return st;
  if ((st = weir__check_dtype_arg((int)t, op)) != WEIR_OK) return st;
  if (what && !weir__dtype_is_float(t))
    return weir__fail(WEIR_ERR_INVALID_ARGUMENT, "%s: can only generate %s numbers with a floating point type, not %s",
                      op, what, weir_dtype_name(t));
  if (key && (st = check_key(key, op)) != WEIR_OK) return st;
  if ((st = weir__check_dtype_on(rs, WEIR_UINT32, op)) != WEIR_OK) return st;
  return weir__check_dtype_on(rs, t, op);
}

weir_status weir_random_split(weir_array **out, const weir_array *key, int num, weir_stream s) {
  if (!out) return weir__null_arg("weir_random_split", "out");
  if (!key) return weir__null_arg("weir_random_split", "key");
  int64_t shape[2] = {num, 2};
  weir_stream rs;
  weir_status st = check_common(out, shape, 2, WEIR_UINT32, key, s, "weir_random_split", "random_split", NULL, &rs);
  if (st != WEIR_OK) return st;
  if (num < 1) return weir__fail(WEIR_ERR_INVALID_ARGUMENT, "random_split: num must be at least 1, got %d", num);
  return random_node(out, WEIR__P_RANDOM_BITS, 0, 0, shape, 2, WEIR_UINT32, key, rs);
}

weir_status weir_random_bits(weir_array **out, const int64_t *shape, int ndim, const weir_array *key, weir_stream s) {
  weir_stream rs;
  weir_status st =
      check_common(out, shape, ndim, WEIR_UINT32, key, s, "weir_random_bits", "random_bits", NULL, &rs);
  if (st != WEIR_OK) return st;
  return random_node(out, WEIR__P_RANDOM_BITS, 0, 0, shape, ndim, WEIR_UINT32, key, rs);
}

weir_status weir_random_uniform(weir_array **out, const int64_t *shape, int ndim, weir_dtype t, double low,
                                double high, const weir_array *key, weir_stream s) {
  weir_stream rs;
  weir_status st =
      check_common(out, shape, ndim, t, key, s, "weir_random_uniform", "random_uniform", "uniform", &rs);
  if (st != WEIR_OK) return st;
  /* MLX does not check the bounds; weir wants a real interval [low, high). */
  if (!isfinite(low) || !isfinite(high) || low > high)
    return weir__fail(WEIR_ERR_INVALID_ARGUMENT, "random_uniform: need finite bounds with low <= high, got [%g, %g)",
                      low, high);
  return random_node(out, WEIR__P_RANDOM_UNIFORM, low, high, shape, ndim, t, key, rs);
}

weir_status weir_random_normal(weir_array **out, const int64_t *shape, int ndim, weir_dtype t, double loc,
                               double scale, const weir_array *key, weir_stream s) {
  weir_stream rs;
  weir_status st = check_common(out, shape, ndim, t, key, s, "weir_random_normal", "random_normal", "normal", &rs);
  if (st != WEIR_OK) return st;
  return random_node(out, WEIR__P_RANDOM_NORMAL, loc, scale, shape, ndim, t, key, rs);
}
