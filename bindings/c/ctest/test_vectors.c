/* Runs conformance vectors through the C ABI. Reads the records that
 * vectors_to_records.py writes (length-prefixed, so any bytes survive) on stdin and
 * prints one observation per vector in the protocol of corsgate-judge (the one judge,
 * tests/src/bin/corsgate-judge.rs), which checks it the way a browser would:
 *   {"id":..,"via":"c-abi","observed":{"kind":..,"allowed":..,"status":..,"headers":[..],
 *    "reason_code":..,"policy":..,"route":..,"config_error":..}}
 * A policy set (corsgate_is_policy_set) goes through corsgate_policy_set_evaluate with
 * the record's path (default "/"), and the observation names the selected policy and
 * route.
 * What only the C ABI can get wrong is checked here and reported on stderr (exit 3): a
 * config error without usable diagnostics, an empty reason text, and the hot path
 * (corsgate_policy_is_origin_allowed) disagreeing with evaluate. Usage:
 *   python3 vectors_to_records.py vectors.jsonl | test_vectors | corsgate-judge */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "corsgate.h"

#define MAX_REQ_HEADERS 64
/* printf arguments for a corsgate_slice: printf("%.*s", SLICE_FMT(s)). */
#define SLICE_FMT(s) (int)(s).len, (const char *)(s).data

static int read_exact(uint8_t **out, size_t len) {
    *out = malloc(len + 1);
    if (!*out) return 0;
    if (len && fread(*out, 1, len, stdin) != len) return 0;
    (*out)[len] = 0;
    return getchar() == '\n';
}

/* Reads "<name len> <value len>\n<name><value>\n" into h[*n] (bytes owned by owned[*n]). */
static int read_header(corsgate_header *h, uint8_t **owned, size_t *n) {
    size_t a, b;
    if (*n >= MAX_REQ_HEADERS || scanf(" %zu %zu", &a, &b) != 2 || getchar() != '\n' || !read_exact(&owned[*n], a + b))
        return 0;
    h[*n].name.data = owned[*n];
    h[*n].name.len = a;
    h[*n].value.data = owned[*n] + a;
    h[*n].value.len = b;
    (*n)++;
    return 1;
}

static void json_str(const uint8_t *s, size_t n) {
    putchar('"');
    for (size_t i = 0; i < n; i++) {
        uint8_t c = s[i];
        if (c == '"' || c == '\\')
            printf("\\%c", c);
        else if (c < 0x20 || c >= 0x7f)
            printf("\\u%04x", c);
        else
            putchar(c);
    }
    putchar('"');
}

static size_t abi_problems = 0;

/* A problem only the C ABI can have: reported on stderr, counted for the exit status. */
static void abi_problem(const uint8_t *id, size_t id_len, const char *what) {
    fprintf(stderr, "FAIL %.*s: %s\n", (int)id_len, (const char *)id, what);
    abi_problems++;
}

/* Every diagnostic of a rejected policy has a code and a text, and one is an error. */
static int diags_usable(const corsgate_config_error *err) {
    size_t errors = 0;
    for (size_t i = 0; i < corsgate_config_error_len(err); i++) {
        corsgate_diagnostic d;
        if (corsgate_config_error_get(err, i, &d) != CORSGATE_RESULT_OK || !d.code.len || !d.text.len)
            return 0;
        errors += d.is_error ? 1 : 0;
    }
    return errors > 0;
}

/* The decision applied to the application's headers, as "final_headers". */
static void print_final(const uint8_t *id, size_t id_len, const corsgate_decision *d,
                        const corsgate_header *app, size_t app_len) {
    corsgate_response_line out[MAX_REQ_HEADERS + CORSGATE_MAX_ADDED];
    size_t len = 0;
    corsgate_result r = corsgate_decision_apply(d, app, app_len, out, MAX_REQ_HEADERS + CORSGATE_MAX_ADDED, &len);
    if (r != CORSGATE_RESULT_OK) {
        abi_problem(id, id_len, "corsgate_decision_apply failed");
        return;
    }
    printf(",\"final_headers\":[");
    for (size_t i = 0; i < len; i++) {
        printf("%s[", i ? "," : "");
        json_str(out[i].header.name.data, out[i].header.name.len);
        putchar(',');
        json_str(out[i].header.value.data, out[i].header.value.len);
        putchar(']');
    }
    putchar(']');
}

/* A rejected policy or set of a set: every error has a path (policies.x..., routes[i]...). */
static int set_errors_have_paths(const corsgate_config_error *err) {
    for (size_t i = 0; i < corsgate_config_error_len(err); i++)
        if (corsgate_config_error_path(err, i).len == 0) {
            corsgate_diagnostic d;
            /* Only an unknown top-level key concerns the document as a whole. */
            if (corsgate_config_error_get(err, i, &d) != CORSGATE_RESULT_OK || d.value.data == NULL)
                return 0;
        }
    return 1;
}

static void run(const uint8_t *id, size_t id_len, const uint8_t *policy_json, size_t policy_len,
                const uint8_t *method, size_t method_len, const uint8_t *path, size_t path_len,
                const corsgate_header *h, size_t n, int has_app, const corsgate_header *app,
                size_t app_len) {
    corsgate_policy *p = NULL;
    corsgate_policy_set *s = NULL;
    corsgate_config_error *err = NULL;
    int is_set = corsgate_is_policy_set(policy_json, policy_len);
    printf("{\"id\":");
    json_str(id, id_len);
    printf(",\"via\":\"c-abi\",\"observed\":{");
    corsgate_result r = is_set ? corsgate_policy_set_from_json(policy_json, policy_len, &s, &err)
                               : corsgate_policy_from_json(policy_json, policy_len, &p, &err);
    if (r != CORSGATE_RESULT_OK) {
        printf("\"config_error\":true}}\n");
        if (r != CORSGATE_RESULT_INVALID_POLICY || !diags_usable(err))
            abi_problem(id, id_len, "config error without usable diagnostics");
        if (is_set && !set_errors_have_paths(err))
            abi_problem(id, id_len, "a policy set error without its path");
        corsgate_config_error_free(err);
        return;
    }
    corsgate_decision d;
    corsgate_selection sel;
    r = is_set ? corsgate_policy_set_evaluate(s, method, method_len, path ? path : (const uint8_t *)"/",
                                              path ? path_len : 1, h, n, &d, &sel)
               : corsgate_policy_evaluate(p, method, method_len, h, n, &d);
    if (r != CORSGATE_RESULT_OK) {
        printf("\"config_error\":false}}\n");
        abi_problem(id, id_len, "evaluate failed");
        corsgate_policy_free(p);
        corsgate_policy_set_free(s);
        return;
    }
    corsgate_slice kind = corsgate_kind_str(d.kind), code = corsgate_reason_str(d.reason);
    printf("\"config_error\":false,\"kind\":");
    json_str(kind.data, kind.len);
    printf(",\"allowed\":%s,\"status\":", d.allowed ? "true" : "false");
    if (d.status)
        printf("%u", d.status);
    else
        printf("null");
    printf(",\"headers\":[");
    for (size_t i = 0; i < d.headers_len; i++) {
        printf("%s[", i ? "," : "");
        json_str(d.headers[i].name.data, d.headers[i].name.len);
        putchar(',');
        json_str(d.headers[i].value.data, d.headers[i].value.len);
        putchar(']');
    }
    printf("],\"reason_code\":");
    json_str(code.data, code.len);
    if (is_set && sel.has_route) {
        printf(",\"policy\":");
        json_str(sel.policy.data, sel.policy.len);
        printf(",\"route\":%zu", sel.route);
    } else if (is_set) {
        printf(",\"policy\":null,\"route\":null");
        if (sel.policy.data != NULL || d.reason != CORSGATE_REASON_NO_POLICY)
            abi_problem(id, id_len, "no route selected but a policy name or another reason");
    }
    if (has_app) print_final(id, id_len, &d, app, app_len);
    printf("}}\n");
    uint8_t text[1024];
    size_t text_len = 0;
    r = corsgate_decision_reason_write(&d, text, sizeof text, &text_len);
    if (r != CORSGATE_RESULT_OK || text_len == 0 || !code.len)
        abi_problem(id, id_len, "no reason");
    /* The hot path agrees with evaluate for an actual request with one well-formed
     * Origin line. */
    const corsgate_header *origin = NULL;
    size_t origins = 0;
    for (size_t i = 0; i < n; i++)
        if (h[i].name.len == 6 && strncasecmp((const char *)h[i].name.data, "origin", 6) == 0) {
            origin = origin ? origin : &h[i];
            origins++;
        }
    int malformed = code.len == 16 && memcmp(code.data, "origin_malformed", 16) == 0;
    if (p && d.kind == CORSGATE_KIND_ACTUAL && origins == 1 && !malformed &&
        corsgate_policy_is_origin_allowed(p, origin->value.data, origin->value.len) != d.allowed)
        abi_problem(id, id_len, "corsgate_policy_is_origin_allowed disagrees with evaluate");
    corsgate_policy_free(p);
    corsgate_policy_set_free(s);
}

int main(void) {
    char tag;
    uint8_t *id = NULL, *policy = NULL, *method = NULL, *path = NULL;
    size_t id_len = 0, policy_len = 0, method_len = 0, path_len = 0, n = 0, count = 0;
    corsgate_header h[MAX_REQ_HEADERS], app[MAX_REQ_HEADERS];
    uint8_t *owned[MAX_REQ_HEADERS], *app_owned[MAX_REQ_HEADERS];
    size_t app_n = 0;
    int ok = 1, has_app = 0;
    while (ok && scanf(" %c", &tag) == 1) {
        switch (tag) {
        case 'V':
            ok = scanf(" %zu", &id_len) == 1 && getchar() == '\n' && read_exact(&id, id_len);
            break;
        case 'P':
            ok = scanf(" %zu", &policy_len) == 1 && getchar() == '\n' && read_exact(&policy, policy_len);
            break;
        case 'M':
            ok = scanf(" %zu", &method_len) == 1 && getchar() == '\n' && read_exact(&method, method_len);
            break;
        case 'U':
            ok = scanf(" %zu", &path_len) == 1 && getchar() == '\n' && read_exact(&path, path_len);
            break;
        case 'H':
            ok = read_header(h, owned, &n);
            break;
        case 'Z':
            has_app = 1;
            break;
        case 'A':
            ok = read_header(app, app_owned, &app_n);
            break;
        case 'E':
            run(id, id_len, policy, policy_len, method, method_len, path, path_len, h, n, has_app, app, app_n);
            for (size_t i = 0; i < app_n; i++) free(app_owned[i]);
            app_n = 0;
            has_app = 0;
            free(id);
            free(policy);
            free(method);
            free(path);
            id = policy = method = path = NULL;
            for (size_t i = 0; i < n; i++) free(owned[i]);
            n = 0;
            count++;
            break;
        default:
            ok = 0;
        }
    }
    free(id);
    free(policy);
    free(method);
    free(path);
    for (size_t i = 0; i < n; i++) free(owned[i]);
    for (size_t i = 0; i < app_n; i++) free(app_owned[i]);
    if (!ok || !feof(stdin)) {
        fprintf(stderr, "test_vectors: malformed record after %zu vectors\n", count);
        return 2;
    }
    fprintf(stderr, "test_vectors: ran %zu vectors, %zu C ABI problems\n", count, abi_problems);
    if (abi_problems) return 3;
    return count > 0 ? 0 : 1;
}
