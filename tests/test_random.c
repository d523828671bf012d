/* Random: key/split/bits/normal/uniform. A Threefry-2x32-20 written here from the published
   algorithm (checked against Random123's known answers) must reproduce the library's bits under
   the documented layout (word i = block i/2, counter (lo32(b), hi32(b)), x0 for even i, x1 for
   odd); same key -> same bits (twice, on two streams); different keys differ; uniform in
   [low, high) and normal with the right moments over 1e6 samples; the global key. */
#include "backend/random_bits.h"
#include "harness.h"

#define CPU WEIR_CPU_DEVICE

/* Threefry-2x32 with 20 rounds: Salmon, Moraes, Dror, Shaw (SC'11), Skein-style key schedule. */
static uint32_t rotl(uint32_t x, unsigned r) { return (x << r) | (x >> (32 - r)); }
static void threefry(const uint32_t key[2], const uint32_t ctr[2], uint32_t out[2]) {
  static const unsigned R[8] = {13, 15, 26, 6, 17, 29, 16, 24};
  uint32_t ks[3] = {key[0], key[1], 0x1BD11BDAu ^ key[0] ^ key[1]};
  uint32_t x0 = ctr[0] + ks[0], x1 = ctr[1] + ks[1];
  for (unsigned r = 0; r < 20; r++) {
    x0 += x1;
    x1 = rotl(x1, R[r % 8]);
    x1 ^= x0;
    if (r % 4 == 3) { /* key injection s after every 4 rounds */
      unsigned s = (r + 1) / 4;
      x0 += ks[s % 3];
      x1 += ks[(s + 1) % 3] + s;
    }
  }
  out[0] = x0;
  out[1] = x1;
}
static uint32_t word(uint32_t k0, uint32_t k1, uint64_t i) {
  uint32_t key[2] = {k0, k1}, ctr[2] = {(uint32_t)(i / 2), (uint32_t)((i / 2) >> 32)}, o[2];
  threefry(key, ctr, o);
  return o[i % 2];
}

static void test_threefry_known_answers(void) {
  static const uint32_t kat[3][6] = {/* ctr0 ctr1 key0 key1 -> out0 out1 (Random123 kat_vectors) */
                                     {0, 0, 0, 0, 0x6b200159u, 0x99ba4efeu},
                                     {0xffffffffu, 0xffffffffu, 0xffffffffu, 0xffffffffu, 0x1cb996fcu, 0xbb002be7u},
                                     {0x243f6a88u, 0x85a308d3u, 0x13198a2eu, 0x03707344u, 0xc4923a9cu, 0x483df7a0u}};
  for (int i = 0; i < 3; i++) {
    uint32_t o[2];
    threefry(&kat[i][2], &kat[i][0], o);
    CHECK_MSG(o[0] == kat[i][4] && o[1] == kat[i][5], "threefry KAT %d: %08x %08x", i, o[0], o[1]);
  }
}

static weir_array *key_of(uint64_t seed) {
  weir_array *k = NULL;
  CHECK_OK(weir_random_key(&k, seed));
  return k;
}

static bool read_u32(const weir_array *a, uint32_t *out, int64_t n) {
  const void *p = NULL;
  if (!CHECK_OK(weir_array_data(a, &p))) return false;
  if (!CHECK_MSG(weir_array_dtype(a) == WEIR_UINT32, "dtype %s, want uint32", weir_dtype_name(weir_array_dtype(a))))
    return false;
  memcpy(out, p, sizeof(uint32_t) * (size_t)n);
  return true;
}

static void test_key_and_bits(void) {
  uint64_t seed = h_rand_u64();
  weir_array *k = key_of(seed);
  if (!k) return;
  CHECK_SHAPE(k, 2);
  uint32_t kv[2];
  if (!read_u32(k, kv, 2)) return;
  CHECK_EQ_U64(kv[0], (uint32_t)(seed >> 32)); /* MLX: key(seed) = (hi32, lo32) */
  CHECK_EQ_U64(kv[1], (uint32_t)seed);
  static const int64_t sizes[][2] = {{1000, 1}, {1001, 1}, {7, 13}, {1, 1}, {1 << 17, 1}};
  for (size_t c = 0; c < sizeof sizes / sizeof sizes[0]; c++) {
    weir_array *b = NULL;
    int nd = sizes[c][1] == 1 ? 1 : 2;
    if (!CHECK_OK(weir_random_bits(&b, sizes[c], nd, k, weir_on(CPU)))) continue;
    int64_t n = sizes[c][0] * sizes[c][1];
    uint32_t *got = malloc(sizeof(uint32_t) * (size_t)n);
    int bad = 0;
    if (read_u32(b, got, n))
      for (int64_t i = 0; i < n; i++)
        if (got[i] != word(kv[0], kv[1], (uint64_t)i) && bad++ < 3)
          CHECK_MSG(false, "bits[%lld] = %08x, threefry gives %08x (key %08x %08x)", (long long)i, got[i],
                    word(kv[0], kv[1], (uint64_t)i), kv[0], kv[1]);
    CHECK_MSG(bad == 0, "bits of size %lld: %d words differ from the reference", (long long)n, bad);
    free(got);
    weir_array_free(b);
  }
  /* a key made by hand from data works the same */
  uint32_t hand[2] = {0x243f6a88u, 0x85a308d3u};
  weir_array *hk = NULL, *hb = NULL;
  CHECK_OK(weir_array_from_data(&hk, hand, (const int64_t[]){2}, 1, WEIR_UINT32));
  uint32_t got[5];
  if (CHECK_OK(weir_random_bits(&hb, (const int64_t[]){5}, 1, hk, weir_on(CPU))) && read_u32(hb, got, 5))
    for (int i = 0; i < 5; i++) CHECK_EQ_U64(got[i], word(hand[0], hand[1], (uint64_t)i));
  weir_array_free(hk);
  weir_array_free(hb);
  weir_array_free(k);
}

static bool same_bits(const weir_array *a, const weir_array *b) {
  const void *p = NULL, *q = NULL;
  if (weir_array_data(a, &p) != WEIR_OK || weir_array_data(b, &q) != WEIR_OK) return false;
  return weir_array_nbytes(a) == weir_array_nbytes(b) && memcmp(p, q, weir_array_nbytes(a)) == 0;
}

static void test_determinism(void) {
  weir_stream s1, s2;
  if (!CHECK_OK(weir_stream_new(CPU, &s1)) || !CHECK_OK(weir_stream_new(CPU, &s2))) return;
  uint64_t seed = h_rand_u64();
  weir_array *k = key_of(seed), *k2 = key_of(seed + 1);
  int64_t shape[2] = {64, 33};
  weir_array *a = NULL, *b = NULL, *c = NULL, *d = NULL, *e = NULL, *f = NULL, *g = NULL;
  CHECK_OK(weir_random_uniform(&a, shape, 2, WEIR_FLOAT32, 0, 1, k, s1));
  CHECK_OK(weir_random_uniform(&b, shape, 2, WEIR_FLOAT32, 0, 1, k, s1));
  CHECK_OK(weir_random_uniform(&c, shape, 2, WEIR_FLOAT32, 0, 1, k, s2));
  CHECK_OK(weir_random_uniform(&d, shape, 2, WEIR_FLOAT32, 0, 1, k2, s1));
  CHECK_OK(weir_random_normal(&e, shape, 2, WEIR_FLOAT32, 0, 1, k, s1));
  CHECK_OK(weir_random_normal(&f, shape, 2, WEIR_FLOAT32, 0, 1, k, s2));
  CHECK_OK(weir_random_normal(&g, shape, 2, WEIR_FLOAT32, 0, 1, k2, s2));
  CHECK_MSG(same_bits(a, b), "same key, same stream: different numbers");
  CHECK_MSG(same_bits(a, c), "same key, two streams: different numbers");
  CHECK_MSG(!same_bits(a, d), "different keys: same numbers");
  CHECK_MSG(same_bits(e, f), "normal: same key, two streams differ");
  CHECK_MSG(!same_bits(e, g), "normal: different keys agree");
  /* element i does not depend on the total size */
  weir_array *small = NULL;
  CHECK_OK(weir_random_uniform(&small, (const int64_t[]){10}, 1, WEIR_FLOAT32, 0, 1, k, s2));
  double sv[10], av[10];
  const void *p = NULL;
  if (CHECK_OK(h_read(small, sv)) && CHECK_OK(weir_array_data(a, &p)))
    for (int i = 0; i < 10; i++) {
      av[i] = ((const float *)p)[i];
      CHECK_CLOSE(sv[i], av[i], 0);
    }
  weir_array *list[] = {k, k2, a, b, c, d, e, f, g, small};
  for (size_t i = 0; i < sizeof list / sizeof list[0]; i++) weir_array_free(list[i]);
  CHECK_OK(weir_stream_free(s1));
  CHECK_OK(weir_stream_free(s2));
}

static void test_split(void) {
  uint64_t seed = h_rand_u64();
  weir_array *k = key_of(seed), *sp = NULL, *bits = NULL;
  uint32_t kv[2] = {(uint32_t)(seed >> 32), (uint32_t)seed};
  if (!CHECK_OK(weir_random_split(&sp, k, 4, weir_on(CPU)))) return;
  CHECK_SHAPE(sp, 4, 2);
  uint32_t got[8];
  if (read_u32(sp, got, 8)) {
    /* MLX: split(key, num) = bits((num, 2), key) */
    for (int i = 0; i < 8; i++) CHECK_EQ_U64(got[i], word(kv[0], kv[1], (uint64_t)i));
    for (int i = 0; i < 4; i++)
      for (int j = i + 1; j < 4; j++) CHECK(got[2 * i] != got[2 * j] || got[2 * i + 1] != got[2 * j + 1]);
  }
  CHECK_OK(weir_random_bits(&bits, (const int64_t[]){4, 2}, 2, k, weir_on(CPU)));
  CHECK(same_bits(sp, bits));
  /* a row of the split is a usable key: reshape (1, 2) -> (2,) */
  weir_array *row = NULL, *sub = NULL, *r = NULL;
  uint32_t sub0[2] = {got[0], got[1]};
  CHECK_OK(weir_array_from_data(&sub, sub0, (const int64_t[]){2}, 1, WEIR_UINT32));
  if (CHECK_OK(weir_random_bits(&r, (const int64_t[]){3}, 1, sub, weir_on(CPU)))) {
    uint32_t rv[3];
    if (read_u32(r, rv, 3))
      for (int i = 0; i < 3; i++) CHECK_EQ_U64(rv[i], word(sub0[0], sub0[1], (uint64_t)i));
  }
  weir_array *bad = NULL;
  CHECK(weir_random_split(&bad, k, 0, weir_on(CPU)) != WEIR_OK);
  CHECK(weir_random_split(&bad, k, -2, weir_on(CPU)) != WEIR_OK);
  weir_array *wrong = NULL;
  CHECK_OK(weir_zeros(&wrong, (const int64_t[]){3}, 1, WEIR_UINT32, weir_on(CPU)));
  CHECK(weir_random_bits(&bad, (const int64_t[]){3}, 1, wrong, weir_on(CPU)) != WEIR_OK);
  CHECK(weir_random_split(&bad, wrong, 2, weir_on(CPU)) != WEIR_OK);
  CHECK(bad == NULL);
  weir_array *list[] = {k, sp, bits, row, sub, r, wrong};
  for (size_t i = 0; i < sizeof list / sizeof list[0]; i++) weir_array_free(list[i]);
}

/* Uniform: the documented mapping (float32 within 1 ulp), bounds, and moments. */
static void test_uniform(void) {
  int64_t n = h_scaled(1000000);
  if (n < 100000) n = 100000;
  uint64_t seed = h_rand_u64();
  uint32_t kv[2] = {(uint32_t)(seed >> 32), (uint32_t)seed};
  weir_array *k = key_of(seed), *u = NULL;
  double lo = -2, hi = 3;
  if (!CHECK_OK(weir_random_uniform(&u, &n, 1, WEIR_FLOAT32, lo, hi, k, weir_on(CPU)))) return;
  CHECK_EQ_INT(weir_array_dtype(u), WEIR_FLOAT32);
  double *v = malloc(sizeof(double) * (size_t)n);
  if (CHECK_OK(h_read(u, v))) {
    double sum = 0, sq = 0, mn = INFINITY, mx = -INFINITY;
    int64_t bins[10] = {0}, off = 0;
    for (int64_t i = 0; i < n; i++) {
      double x = v[i];
      sum += x, sq += x * x;
      mn = x < mn ? x : mn, mx = x > mx ? x : mx;
      int b = (int)((x - lo) / (hi - lo) * 10);
      bins[b < 0 ? 0 : b > 9 ? 9 : b]++;
      if (i < 4096) {
        float uf = (float)(word(kv[0], kv[1], (uint64_t)i) >> 8) * 0x1p-24f;
        double span = (double)(float)hi - (double)(float)lo;
        double want = h_round_f32((double)(float)lo + span * (double)uf);
        /* computed in float32: two roundings, each within half an ulp of the operands' size */
        if (fabs(x - want) > h_ulp(WEIR_FLOAT32, fabs(lo) + span * (double)uf)) off++;
      }
    }
    CHECK_MSG(off == 0, "%lld of 4096 uniform values do not follow the documented mapping of the bits",
              (long long)off);
    double mean = sum / (double)n, sd = sqrt(sq / (double)n - mean * mean);
    double se = (hi - lo) / sqrt(12.0) / sqrt((double)n);
    CHECK_MSG(mn >= lo && mx < hi, "uniform out of [%g, %g): min %g max %g", lo, hi, mn, mx);
    CHECK_MSG(fabs(mean - 0.5) < 6 * se, "uniform mean %.5f (want 0.5 +- %.5f)", mean, 6 * se);
    CHECK_MSG(fabs(sd - 5 / sqrt(12.0)) < 0.01, "uniform sd %.5f (want %.5f)", sd, 5 / sqrt(12.0));
    for (int b = 0; b < 10; b++)
      CHECK_MSG(fabs((double)bins[b] / (double)n - 0.1) < 6 * sqrt(0.09 / (double)n), "bin %d: %.5f", b,
                (double)bins[b] / (double)n);
  }
  free(v);
  weir_array_free(u);
  /* other dtypes stay in [low, high) too, including where rounding would reach high */
  static const weir_dtype ts[] = {WEIR_FLOAT16, WEIR_BFLOAT16, WEIR_FLOAT64, WEIR_FLOAT32};
  for (int t = 0; t < 4; t++) {
    int64_t m = 200000;
    weir_array *w = NULL;
    double l2 = t == 3 ? 1.0 : 0.0, h2 = t == 3 ? 1.0000001 : 1.0; /* a range one float32 ulp wide */
    if (!CHECK_OK(weir_random_uniform(&w, &m, 1, ts[t], l2, h2, k, weir_on(CPU)))) continue;
    CHECK_EQ_INT(weir_array_dtype(w), ts[t]);
    double *x = malloc(sizeof(double) * (size_t)m), s = 0;
    int out = 0;
    if (CHECK_OK(h_read(w, x)))
      for (int64_t i = 0; i < m; i++) {
        if (!(x[i] >= l2 && x[i] < h_round_to(ts[t], h2))) out++;
        s += x[i];
      }
    CHECK_MSG(out == 0, "%s: %d values outside [low, high)", weir_dtype_name(ts[t]), out);
    if (t < 3) CHECK_MSG(fabs(s / (double)m - 0.5) < 0.01, "%s mean %.4f", weir_dtype_name(ts[t]), s / (double)m);
    free(x);
    weir_array_free(w);
  }
  weir_array_free(k);
}

/* erfinv by Newton on libm's erf, for the reference of normal samples. */
static double erfinv_ref(double y) {
  double x = 0;
  for (int i = 0; i < 100; i++) {
    double step = (erf(x) - y) / (1.1283791670955126 * exp(-x * x));
    x -= step;
    if (fabs(step) < 1e-15) break;
  }
  return x;
}

static void test_normal(void) {
  int64_t n = h_scaled(1000000);
  if (n < 100000) n = 100000;
  uint64_t seed = h_rand_u64();
  uint32_t kv[2] = {(uint32_t)(seed >> 32), (uint32_t)seed};
  weir_array *k = key_of(seed), *z = NULL;
  double loc = 2, scale = 3;
  if (!CHECK_OK(weir_random_normal(&z, &n, 1, WEIR_FLOAT32, loc, scale, k, weir_on(CPU)))) return;
  double *v = malloc(sizeof(double) * (size_t)n);
  if (CHECK_OK(h_read(z, v))) {
    double sum = 0, sq = 0;
    int64_t within1 = 0, off = 0;
    for (int64_t i = 0; i < n; i++) {
      sum += v[i], sq += v[i] * v[i];
      if (fabs(v[i] - loc) < scale) within1++;
      if (i < 4096) { /* the documented mapping: u in (-1, 1) from the top 23 bits, then erfinv */
        double u = ((double)(word(kv[0], kv[1], (uint64_t)i) >> 9) + 0.5) * 0x1p-22 - 1.0;
        double want = loc + scale * sqrt(2.0) * erfinv_ref(u);
        if (fabs(v[i] - want) > 1e-4 * (1 + fabs(want))) off++;
      }
    }
    CHECK_MSG(off == 0, "%lld of 4096 normal values do not follow the documented mapping", (long long)off);
    double mean = sum / (double)n, sd = sqrt(sq / (double)n - mean * mean);
    double se = scale / sqrt((double)n);
    CHECK_MSG(fabs(mean - loc) < 6 * se, "normal mean %.5f (want %g +- %.5f)", mean, loc, 6 * se);
    CHECK_MSG(fabs(sd - scale) < 6 * scale / sqrt(2.0 * (double)n), "normal sd %.5f (want %g)", sd, scale);
    double p = (double)within1 / (double)n;
    CHECK_MSG(fabs(p - 0.682689) < 6 * sqrt(0.6827 * 0.3173 / (double)n), "P(|z| < 1) = %.5f", p);
  }
  free(v);
  weir_array_free(z);
  static const weir_dtype ts[] = {WEIR_FLOAT16, WEIR_BFLOAT16, WEIR_FLOAT64};
  for (int t = 0; t < 3; t++) {
    int64_t m = 200000;
    weir_array *w = NULL;
    if (!CHECK_OK(weir_random_normal(&w, &m, 1, ts[t], -1, 0.5, k, weir_on(CPU)))) continue;
    CHECK_EQ_INT(weir_array_dtype(w), ts[t]);
    double *x = malloc(sizeof(double) * (size_t)m), s = 0, s2 = 0;
    if (CHECK_OK(h_read(w, x)))
      for (int64_t i = 0; i < m; i++) s += x[i], s2 += x[i] * x[i];
    double mean = s / (double)m, sd = sqrt(s2 / (double)m - mean * mean);
    CHECK_MSG(fabs(mean + 1) < 0.01 && fabs(sd - 0.5) < 0.01, "%s normal: mean %.4f sd %.4f",
              weir_dtype_name(ts[t]), mean, sd);
    free(x);
    weir_array_free(w);
  }
  weir_array_free(k);
}

/* The global key: seeded sequences repeat; successive calls differ. */
static void test_global_key(void) {
  int64_t shape[1] = {256};
  weir_array *a = NULL, *b = NULL, *c = NULL, *d = NULL;
  CHECK_OK(weir_random_seed(42));
  CHECK_OK(weir_random_uniform(&a, shape, 1, WEIR_FLOAT32, 0, 1, NULL, weir_on(CPU)));
  CHECK_OK(weir_random_normal(&b, shape, 1, WEIR_FLOAT32, 0, 1, NULL, weir_on(CPU)));
  CHECK_OK(weir_random_seed(42));
  CHECK_OK(weir_random_uniform(&c, shape, 1, WEIR_FLOAT32, 0, 1, NULL, weir_on(CPU)));
  CHECK_OK(weir_random_normal(&d, shape, 1, WEIR_FLOAT32, 0, 1, NULL, weir_on(CPU)));
  CHECK_MSG(same_bits(a, c), "reseeding does not repeat the uniform sequence");
  CHECK_MSG(same_bits(b, d), "reseeding does not repeat the normal sequence");
  weir_array *e = NULL;
  CHECK_OK(weir_random_uniform(&e, shape, 1, WEIR_FLOAT32, 0, 1, NULL, weir_on(CPU)));
  CHECK_MSG(!same_bits(c, e), "successive draws from the global key are equal");
  weir_array *list[] = {a, b, c, d, e};
  for (size_t i = 0; i < sizeof list / sizeof list[0]; i++) weir_array_free(list[i]);
  /* errors */
  weir_array *bad = NULL, *k = key_of(1);
  CHECK(weir_random_uniform(&bad, shape, 1, WEIR_INT32, 0, 1, k, weir_on(CPU)) != WEIR_OK);
  CHECK(weir_random_normal(&bad, shape, 1, WEIR_UINT8, 0, 1, k, weir_on(CPU)) != WEIR_OK);
  CHECK(bad == NULL);
  weir_status st = weir_random_bits(&bad, shape, 1, NULL, weir_on(CPU)); /* global key or an error */
  CHECK_MSG(st == WEIR_OK || st == WEIR_ERR_INVALID_ARGUMENT, "bits with a NULL key: %s", weir_status_name(st));
  weir_array_free(bad);
  weir_array_free(k);
}

/* float64 normals map u in (-1, 1) through erfinv in double: values within 2^-25 of +-1 (which
   round to +-1 in float) must stay finite and accurate (they once came out infinite, about once
   in 17 million draws). */
static void test_erfinv_tails(void) {
  const double xs[] = {1 - 0x1p-52, 1 - 0x1p-51, 1 - 0x1p-40, 1 - 0x1p-26, 1 - 0x1p-24, 0.75, 0.5000001, 1e-9};
  for (size_t i = 0; i < sizeof xs / sizeof xs[0]; i++)
    for (int sg = -1; sg <= 1; sg += 2) {
      double x = sg * xs[i], y = weir__erfinv(x);
      CHECK_MSG(isfinite(y) && (y < 0) == (x < 0), "erfinv(%.17g) = %g", x, y);
      double back = fabs(x) > 0.5 ? erfc(fabs(y)) : erf(y), want = fabs(x) > 0.5 ? 1 - fabs(x) : x;
      CHECK_MSG(fabs(back - want) <= 1e-9 * fabs(want), "erfinv(%.17g) = %.17g: erf/erfc gives %.17g, want %.17g", x,
                y, back, want);
    }
}

int main(void) {
  h_init("test_random");
  H_RUN(test_threefry_known_answers);
  H_RUN(test_key_and_bits);
  H_RUN(test_determinism);
  H_RUN(test_split);
  H_RUN(test_uniform);
  H_RUN(test_normal);
  H_RUN(test_global_key);
  H_RUN(test_erfinv_tails);
  return h_finish();
}
