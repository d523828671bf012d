/* Capture: start, work on 2 streams, stop, then parse the file with a strict JSON parser (below)
   and check it: traceEvents present; every task event has name/ts/dur/args with shape and bytes;
   one lane (pid, tid) per stream; a dependent task starts after its input ended; work outside the
   capture is not recorded; start/stop misuse is an error. */
#include "harness.h"

#include <pthread.h>

#define CPU WEIR_CPU_DEVICE

/* ---- a small strict JSON parser (RFC 8259) ---- */
typedef enum { J_NULL, J_BOOL, J_NUM, J_STR, J_ARR, J_OBJ } jtype;
typedef struct jval {
  jtype t;
  bool b;
  double num;
  char *str;
  int n, cap;
  struct jval **items; /* array items or object values */
  char **keys;         /* object keys */
} jval;

typedef struct {
  const char *p, *end;
  const char *err;
} jparser;

static void jfree(jval *v) {
  if (!v) return;
  for (int i = 0; i < v->n; i++) {
    jfree(v->items[i]);
    if (v->keys) free(v->keys[i]);
  }
  free(v->items);
  free(v->keys);
  free(v->str);
  free(v);
}

static void jws(jparser *j) {
  while (j->p < j->end && (*j->p == ' ' || *j->p == '\t' || *j->p == '\n' || *j->p == '\r')) j->p++;
}

static jval *jfail(jparser *j, const char *why) {
  if (!j->err) j->err = why;
  return NULL;
}

static int hexval(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

static char *jstring(jparser *j) {
  if (j->p >= j->end || *j->p != '"') return NULL;
  j->p++;
  size_t cap = 16, n = 0;
  char *s = malloc(cap);
  while (j->p < j->end && *j->p != '"') {
    unsigned char c = (unsigned char)*j->p++;
    char buf[4];
    size_t k = 1;
    buf[0] = (char)c;
    if (c < 0x20) {
      free(s);
      j->err = "control character in string";
      return NULL;
    }
    if (c == '\\') {
      if (j->p >= j->end) break;
      char e = *j->p++;
      switch (e) {
      case '"': case '\\': case '/': buf[0] = e; break;
      case 'b': buf[0] = '\b'; break;
      case 'f': buf[0] = '\f'; break;
      case 'n': buf[0] = '\n'; break;
      case 'r': buf[0] = '\r'; break;
      case 't': buf[0] = '\t'; break;
      case 'u': {
        unsigned u = 0;
        for (int i = 0; i < 4; i++) {
          int h = j->p < j->end ? hexval(*j->p++) : -1;
          if (h < 0) {
            free(s);
            j->err = "bad \\u escape";
            return NULL;
          }
          u = u * 16 + (unsigned)h;
        }
        if (u < 0x80) buf[0] = (char)u;
        else if (u < 0x800) buf[0] = (char)(0xC0 | (u >> 6)), buf[1] = (char)(0x80 | (u & 63)), k = 2;
        else buf[0] = (char)(0xE0 | (u >> 12)), buf[1] = (char)(0x80 | ((u >> 6) & 63)),
        buf[2] = (char)(0x80 | (u & 63)), k = 3;
        break;
      }
      default: free(s); j->err = "bad escape"; return NULL;
      }
    }
    if (n + k + 1 > cap) s = realloc(s, cap *= 2);
    memcpy(s + n, buf, k);
    n += k;
  }
  if (j->p >= j->end) {
    free(s);
    j->err = "unterminated string";
    return NULL;
  }
  j->p++;
  s[n] = 0;
  return s;
}

static bool jnumber(jparser *j, double *out) {
  const char *q = j->p;
  if (q < j->end && *q == '-') q++;
  if (q >= j->end) return false;
  if (*q == '0') q++;
  else if (*q >= '1' && *q <= '9') while (q < j->end && *q >= '0' && *q <= '9') q++;
  else return false;
  if (q < j->end && *q == '.') {
    q++;
    if (q >= j->end || *q < '0' || *q > '9') return false;
    while (q < j->end && *q >= '0' && *q <= '9') q++;
  }
  if (q < j->end && (*q == 'e' || *q == 'E')) {
    q++;
    if (q < j->end && (*q == '+' || *q == '-')) q++;
    if (q >= j->end || *q < '0' || *q > '9') return false;
    while (q < j->end && *q >= '0' && *q <= '9') q++;
  }
  char tmp[64];
  size_t len = (size_t)(q - j->p);
  if (len >= sizeof tmp) return false;
  memcpy(tmp, j->p, len);
  tmp[len] = 0;
  *out = strtod(tmp, NULL);
  j->p = q;
  return true;
}

static void jpush(jval *v, jval *item, char *key) {
  if (v->n == v->cap) {
    v->cap = v->cap ? v->cap * 2 : 8;
    v->items = realloc(v->items, sizeof(jval *) * (size_t)v->cap);
    if (v->t == J_OBJ) v->keys = realloc(v->keys, sizeof(char *) * (size_t)v->cap);
  }
  v->items[v->n] = item;
  if (v->t == J_OBJ) v->keys[v->n] = key;
  v->n++;
}

static jval *jvalue(jparser *j, int depth) {
  jws(j);
  if (depth > 64) return jfail(j, "nested too deeply");
  if (j->p >= j->end) return jfail(j, "unexpected end");
  jval *v = calloc(1, sizeof *v);
  char c = *j->p;
  if (c == '{' || c == '[') {
    v->t = c == '{' ? J_OBJ : J_ARR;
    char close = c == '{' ? '}' : ']';
    j->p++;
    jws(j);
    if (j->p < j->end && *j->p == close) {
      j->p++;
      return v;
    }
    for (;;) {
      char *key = NULL;
      if (v->t == J_OBJ) {
        jws(j);
        if (!(key = jstring(j))) {
          jfree(v);
          return jfail(j, "expected a key");
        }
        jws(j);
        if (j->p >= j->end || *j->p != ':') {
          free(key);
          jfree(v);
          return jfail(j, "expected ':'");
        }
        j->p++;
      }
      jval *item = jvalue(j, depth + 1);
      if (!item) {
        free(key);
        jfree(v);
        return NULL;
      }
      jpush(v, item, key);
      jws(j);
      if (j->p < j->end && *j->p == ',') {
        j->p++;
        continue;
      }
      if (j->p < j->end && *j->p == close) {
        j->p++;
        return v;
      }
      jfree(v);
      return jfail(j, "expected ',' or a closing bracket");
    }
  }
  if (c == '"') {
    v->t = J_STR;
    if (!(v->str = jstring(j))) {
      jfree(v);
      return jfail(j, "bad string");
    }
    return v;
  }
  static const char *words[] = {"true", "false", "null"};
  for (int w = 0; w < 3; w++) {
    size_t len = strlen(words[w]);
    if ((size_t)(j->end - j->p) >= len && memcmp(j->p, words[w], len) == 0) {
      j->p += len;
      v->t = w == 2 ? J_NULL : J_BOOL;
      v->b = w == 0;
      return v;
    }
  }
  v->t = J_NUM;
  if (!jnumber(j, &v->num)) {
    jfree(v);
    return jfail(j, "bad value");
  }
  return v;
}

static jval *jparse(const char *text, size_t len, const char **err) {
  jparser j = {text, text + len, NULL};
  jval *v = jvalue(&j, 0);
  jws(&j);
  if (v && j.p != j.end) {
    jfree(v);
    v = NULL;
    j.err = "trailing characters";
  }
  *err = j.err;
  return v;
}

static jval *jget(const jval *o, const char *key) {
  if (!o || o->t != J_OBJ) return NULL;
  for (int i = 0; i < o->n; i++)
    if (strcmp(o->keys[i], key) == 0) return o->items[i];
  return NULL;
}
static const char *jstr(const jval *o, const char *key) {
  jval *v = jget(o, key);
  return v && v->t == J_STR ? v->str : NULL;
}
static bool jnum(const jval *o, const char *key, double *out) {
  jval *v = jget(o, key);
  if (!v || v->t != J_NUM) return false;
  *out = v->num;
  return true;
}

static void test_parser_itself(void) {
  static const char *good[] = {"{}", "[]", "{\"a\":[1,-2.5e3,true,false,null,\"x\\u00e9\\n\"]}", " [ 0 , 1e-2 ] "};
  static const char *bad[] = {"{", "[1,]", "{\"a\":1,}", "[01]", "[1.]", "{'a':1}", "[1] x", "\"a\nb\"", "[.5]", ""};
  const char *err;
  for (size_t i = 0; i < sizeof good / sizeof good[0]; i++) {
    jval *v = jparse(good[i], strlen(good[i]), &err);
    CHECK_MSG(v != NULL, "should parse: %s (%s)", good[i], err ? err : "");
    jfree(v);
  }
  for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
    jval *v = jparse(bad[i], strlen(bad[i]), &err);
    CHECK_MSG(v == NULL, "should not parse: %s", bad[i]);
    jfree(v);
  }
}

/* ---- the capture ---- */
static char *read_file(const char *path, size_t *len) {
  FILE *f = fopen(path, "rb");
  if (!f) return NULL;
  size_t cap = 1 << 16, n = 0, r;
  char *buf = malloc(cap);
  while ((r = fread(buf + n, 1, cap - n, f)) > 0) {
    n += r;
    if (n == cap) buf = realloc(buf, cap *= 2);
  }
  fclose(f);
  *len = n;
  return buf;
}

static void temp_path(char *buf, size_t n, const char *tag) {
  const char *dir = getenv("TMPDIR");
  snprintf(buf, n, "%s/weir_capture_%s_%d_XXXXXX", dir && *dir ? dir : "/tmp", tag, (int)getpid());
  int fd = mkstemp(buf);
  if (fd >= 0) close(fd);
}

typedef struct task {
  const char *name;
  double ts, dur, id, pid, tid, bytes;
  const jval *shape, *deps, *ev;
} task;

/* Parses the file and collects task events ("ph":"X"). Returns the root (free with jfree). */
static jval *load_trace(const char *path, task *tasks, int max, int *ntasks) {
  size_t len = 0;
  char *text = read_file(path, &len);
  *ntasks = 0;
  if (!CHECK_MSG(text != NULL, "capture file %s missing", path)) return NULL;
  const char *err = NULL;
  jval *root = jparse(text, len, &err);
  CHECK_MSG(root != NULL, "capture file is not valid JSON: %s", err ? err : "?");
  free(text);
  if (!root) return NULL;
  CHECK(root->t == J_OBJ);
  jval *ev = jget(root, "traceEvents");
  if (!CHECK_MSG(ev && ev->t == J_ARR, "traceEvents must be an array")) return root;
  for (int i = 0; i < ev->n; i++) {
    jval *e = ev->items[i];
    if (!CHECK_MSG(e->t == J_OBJ, "event %d is not an object", i)) continue;
    const char *ph = jstr(e, "ph");
    if (!CHECK_MSG(ph != NULL, "event %d has no ph", i)) continue;
    if (strcmp(ph, "X") != 0) continue;
    task t = {0};
    t.ev = e;
    t.name = jstr(e, "name");
    bool ok = t.name && jnum(e, "ts", &t.ts) && jnum(e, "dur", &t.dur) && jnum(e, "pid", &t.pid) &&
              jnum(e, "tid", &t.tid);
    CHECK_MSG(ok, "task event %d lacks name/ts/dur/pid/tid", i);
    CHECK_MSG(t.dur >= 0, "task %d: negative dur", i);
    jval *args = jget(e, "args");
    CHECK_MSG(args && args->t == J_OBJ, "task %d: args object", i);
    t.shape = jget(args, "shape");
    CHECK_MSG(t.shape && t.shape->t == J_ARR, "task %d (%s): args.shape array", i, t.name ? t.name : "?");
    CHECK_MSG(jnum(args, "bytes", &t.bytes), "task %d: args.bytes number", i);
    if (!jnum(args, "id", &t.id)) t.id = -1;
    t.deps = jget(args, "deps");
    if (ok && *ntasks < max) tasks[(*ntasks)++] = t;
  }
  return root;
}

static const task *find_task(const task *ts, int n, const char *name, int *count) {
  const task *hit = NULL;
  *count = 0;
  for (int i = 0; i < n; i++)
    if (strcmp(ts[i].name, name) == 0) {
      hit = &ts[i];
      (*count)++;
    }
  return hit;
}

static void check_after(const task *consumer, const task *producer, const char *what) {
  if (!consumer || !producer) return;
  CHECK_MSG(consumer->ts + 0.002 >= producer->ts + producer->dur, "%s: starts at %.3f, input ended at %.3f", what,
            consumer->ts, producer->ts + producer->dur);
}

static void test_two_streams(void) {
  weir_stream a, b;
  if (!CHECK_OK(weir_stream_new(CPU, &a)) || !CHECK_OK(weir_stream_new(CPU, &b))) return;
  char path[512];
  temp_path(path, sizeof path, "two");

  /* work before the capture is not recorded */
  weir_array *pre = NULL, *pre2 = NULL;
  CHECK_OK(weir_ones(&pre, (const int64_t[]){8}, 1, WEIR_FLOAT32, a));
  CHECK_OK(weir_negative(&pre2, pre, a));
  CHECK_OK(weir_eval(&pre2, 1));

  if (!CHECK_OK(weir_capture_start(path))) return;
  CHECK_STATUS(weir_capture_start(path), WEIR_ERR_INVALID_ARGUMENT); /* already running */
  CHECK_ERR_MENTIONS("already");
  int64_t shape[2] = {64, 32};
  weir_array *x = NULL, *e = NULL, *t = NULL, *s = NULL, *c = NULL, *q = NULL;
  CHECK_OK(weir_full(&x, shape, 2, 0.5, WEIR_FLOAT32, a));
  CHECK_OK(weir_exp(&e, x, a));
  CHECK_OK(weir_tanh(&t, e, a));
  CHECK_OK(weir_sin(&s, t, b)); /* cross-stream: A -> B */
  CHECK_OK(weir_cos(&c, s, b));
  CHECK_OK(weir_square(&q, c, a)); /* and back: B -> A */
  CHECK_OK(weir_eval(&q, 1));
  CHECK_OK(weir_capture_stop());
  CHECK_STATUS(weir_capture_stop(), WEIR_ERR_INVALID_ARGUMENT); /* not running any more */

  /* work after the capture is not recorded either */
  weir_array *post = NULL;
  CHECK_OK(weir_abs(&post, q, b));
  CHECK_OK(weir_eval(&post, 1));

  task tasks[64];
  int n = 0;
  jval *root = load_trace(path, tasks, 64, &n);
  if (root) {
    int cnt;
    const task *tf = find_task(tasks, n, "full", &cnt), *te, *tt, *tsn, *tc, *tq;
    CHECK_EQ_INT(cnt, 1);
    te = find_task(tasks, n, "exp", &cnt);
    CHECK_EQ_INT(cnt, 1);
    tt = find_task(tasks, n, "tanh", &cnt);
    CHECK_EQ_INT(cnt, 1);
    tsn = find_task(tasks, n, "sin", &cnt);
    CHECK_EQ_INT(cnt, 1);
    tc = find_task(tasks, n, "cos", &cnt);
    CHECK_EQ_INT(cnt, 1);
    tq = find_task(tasks, n, "square", &cnt);
    CHECK_EQ_INT(cnt, 1);
    find_task(tasks, n, "negative", &cnt);
    CHECK_MSG(cnt == 0, "work before the capture was recorded");
    find_task(tasks, n, "abs", &cnt);
    CHECK_MSG(cnt == 0, "work after the capture was recorded");
    CHECK_EQ_INT(n, 6);

    /* lanes: A's tasks share one (pid, tid), B's another */
    if (tf && te && tt && tsn && tc && tq) {
      const task *on_a[] = {tf, te, tt, tq}, *on_b[] = {tsn, tc};
      for (int i = 1; i < 4; i++)
        CHECK_MSG(on_a[i]->pid == tf->pid && on_a[i]->tid == tf->tid, "%s not in stream A's lane", on_a[i]->name);
      CHECK_MSG(tc->pid == tsn->pid && tc->tid == tsn->tid, "cos not in stream B's lane");
      CHECK_MSG(tf->pid != tsn->pid || tf->tid != tsn->tid, "streams A and B share a lane");
      (void)on_b;
      /* a lane named after its stream, when lanes are named */
      jval *ev = jget(root, "traceEvents");
      char want_a[96], want_b[96];
      snprintf(want_a, sizeof want_a, "Stream(Device(cpu, 0), %d)", a.index);
      snprintf(want_b, sizeof want_b, "Stream(Device(cpu, 0), %d)", b.index);
      int named = 0;
      for (int i = 0; ev && i < ev->n; i++) {
        const jval *m = ev->items[i];
        const char *ph = jstr(m, "ph"), *nm = jstr(m, "name");
        double pid, tid;
        if (!ph || strcmp(ph, "M") != 0 || !nm || strcmp(nm, "thread_name") != 0) continue;
        if (!jnum(m, "pid", &pid) || !jnum(m, "tid", &tid)) continue;
        const char *lane = jstr(jget(m, "args"), "name");
        if (pid == tf->pid && tid == tf->tid) {
          CHECK_STR(lane, want_a);
          named++;
        }
        if (pid == tsn->pid && tid == tsn->tid) {
          CHECK_STR(lane, want_b);
          named++;
        }
      }
      CHECK_MSG(named == 0 || named == 2, "%d of 2 lanes named", named);

      /* order: each task starts after its input ended, across streams too */
      check_after(te, tf, "exp after full");
      check_after(tt, te, "tanh after exp");
      check_after(tsn, tt, "sin (B) after tanh (A)");
      check_after(tc, tsn, "cos after sin");
      check_after(tq, tc, "square (A) after cos (B)");
      for (int i = 0; i < n; i++) {
        CHECK_MSG(tasks[i].shape->n == 2 && tasks[i].shape->items[0]->num == 64 &&
                      tasks[i].shape->items[1]->num == 32,
                  "%s: shape should be [64, 32]", tasks[i].name);
        CHECK_MSG(tasks[i].bytes == 64 * 32 * 4, "%s: bytes %.0f, want 8192", tasks[i].name, tasks[i].bytes);
      }
      /* the recorded dependency ids, when present, agree with the times */
      for (int i = 0; i < n; i++) {
        const jval *deps = tasks[i].deps;
        for (int d = 0; deps && deps->t == J_ARR && d < deps->n; d++)
          for (int k = 0; k < n; k++)
            if (tasks[k].id == deps->items[d]->num) check_after(&tasks[i], &tasks[k], tasks[i].name);
      }
      CHECK(tsn->deps && tsn->deps->t == J_ARR && tsn->deps->n >= 1 && tsn->deps->items[0]->num == tt->id);
    }
    jfree(root);
  }
  unlink(path);
  weir_array *list[] = {pre, pre2, x, e, t, s, c, q, post};
  for (size_t i = 0; i < sizeof list / sizeof list[0]; i++) weir_array_free(list[i]);
  CHECK_OK(weir_stream_free(a));
  CHECK_OK(weir_stream_free(b));
}

static void test_empty_capture(void) {
  char path[512];
  temp_path(path, sizeof path, "empty");
  if (!CHECK_OK(weir_capture_start(path))) return;
  CHECK_OK(weir_capture_stop());
  task tasks[4];
  int n = -1;
  jval *root = load_trace(path, tasks, 4, &n);
  CHECK_EQ_INT(n, 0);
  jfree(root);
  unlink(path);
}

/* Many tasks from several threads on several streams: all recorded, the file still valid. */
static weir_stream g_streams[4];
static void *busy(void *arg) {
  int id = (int)(intptr_t)arg;
  weir_array *x = NULL, *one = NULL;
  weir_full(&x, (const int64_t[]){16}, 1, 0, WEIR_INT32, g_streams[id]);
  weir_array_from_scalar(&one, 1, WEIR_INT32);
  for (int i = 0; i < 500 && x; i++) {
    weir_array *y = NULL;
    weir_add(&y, x, one, g_streams[(id + i) % 4]);
    weir_array_free(x);
    x = y;
    if (i % 50 == 0) weir_eval(&x, 1);
  }
  weir_eval(&x, 1);
  weir_array_free(x);
  weir_array_free(one);
  return NULL;
}

static void test_many_tasks(void) {
  for (int i = 0; i < 4; i++)
    if (!CHECK_OK(weir_stream_new(CPU, &g_streams[i]))) return;
  char path[512];
  temp_path(path, sizeof path, "many");
  if (!CHECK_OK(weir_capture_start(path))) return;
  pthread_t t[4];
  for (int i = 0; i < 4; i++) pthread_create(&t[i], NULL, busy, (void *)(intptr_t)i);
  for (int i = 0; i < 4; i++) pthread_join(t[i], NULL);
  CHECK_OK(weir_capture_stop());
  enum { MAX = 4096 };
  task *tasks = calloc(MAX, sizeof *tasks);
  int n = 0;
  jval *root = load_trace(path, tasks, MAX, &n);
  CHECK_EQ_INT(n, 4 * 501); /* 4 x (full + 500 adds) */
  /* one lane per stream: exactly 4 distinct (pid, tid) among the tasks */
  double lane_pid[8], lane_tid[8];
  int nlanes = 0;
  for (int i = 0; i < n; i++) {
    int k = 0;
    while (k < nlanes && (lane_pid[k] != tasks[i].pid || lane_tid[k] != tasks[i].tid)) k++;
    if (k == nlanes && nlanes < 8) lane_pid[nlanes] = tasks[i].pid, lane_tid[nlanes++] = tasks[i].tid;
  }
  CHECK_EQ_INT(nlanes, 4);
  /* every recorded dependency ended before its consumer started */
  int late = 0;
  for (int i = 0; i < n; i++) {
    const jval *deps = tasks[i].deps;
    for (int d = 0; deps && deps->t == J_ARR && d < deps->n; d++)
      for (int k = 0; k < n; k++)
        if (tasks[k].id == deps->items[d]->num && tasks[i].ts + 0.002 < tasks[k].ts + tasks[k].dur) late++;
  }
  CHECK_MSG(late == 0, "%d tasks started before an input ended", late);
  jfree(root);
  free(tasks);
  unlink(path);
  for (int i = 0; i < 4; i++) CHECK_OK(weir_stream_free(g_streams[i]));
}

/* Stopping a capture while other threads are still working: no crash, a valid file, and the
   work itself unaffected. */
static void test_stop_during_work(void) {
  for (int i = 0; i < 4; i++)
    if (!CHECK_OK(weir_stream_new(CPU, &g_streams[i]))) return;
  char path[512];
  temp_path(path, sizeof path, "stop");
  if (!CHECK_OK(weir_capture_start(path))) return;
  pthread_t t[4];
  for (int i = 0; i < 4; i++) pthread_create(&t[i], NULL, busy, (void *)(intptr_t)i);
  usleep(2000);
  CHECK_OK(weir_capture_stop());
  for (int i = 0; i < 4; i++) pthread_join(t[i], NULL);
  task *tasks = calloc(4096, sizeof *tasks);
  int n = 0;
  jval *root = load_trace(path, tasks, 4096, &n);
  CHECK(root != NULL);
  CHECK(n <= 4 * 501);
  jfree(root);
  free(tasks);
  unlink(path);
  for (int i = 0; i < 4; i++) CHECK_OK(weir_stream_free(g_streams[i]));
}

int main(void) {
  h_init("test_capture");
  H_RUN(test_stop_during_work);
  H_RUN(test_parser_itself);
  H_RUN(test_two_streams);
  H_RUN(test_empty_capture);
  H_RUN(test_many_tasks);
  return h_finish();
}
