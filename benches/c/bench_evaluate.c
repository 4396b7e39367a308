/* corsgate_policy_evaluate and corsgate_policy_is_origin_allowed timed from C.
 * Best of 7 runs of N iterations per case (N = argv[1], default 1000000). Each case's
 * expected verdict is asserted before timing: a fast wrong answer is not a result.
 * Run by scripts/bench-c.sh; not part of CI. */
#define _POSIX_C_SOURCE 199309L
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "corsgate.h"

#define HDR(n, v) {{(const uint8_t *)(n), sizeof(n) - 1}, {(const uint8_t *)(v), sizeof(v) - 1}}

static const char POLICY[] =
    "{\"origins\": [\"https://example.com\", \"https://*.example.com\", \"http://localhost:*\","
    " \"~^https://pr-[0-9]+\\\\.preview\\\\.example\\\\.org$\"], \"credentials\": true, \"methods\": [\"PUT\", \"DELETE\"],"
    " \"request_headers\": [\"authorization\", \"content-type\", \"x-request-id\"], \"expose_headers\": [\"x-request-id\"],"
    " \"max_age\": 600}";

struct bench_case {
    const char *name, *method;
    corsgate_header headers[3];
    size_t n;
    bool allowed;
};

static const struct bench_case CASES[] = {
    {"actual-exact-allowed", "GET",
     {HDR("Host", "api.example.com"), HDR("Origin", "https://example.com"), HDR("Accept", "*/*")}, 3, true},
    {"actual-wildcard-allowed", "GET", {HDR("Origin", "https://a.b.example.com")}, 1, true},
    {"actual-denied", "GET", {HDR("Origin", "https://evil.example.net")}, 1, false},
    {"preflight-allowed", "OPTIONS",
     {HDR("Origin", "https://app.example.com"), HDR("Access-Control-Request-Method", "PUT"),
      HDR("Access-Control-Request-Headers", "content-type, x-request-id")},
     3, true},
    {"not-cors", "GET", {HDR("Host", "api.example.com"), HDR("Accept", "*/*")}, 2, true},
};

static double now_ns(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec * 1e9 + (double)t.tv_nsec;
}

int main(int argc, char **argv) {
    long iters = argc > 1 ? atol(argv[1]) : 1000000;
    corsgate_policy *p = NULL;
    if (corsgate_policy_from_json((const uint8_t *)POLICY, strlen(POLICY), &p, NULL) != CORSGATE_RESULT_OK) {
        fprintf(stderr, "policy rejected\n");
        return 1;
    }
    volatile size_t sink = 0;
    printf("case                      c-abi evaluate ns\n");
    for (size_t c = 0; c < sizeof CASES / sizeof CASES[0]; c++) {
        const struct bench_case *k = &CASES[c];
        corsgate_decision d;
        if (corsgate_policy_evaluate(p, (const uint8_t *)k->method, strlen(k->method), k->headers, k->n, &d) !=
                CORSGATE_RESULT_OK ||
            d.allowed != k->allowed) {
            fprintf(stderr, "%s: wrong answer\n", k->name);
            return 1;
        }
        double best = 1e30;
        for (int run = 0; run < 7; run++) {
            double t0 = now_ns();
            for (long i = 0; i < iters; i++) {
                corsgate_policy_evaluate(p, (const uint8_t *)k->method, strlen(k->method), k->headers, k->n, &d);
                sink += d.headers_len;
            }
            double ns = (now_ns() - t0) / (double)iters;
            best = ns < best ? ns : best;
        }
        printf("%-24s %10.1f\n", k->name, best);
    }
    const char *origins[] = {"https://example.com", "https://evil.example.net"};
    for (int o = 0; o < 2; o++) {
        if (corsgate_policy_is_origin_allowed(p, (const uint8_t *)origins[o], strlen(origins[o])) != (o == 0)) {
            fprintf(stderr, "is_origin_allowed: wrong answer\n");
            return 1;
        }
        double best = 1e30;
        for (int run = 0; run < 7; run++) {
            double t0 = now_ns();
            for (long i = 0; i < iters; i++)
                sink += corsgate_policy_is_origin_allowed(p, (const uint8_t *)origins[o], strlen(origins[o]));
            double ns = (now_ns() - t0) / (double)iters;
            best = ns < best ? ns : best;
        }
        printf("is_origin_allowed %-6s %10.1f\n", o == 0 ? "hit" : "miss", best);
    }
    corsgate_policy_free(p);
    return sink == 0;
}
