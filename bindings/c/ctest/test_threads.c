/* One shared corsgate_policy, many threads evaluating at once: every thread must get
 * exactly the answers a single thread got before they started. */
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>

#include "corsgate.h"
#include "check.h"

#define THREADS 8
#define ROUNDS 2000
#define HDR(n, v) {{(const uint8_t *)(n), sizeof(n) - 1}, {(const uint8_t *)(v), sizeof(v) - 1}}

struct req {
    const char *method;
    corsgate_header headers[3];
    size_t n;
};

static const struct req REQS[] = {
    {"GET", {HDR("Origin", "https://example.com")}, 1},
    {"GET", {HDR("Origin", "https://a.b.example.com")}, 1},
    {"GET", {HDR("Origin", "https://evil.com")}, 1},
    {"GET", {HDR("Accept", "*/*")}, 1},
    {"POST", {HDR("Origin", "http://localhost:3000")}, 1},
    {"OPTIONS",
     {HDR("Origin", "https://x.example.com"), HDR("Access-Control-Request-Method", "PUT"),
      HDR("Access-Control-Request-Headers", "authorization, x-a")},
     3},
    {"OPTIONS", {HDR("Origin", "https://x.example.com"), HDR("Access-Control-Request-Method", "PATCH")}, 2},
    {"OPTIONS", {HDR("Origin", "https://pr-12.preview.example.org"), HDR("Access-Control-Request-Method", "DELETE")}, 2},
};
#define NREQ (sizeof REQS / sizeof REQS[0])

static corsgate_policy *policy;
static corsgate_decision expected[NREQ];
static bool expected_origin_ok[NREQ];

static int same(const corsgate_decision *a, const corsgate_decision *b) {
    if (a->kind != b->kind || a->allowed != b->allowed || a->status != b->status || a->reason != b->reason ||
        a->headers_len != b->headers_len)
        return 0;
    for (size_t i = 0; i < a->headers_len; i++) {
        const corsgate_header *x = &a->headers[i], *y = &b->headers[i];
        if (x->name.len != y->name.len || memcmp(x->name.data, y->name.data, x->name.len) != 0) return 0;
        if (x->value.len != y->value.len || memcmp(x->value.data, y->value.data, x->value.len) != 0) return 0;
    }
    return 1;
}

static void *worker(void *arg) {
    size_t mismatches = 0, offset = (size_t)(uintptr_t)arg;
    for (int r = 0; r < ROUNDS; r++) {
        for (size_t k = 0; k < NREQ; k++) {
            const struct req *q = &REQS[(k + offset) % NREQ];
            corsgate_decision d;
            if (corsgate_policy_evaluate(policy, (const uint8_t *)q->method, strlen(q->method), q->headers, q->n,
                                         &d) != CORSGATE_RESULT_OK ||
                !same(&d, &expected[(k + offset) % NREQ]))
                mismatches++;
            if (corsgate_policy_is_origin_allowed(policy, q->headers[0].value.data, q->headers[0].value.len) !=
                expected_origin_ok[(k + offset) % NREQ])
                mismatches++;
        }
    }
    return (void *)(uintptr_t)mismatches;
}

int main(void) {
    const char *json = "{\"origins\":[\"https://example.com\",\"https://*.example.com\",\"http://localhost:*\","
                       "\"~^https://pr-[0-9]+\\\\.preview\\\\.example\\\\.org$\"],\"credentials\":true,"
                       "\"methods\":[\"PUT\",\"DELETE\"],\"request_headers\":[\"authorization\",\"x-a\"]}";
    corsgate_config_error *err = NULL;
    CHECK(corsgate_policy_from_json((const uint8_t *)json, strlen(json), &policy, &err) == CORSGATE_RESULT_OK);
    if (err) fprintf(stderr, "%.*s\n", SLICE_FMT(corsgate_config_error_message(err)));
    if (!policy) return check_finish("test_threads");
    size_t allowed = 0;
    for (size_t k = 0; k < NREQ; k++) {
        CHECK(corsgate_policy_evaluate(policy, (const uint8_t *)REQS[k].method, strlen(REQS[k].method),
                                       REQS[k].headers, REQS[k].n, &expected[k]) == CORSGATE_RESULT_OK);
        allowed += expected[k].allowed;
        expected_origin_ok[k] =
            corsgate_policy_is_origin_allowed(policy, REQS[k].headers[0].value.data, REQS[k].headers[0].value.len);
    }
    /* The reference answers themselves are not all the same (a fast wrong answer is not a result). */
    CHECK(allowed == 6);
    CHECK(expected_origin_ok[0] && !expected_origin_ok[2] && !expected_origin_ok[3]);
    CHECK(expected[2].allowed == 0 && expected[6].allowed == 0 && expected[5].status == 204);
    pthread_t t[THREADS];
    for (uintptr_t i = 0; i < THREADS; i++) CHECK(pthread_create(&t[i], NULL, worker, (void *)i) == 0);
    for (int i = 0; i < THREADS; i++) {
        void *mism = NULL;
        CHECK(pthread_join(t[i], &mism) == 0);
        CHECK((uintptr_t)mism == 0);
    }
    corsgate_policy_free(policy);
    return check_finish("test_threads");
}
