/* The C ABI contract: NULL handling, bad JSON, every result code, config errors with
 * their codes and entries, warnings, decisions, reason text, versions, freeing, and the
 * ABI's shapes (fixed-width enums, strings as pointer + length, no dangling pointers). */
#include <stdint.h>
#include <stdlib.h>

#include "corsgate.h"
#include "check.h"

#define BYTES(s) (const uint8_t *)(s), strlen(s)
#define HDR(n, v) {{(const uint8_t *)(n), sizeof(n) - 1}, {(const uint8_t *)(v), sizeof(v) - 1}}

/* Whether `needle` occurs in the `len` bytes at `data`. */
static int contains(const void *data, size_t len, const char *needle) {
    size_t m = strlen(needle);
    for (size_t i = 0; m <= len && i <= len - m; i++)
        if (memcmp((const uint8_t *)data + i, needle, m) == 0) return 1;
    return 0;
}

static corsgate_policy *compile_ok(const char *json) {
    corsgate_policy *p = NULL;
    corsgate_config_error *err = (corsgate_config_error *)1; /* must be reset to NULL */
    corsgate_result r = corsgate_policy_from_json(BYTES(json), &p, &err);
    CHECK(r == CORSGATE_RESULT_OK);
    CHECK(p != NULL);
    CHECK(err == NULL);
    return p;
}

static const char *find_header(const corsgate_decision *d, const char *name) {
    static char buf[512];
    for (size_t i = 0; i < d->headers_len; i++) {
        if (SLICE_EQ(d->headers[i].name, name)) {
            size_t n = d->headers[i].value.len < sizeof buf - 1 ? d->headers[i].value.len : sizeof buf - 1;
            memcpy(buf, d->headers[i].value.data, n);
            buf[n] = 0;
            return buf;
        }
    }
    return NULL;
}

/* The enums are uint32_t whatever the compiler's enum size (rustls-ffi's convention). */
_Static_assert(sizeof(corsgate_result) == 4, "corsgate_result is uint32_t");
_Static_assert(sizeof(corsgate_kind) == 4, "corsgate_kind is uint32_t");
_Static_assert(sizeof(corsgate_reason) == 4, "corsgate_reason is uint32_t");

/* An empty output slice points to a real byte: reading it must not fault (the library
 * once handed out Rust's dangling 0x1 address for empty strings). */
static int empty_is_readable(corsgate_slice s) {
    if (s.len != 0 || s.data == NULL) return 0;
    volatile uint8_t b = *s.data;
    (void)b;
    return 1;
}

static void test_versions(void) {
    char expect[64], got[64];
    snprintf(expect, sizeof expect, "%d.%d.%d", CORSGATE_VERSION_MAJOR, CORSGATE_VERSION_MINOR,
             CORSGATE_VERSION_PATCH);
    corsgate_slice v = corsgate_version();
    CHECK(SLICE_EQ(v, expect));
    snprintf(got, sizeof got, "%.*s", SLICE_FMT(v));
    CHECK(CORSGATE_VERSION_NUMBER ==
          CORSGATE_VERSION_MAJOR * 1000000 + CORSGATE_VERSION_MINOR * 1000 + CORSGATE_VERSION_PATCH);
    /* The four macros against the version string the library reports at run time. */
    int ma = -1, mi = -1, pa = -1;
    CHECK(sscanf(got, "%d.%d.%d", &ma, &mi, &pa) == 3);
    CHECK(ma == CORSGATE_VERSION_MAJOR);
    CHECK(mi == CORSGATE_VERSION_MINOR);
    CHECK(pa == CORSGATE_VERSION_PATCH);
    CHECK(ma * 1000000 + mi * 1000 + pa == CORSGATE_VERSION_NUMBER);
    CHECK(CORSGATE_MAX_HEADERS == sizeof(((corsgate_decision *)0)->headers) / sizeof(corsgate_header));
}

static void test_result_and_name_strings(void) {
    CHECK(SLICE_EQ(corsgate_result_str(CORSGATE_RESULT_OK), "ok"));
    const corsgate_result all[] = {CORSGATE_RESULT_OK, CORSGATE_RESULT_NULL_PARAMETER,
                            CORSGATE_RESULT_INVALID_POLICY, CORSGATE_RESULT_PANIC,
                            CORSGATE_RESULT_OUT_OF_RANGE, CORSGATE_RESULT_BUFFER_TOO_SMALL,
                            CORSGATE_RESULT_INVALID_PARAMETER};
    for (size_t i = 0; i < sizeof all / sizeof all[0]; i++) {
        corsgate_slice s = corsgate_result_str(all[i]);
        CHECK(s.data != NULL && s.len > 0 && !SLICE_EQ(s, "unknown result"));
        for (size_t j = 0; j < i; j++) {
            corsgate_slice t = corsgate_result_str(all[j]);
            CHECK(!(s.len == t.len && memcmp(s.data, t.data, s.len) == 0));
        }
    }
    CHECK(SLICE_EQ(corsgate_result_str(999), "unknown result"));
    CHECK(SLICE_EQ(corsgate_result_str(UINT32_MAX), "unknown result"));
    CHECK(SLICE_EQ(corsgate_kind_str(CORSGATE_KIND_NOT_CORS), "not_cors"));
    CHECK(SLICE_EQ(corsgate_kind_str(CORSGATE_KIND_PREFLIGHT), "preflight"));
    CHECK(SLICE_EQ(corsgate_kind_str(CORSGATE_KIND_ACTUAL), "actual"));
    CHECK(SLICE_EQ(corsgate_kind_str(CORSGATE_KIND_REFUSED), "refused"));
    CHECK(empty_is_readable(corsgate_kind_str(4)));
    CHECK(SLICE_EQ(corsgate_reason_str(CORSGATE_REASON_ORIGIN_NOT_ALLOWED), "origin_not_allowed"));
    CHECK(SLICE_EQ(corsgate_reason_str(CORSGATE_REASON_PRIVATE_NETWORK_NOT_ALLOWED),
                   "private_network_not_allowed"));
    CHECK(SLICE_EQ(corsgate_reason_str(CORSGATE_REASON_CROSS_ORIGIN_REQUEST_REFUSED),
                   "cross_origin_request_refused"));
    CHECK(SLICE_EQ(corsgate_reason_str(CORSGATE_REASON_NO_POLICY), "no_policy"));
    CHECK(empty_is_readable(corsgate_reason_str(15)));
    CHECK(empty_is_readable(corsgate_reason_str(UINT32_MAX)));
}

static void test_nulls(void) {
    corsgate_policy *p = NULL;
    corsgate_config_error *err = NULL;
    corsgate_decision d;
    const char *json = "{\"origins\":[\"https://example.com\"]}";

    CHECK(corsgate_policy_from_json(BYTES(json), NULL, &err) == CORSGATE_RESULT_NULL_PARAMETER);
    CHECK(err == NULL);
    CHECK(corsgate_policy_from_json(NULL, 5, &p, &err) == CORSGATE_RESULT_NULL_PARAMETER);
    CHECK(p == NULL && err == NULL);
    /* error_out may be NULL: the caller does not want details. */
    CHECK(corsgate_policy_from_json(BYTES("{"), &p, NULL) == CORSGATE_RESULT_INVALID_POLICY);
    CHECK(p == NULL);
    /* NULL with length 0 is an empty document: invalid JSON, not a NULL error. */
    CHECK(corsgate_policy_from_json(NULL, 0, &p, &err) == CORSGATE_RESULT_INVALID_POLICY);
    CHECK(err != NULL);
    corsgate_config_error_free(err);
    err = NULL;

    p = compile_ok(json);
    corsgate_header h[] = {HDR("Origin", "https://example.com")};
    CHECK(corsgate_policy_evaluate(NULL, BYTES("GET"), h, 1, &d) == CORSGATE_RESULT_NULL_PARAMETER);
    CHECK(corsgate_policy_evaluate(p, BYTES("GET"), h, 1, NULL) == CORSGATE_RESULT_NULL_PARAMETER);
    CHECK(corsgate_policy_evaluate(p, NULL, 3, h, 1, &d) == CORSGATE_RESULT_NULL_PARAMETER);
    CHECK(corsgate_policy_evaluate(p, BYTES("GET"), NULL, 1, &d) == CORSGATE_RESULT_NULL_PARAMETER);
    corsgate_header bad[] = {{{NULL, 6}, {(const uint8_t *)"x", 1}}};
    memset(&d, 0xAB, sizeof d);
    CHECK(corsgate_policy_evaluate(p, BYTES("GET"), bad, 1, &d) == CORSGATE_RESULT_NULL_PARAMETER);
    corsgate_header bad2[] = {{{(const uint8_t *)"Origin", 6}, {NULL, 1}}};
    CHECK(corsgate_policy_evaluate(p, BYTES("GET"), bad2, 1, &d) == CORSGATE_RESULT_NULL_PARAMETER);
    /* Outputs are written only on success. */
    unsigned char pattern[sizeof d];
    memset(pattern, 0xAB, sizeof pattern);
    CHECK(memcmp(&d, pattern, sizeof d) == 0);
    /* NULL + 0 is an empty slice: no headers, empty method, empty header value. */
    CHECK(corsgate_policy_evaluate(p, NULL, 0, NULL, 0, &d) == CORSGATE_RESULT_OK);
    CHECK(d.kind == CORSGATE_KIND_NOT_CORS && empty_is_readable(d.reason_detail));
    corsgate_header empty_origin[] = {{{(const uint8_t *)"Origin", 6}, {NULL, 0}}};
    CHECK(corsgate_policy_evaluate(p, BYTES("GET"), empty_origin, 1, &d) == CORSGATE_RESULT_OK);
    CHECK(d.kind == CORSGATE_KIND_ACTUAL && !d.allowed);

    CHECK(!corsgate_policy_is_origin_allowed(NULL, BYTES("https://example.com")));
    CHECK(!corsgate_policy_is_origin_allowed(p, NULL, 19));
    CHECK(!corsgate_policy_is_origin_allowed(p, NULL, 0));

    CHECK(corsgate_policy_warnings_len(NULL) == 0);
    corsgate_diagnostic diag;
    CHECK(corsgate_policy_warning_get(NULL, 0, &diag) == CORSGATE_RESULT_NULL_PARAMETER);
    CHECK(corsgate_policy_warning_get(p, 0, NULL) == CORSGATE_RESULT_NULL_PARAMETER);
    CHECK(corsgate_config_error_len(NULL) == 0);
    CHECK(corsgate_config_error_warnings_len(NULL) == 0);
    CHECK(corsgate_config_error_get(NULL, 0, &diag) == CORSGATE_RESULT_NULL_PARAMETER);
    CHECK(corsgate_config_error_warning_get(NULL, 0, &diag) == CORSGATE_RESULT_NULL_PARAMETER);
    CHECK(empty_is_readable(corsgate_config_error_message(NULL)));
    size_t n = 0;
    uint8_t buf[8];
    CHECK(corsgate_decision_reason_write(NULL, buf, sizeof buf, &n) == CORSGATE_RESULT_NULL_PARAMETER);
    CHECK(corsgate_decision_reason_write(&d, NULL, 8, &n) == CORSGATE_RESULT_NULL_PARAMETER);
    CHECK(corsgate_decision_reason_write(&d, buf, sizeof buf, NULL) == CORSGATE_RESULT_NULL_PARAMETER);

    corsgate_policy_free(NULL);
    corsgate_config_error_free(NULL);
    corsgate_policy_free(p);
}

/* One policy per error code, with the entry each error must name. */
struct bad_policy {
    const char *json;
    const char *code;
    const char *field; /* NULL: document-level */
    long index;        /* -1: no index */
};

static const struct bad_policy BAD[] = {
    {"{", "invalid_json", NULL, -1},
    {"[1]", "invalid_json", NULL, -1},
    {"\xff\xfe", "invalid_json", NULL, -1},
    {"{\"origins\":\"https://a.com\"}", "invalid_type", "origins", -1},
    {"{\"origins\":[\"https://a.com\"],\"credential\":true}", "unknown_field", NULL, -1},
    {"{}", "missing_origins", "origins", -1},
    {"{\"origins\":[]}", "empty_origins", "origins", -1},
    {"{\"origins\":[\"https://a.com\",\"https://*example.com\"]}", "invalid_wildcard", "origins", 1},
    {"{\"origins\":[\"https://a.com/path\"]}", "origin_has_path", "origins", 0},
    {"{\"origins\":[\"https://a.com?q\"]}", "origin_has_query", "origins", 0},
    {"{\"origins\":[\"https://a.com#f\"]}", "origin_has_fragment", "origins", 0},
    {"{\"origins\":[\"https://u@a.com\"]}", "origin_has_userinfo", "origins", 0},
    {"{\"origins\":[\"https://a.com:99999\"]}", "invalid_port", "origins", 0},
    {"{\"origins\":[\"~^https://(a\"]}", "invalid_regex", "origins", 0},
    {"{\"origins\":[\"null\"]}", "null_origin_not_allowed", "origins", 0},
    {"{\"origins\":[\"*\"],\"credentials\":true}", "any_origin_with_credentials", "origins", 0},
    {"{\"origins\":[\"http://a.example.com\"],\"credentials\":true}", "insecure_origin", "origins", 0},
    {"{\"origins\":[\"https://*.com\"],\"credentials\":true}", "public_suffix_wildcard", "origins", 0},
    {"{\"origins\":[\"https://a.com\"],\"methods\":[\"PUT\",\"TRACE\"]}", "forbidden_method", "methods", 1},
    {"{\"origins\":[\"https://a.com\"],\"methods\":[\"P T\"]}", "invalid_method", "methods", 0},
    {"{\"origins\":[\"https://a.com\"],\"request_headers\":[\"cookie\"]}", "forbidden_request_header",
     "request_headers", 0},
    {"{\"origins\":[\"https://a.com\"],\"max_age\":100000}", "max_age_too_large", "max_age", -1},
    {"{\"origins\":[\"https://a.com\"],\"preflight_status\":302}", "invalid_preflight_status",
     "preflight_status", -1},
};

static int has_error(const corsgate_config_error *err, const struct bad_policy *b) {
    corsgate_diagnostic d;
    for (size_t i = 0; i < corsgate_config_error_len(err); i++) {
        if (corsgate_config_error_get(err, i, &d) != CORSGATE_RESULT_OK) return 0;
        if (!SLICE_EQ(d.code, b->code)) continue;
        if (!d.is_error || d.message.len == 0 || d.text.len == 0) return 0;
        if (b->field ? !(d.field.data && SLICE_EQ(d.field, b->field)) : d.field.data != NULL) continue;
        if (b->index < 0 ? d.has_index : !(d.has_index && d.index == (size_t)b->index)) continue;
        if (b->index >= 0 && d.value.data == NULL) return 0; /* entries carry their text */
        return 1;
    }
    return 0;
}

static void test_config_errors(void) {
    for (size_t i = 0; i < sizeof BAD / sizeof BAD[0]; i++) {
        corsgate_policy *p = NULL;
        corsgate_config_error *err = NULL;
        corsgate_result r = corsgate_policy_from_json(BYTES(BAD[i].json), &p, &err);
        CHECK(r == CORSGATE_RESULT_INVALID_POLICY);
        CHECK(p == NULL);
        CHECK(err != NULL);
        if (!err) continue;
        CHECK(corsgate_config_error_len(err) >= 1);
        int found = has_error(err, &BAD[i]);
        corsgate_slice msg = corsgate_config_error_message(err);
        if (!found) fprintf(stderr, "  expected %s in: %.*s\n", BAD[i].code, SLICE_FMT(msg));
        CHECK(found);
        CHECK(msg.len > 26 && memcmp(msg.data, "corsgate: invalid policy (", 26) == 0);
        CHECK(contains(msg.data, msg.len, BAD[i].code));
        corsgate_diagnostic d;
        CHECK(corsgate_config_error_get(err, corsgate_config_error_len(err), &d) == CORSGATE_RESULT_OUT_OF_RANGE);
        CHECK(corsgate_config_error_warning_get(err, corsgate_config_error_warnings_len(err), &d) ==
              CORSGATE_RESULT_OUT_OF_RANGE);
        corsgate_config_error_free(err);
    }

    /* All errors at once, each naming its entry, in document order, plus warnings. */
    const char *many = "{\"origins\":[\"https://*example.com\",\"HTTPS://Ok.Example.com\",\"https://a.com/p\"],"
                       "\"methods\":[\"TRACE\"],\"max_age\":100000}";
    corsgate_policy *p = NULL;
    corsgate_config_error *err = NULL;
    CHECK(corsgate_policy_from_json(BYTES(many), &p, &err) == CORSGATE_RESULT_INVALID_POLICY);
    CHECK(corsgate_config_error_len(err) == 4);
    corsgate_diagnostic d;
    CHECK(corsgate_config_error_get(err, 0, &d) == CORSGATE_RESULT_OK);
    CHECK(SLICE_EQ(d.code, "invalid_wildcard") && d.has_index && d.index == 0);
    CHECK(SLICE_EQ(d.value, "https://*example.com"));
    CHECK(corsgate_config_error_get(err, 1, &d) == CORSGATE_RESULT_OK);
    CHECK(SLICE_EQ(d.code, "origin_has_path") && d.index == 2);
    /* The full line is the core's Display: location, code, message. */
    char line[512];
    snprintf(line, sizeof line, "origins[2] \"https://a.com/p\": origin_has_path: %.*s", (int)d.message.len,
             (const char *)d.message.data);
    CHECK(SLICE_EQ(d.text, line));
    corsgate_slice msg = corsgate_config_error_message(err);
    CHECK(contains(msg.data, msg.len, "(4 errors)"));
    CHECK(corsgate_config_error_warnings_len(err) >= 1);
    CHECK(corsgate_config_error_warning_get(err, 0, &d) == CORSGATE_RESULT_OK);
    CHECK(!d.is_error && SLICE_EQ(d.code, "normalized_origin") && d.index == 1);
    corsgate_config_error_free(err);
}

static void test_warnings(void) {
    corsgate_policy *p = compile_ok("{\"origins\":[\"HTTPS://Example.COM:443/\"],\"max_age\":9000}");
    CHECK(corsgate_policy_warnings_len(p) >= 2);
    int normalized = 0, clamped = 0;
    corsgate_diagnostic d;
    for (size_t i = 0; i < corsgate_policy_warnings_len(p); i++) {
        CHECK(corsgate_policy_warning_get(p, i, &d) == CORSGATE_RESULT_OK);
        CHECK(!d.is_error);
        normalized += SLICE_EQ(d.code, "normalized_origin");
        clamped += SLICE_EQ(d.code, "max_age_clamped");
    }
    CHECK(normalized == 1 && clamped == 1);
    CHECK(corsgate_policy_warning_get(p, corsgate_policy_warnings_len(p), &d) == CORSGATE_RESULT_OUT_OF_RANGE);
    /* The normalized pattern matches the browser's serialization. */
    CHECK(corsgate_policy_is_origin_allowed(p, BYTES("https://example.com")));
    corsgate_policy_free(p);
}

static void test_decisions(void) {
    corsgate_policy *p = compile_ok(
        "{\"origins\":[\"https://example.com\",\"https://*.example.com\"],\"credentials\":true,"
        "\"methods\":[\"PUT\"],\"request_headers\":[\"x-a\"],\"expose_headers\":[\"x-id\"],\"max_age\":600}");
    corsgate_decision d;
    uint8_t text[256];
    size_t n = 0;

    corsgate_header pre[] = {HDR("origin", "https://app.example.com"), HDR("Access-Control-Request-Method", "PUT"),
                             HDR("ACCESS-CONTROL-REQUEST-HEADERS", "X-A")};
    CHECK(corsgate_policy_evaluate(p, BYTES("OPTIONS"), pre, 3, &d) == CORSGATE_RESULT_OK);
    CHECK(d.kind == CORSGATE_KIND_PREFLIGHT && d.allowed && d.status == 204);
    CHECK(d.reason == CORSGATE_REASON_ORIGIN_ALLOWED && d.reason_index == 1);
    CHECK(SLICE_EQ(d.reason_detail, "https://*.example.com"));
    const char *acao = find_header(&d, "Access-Control-Allow-Origin");
    CHECK(acao && strcmp(acao, "https://app.example.com") == 0);
    /* The echoed origin borrows from the request buffer, not a copy. */
    for (size_t i = 0; i < d.headers_len; i++)
        if (SLICE_EQ(d.headers[i].name, "Access-Control-Allow-Origin"))
            CHECK(d.headers[i].value.data == pre[0].value.data);
    CHECK(find_header(&d, "Access-Control-Allow-Credentials") != NULL);
    CHECK(find_header(&d, "Access-Control-Max-Age") && strcmp(find_header(&d, "Access-Control-Max-Age"), "600") == 0);
    CHECK(find_header(&d, "Vary") != NULL);
    CHECK(corsgate_decision_reason_write(&d, text, sizeof text, &n) == CORSGATE_RESULT_OK);
    const char *want = "origin allowed by origins[1] \"https://*.example.com\"";
    CHECK(n == strlen(want) && memcmp(text, want, n) == 0);
    /* Too small a buffer reports the needed length and is left untouched; the text is
     * not NUL-terminated, so exactly n bytes are enough. */
    size_t need = 0;
    memset(text, 0xAB, sizeof text);
    CHECK(corsgate_decision_reason_write(&d, text, 10, &need) == CORSGATE_RESULT_BUFFER_TOO_SMALL);
    CHECK(need == n);
    CHECK(text[0] == 0xAB && text[9] == 0xAB);
    CHECK(corsgate_decision_reason_write(&d, text, n - 1, &need) == CORSGATE_RESULT_BUFFER_TOO_SMALL);
    CHECK(corsgate_decision_reason_write(&d, NULL, 0, &need) == CORSGATE_RESULT_BUFFER_TOO_SMALL && need == n);
    CHECK(corsgate_decision_reason_write(&d, text, n, &need) == CORSGATE_RESULT_OK && need == n);
    CHECK(memcmp(text, want, n) == 0 && text[n] == 0xAB);

    corsgate_header pre_bad[] = {HDR("Origin", "https://example.com"), HDR("Access-Control-Request-Method", "PATCH")};
    CHECK(corsgate_policy_evaluate(p, BYTES("OPTIONS"), pre_bad, 2, &d) == CORSGATE_RESULT_OK);
    CHECK(d.kind == CORSGATE_KIND_PREFLIGHT && !d.allowed && d.status == 403);
    CHECK(d.reason == CORSGATE_REASON_METHOD_NOT_ALLOWED && SLICE_EQ(d.reason_detail, "PATCH"));
    CHECK(find_header(&d, "Access-Control-Allow-Origin") == NULL);
    CHECK(corsgate_decision_reason_write(&d, text, sizeof text, &n) == CORSGATE_RESULT_OK);
    CHECK(contains(text, n, "PATCH"));
    /* The code and detail, for logs: same buffer convention as the sentence. */
    CHECK(corsgate_decision_reason_code_write(&d, NULL, 0, &need) == CORSGATE_RESULT_BUFFER_TOO_SMALL);
    CHECK(need == strlen("method_not_allowed: PATCH"));
    memset(text, 0xAB, sizeof text);
    CHECK(corsgate_decision_reason_code_write(&d, text, need - 1, &n) == CORSGATE_RESULT_BUFFER_TOO_SMALL);
    CHECK(text[0] == 0xAB);
    CHECK(corsgate_decision_reason_code_write(&d, text, sizeof text, &n) == CORSGATE_RESULT_OK);
    CHECK(n == need && memcmp(text, "method_not_allowed: PATCH", n) == 0 && text[n] == 0xAB);
    CHECK(corsgate_decision_reason_code_write(NULL, text, sizeof text, &n) == CORSGATE_RESULT_NULL_PARAMETER);

    corsgate_header act[] = {HDR("Origin", "https://evil.example.net")};
    CHECK(corsgate_policy_evaluate(p, BYTES("GET"), act, 1, &d) == CORSGATE_RESULT_OK);
    CHECK(d.kind == CORSGATE_KIND_ACTUAL && !d.allowed && d.status == 0);
    CHECK(d.reason == CORSGATE_REASON_ORIGIN_NOT_ALLOWED && empty_is_readable(d.reason_detail));
    CHECK(corsgate_decision_reason_code_write(&d, text, sizeof text, &n) == CORSGATE_RESULT_OK);
    CHECK(n == strlen("origin_not_allowed") && memcmp(text, "origin_not_allowed", n) == 0);
    CHECK(find_header(&d, "Vary") && strcmp(find_header(&d, "Vary"), "Origin") == 0);

    corsgate_header ok[] = {HDR("X-Other", "1"), HDR("Origin", "https://example.com")};
    CHECK(corsgate_policy_evaluate(p, BYTES("POST"), ok, 2, &d) == CORSGATE_RESULT_OK);
    CHECK(d.allowed && find_header(&d, "Access-Control-Expose-Headers") &&
          strcmp(find_header(&d, "Access-Control-Expose-Headers"), "x-id") == 0);

    /* Hostile bytes are a deny, never an error or a crash. */
    const uint8_t junk[] = {'h', 't', 0, 0xff, '\r', '\n', 0x80};
    corsgate_header hostile[] = {{{(const uint8_t *)"Origin", 6}, {junk, sizeof junk}}};
    CHECK(corsgate_policy_evaluate(p, junk, sizeof junk, hostile, 1, &d) == CORSGATE_RESULT_OK);
    CHECK(!d.allowed && d.reason == CORSGATE_REASON_ORIGIN_MALFORMED);
    CHECK(!corsgate_policy_is_origin_allowed(p, junk, sizeof junk));
    CHECK(corsgate_policy_is_origin_allowed(p, BYTES("https://a.b.example.com")));
    CHECK(!corsgate_policy_is_origin_allowed(p, BYTES("https://evilexample.com")));

    /* A decision the library did not write is rejected, not trusted. */
    corsgate_decision forged = d;
    forged.reason = (corsgate_reason)77;
    CHECK(corsgate_decision_reason_write(&forged, text, sizeof text, &n) == CORSGATE_RESULT_INVALID_PARAMETER);
    forged = d;
    forged.reason = CORSGATE_REASON_HEADER_NOT_ALLOWED;
    forged.reason_detail.data = junk;
    forged.reason_detail.len = sizeof junk;
    CHECK(corsgate_decision_reason_write(&forged, text, sizeof text, &n) == CORSGATE_RESULT_INVALID_PARAMETER);

    corsgate_policy_free(p);
}

/* The response rule through the C ABI: the application's ACAO goes for a denied origin,
 * its Vary line stays as written and Vary: Origin is added once. */
static void test_apply(void) {
    corsgate_policy *p = compile_ok("{\"origins\":[\"https://a.example\"]}");
    const char *evil = "https://evil.example";
    corsgate_header req[] = {{{(const uint8_t *)"Origin", 6}, {(const uint8_t *)evil, strlen(evil)}}};
    corsgate_decision d;
    CHECK(corsgate_policy_evaluate(p, (const uint8_t *)"GET", 3, req, 1, &d) == CORSGATE_RESULT_OK);
    corsgate_header app[] = {
        {{(const uint8_t *)"Access-Control-Allow-Origin", 27}, {(const uint8_t *)"*", 1}},
        {{(const uint8_t *)"Vary", 4}, {(const uint8_t *)"Accept-Encoding", 15}},
        {{(const uint8_t *)"X-App", 5}, {(const uint8_t *)"1", 1}},
    };
    corsgate_response_line out[3 + CORSGATE_MAX_ADDED];
    size_t n = 0;
    CHECK(corsgate_decision_apply(&d, app, 3, out, 3 + CORSGATE_MAX_ADDED, &n) == CORSGATE_RESULT_OK);
    CHECK(n == 3);
    CHECK(out[0].from_app && out[0].app_index == 1 && out[0].header.value.data == app[1].value.data);
    CHECK(out[1].from_app && out[1].app_index == 2);
    CHECK(!out[2].from_app && SLICE_EQ(out[2].header.name, "Vary") && SLICE_EQ(out[2].header.value, "Origin"));
    CHECK(corsgate_decision_apply(&d, app, 3, out, 2, &n) == CORSGATE_RESULT_BUFFER_TOO_SMALL && n == 3);
    CHECK(corsgate_decision_apply(NULL, app, 3, out, 3, &n) == CORSGATE_RESULT_NULL_PARAMETER);
    CHECK(corsgate_header_is_owned((const uint8_t *)"ACCESS-CONTROL-MAX-AGE", 22));
    CHECK(!corsgate_header_is_owned((const uint8_t *)"Vary", 4));
    corsgate_policy_free(p);
}

/* Cross-origin protection: a cross-site POST from an untrusted origin is refused (403,
 * Vary: Origin alone; applying it drops every application line: the application is not
 * called); the same request from a trusted origin is an allowed actual request; a GET
 * passes; a WebSocket handshake from the untrusted origin is refused; the Host line
 * decides without Sec-Fetch-Site. */
static void test_refused(void) {
    corsgate_policy *p = compile_ok(
        "{\"origins\":[\"https://app.example\"],\"credentials\":true,\"cross_origin_protection\":true}");
    corsgate_header evil[] = {HDR("Host", "api.example"), HDR("Origin", "https://evil.example"),
                              HDR("Sec-Fetch-Site", "cross-site")};
    corsgate_decision d;
    CHECK(corsgate_policy_evaluate(p, BYTES("POST"), evil, 3, &d) == CORSGATE_RESULT_OK);
    CHECK(d.kind == CORSGATE_KIND_REFUSED && !d.allowed && d.status == 403);
    CHECK(d.reason == CORSGATE_REASON_CROSS_ORIGIN_REQUEST_REFUSED && d.reason_detail.len == 0);
    CHECK(d.headers_len == 1 && SLICE_EQ(d.headers[0].name, "Vary") && SLICE_EQ(d.headers[0].value, "Origin"));
    uint8_t text[256];
    size_t n = 0;
    CHECK(corsgate_decision_reason_write(&d, text, sizeof text, &n) == CORSGATE_RESULT_OK);
    CHECK(contains(text, n, "cross-origin protection"));
    corsgate_header app[] = {HDR("X-Powered-By", "app"), HDR("Access-Control-Allow-Origin", "*"),
                             HDR("Vary", "Cookie")};
    corsgate_response_line out[3 + CORSGATE_MAX_ADDED];
    CHECK(corsgate_decision_apply(&d, app, 3, out, 3 + CORSGATE_MAX_ADDED, &n) == CORSGATE_RESULT_OK);
    CHECK(n == 1 && !out[0].from_app && SLICE_EQ(out[0].header.name, "Vary") &&
          SLICE_EQ(out[0].header.value, "Origin"));

    corsgate_header trusted[] = {HDR("Host", "api.example"), HDR("Origin", "https://app.example"),
                                 HDR("Sec-Fetch-Site", "cross-site")};
    CHECK(corsgate_policy_evaluate(p, BYTES("POST"), trusted, 3, &d) == CORSGATE_RESULT_OK);
    CHECK(d.kind == CORSGATE_KIND_ACTUAL && d.allowed && d.status == 0);
    CHECK(strcmp(find_header(&d, "Access-Control-Allow-Origin"), "https://app.example") == 0);
    CHECK(corsgate_policy_evaluate(p, BYTES("GET"), evil, 3, &d) == CORSGATE_RESULT_OK);
    CHECK(d.kind == CORSGATE_KIND_ACTUAL && !d.allowed);

    corsgate_header ws[] = {HDR("Host", "api.example"), HDR("Origin", "https://evil.example"),
                            HDR("Upgrade", "websocket"), HDR("Connection", "Upgrade")};
    CHECK(corsgate_policy_evaluate(p, BYTES("GET"), ws, 4, &d) == CORSGATE_RESULT_OK);
    CHECK(d.kind == CORSGATE_KIND_REFUSED && d.status == 403);
    corsgate_header same_host[] = {HDR("Host", "api.example"), HDR("Origin", "https://api.example")};
    CHECK(corsgate_policy_evaluate(p, BYTES("POST"), same_host, 2, &d) == CORSGATE_RESULT_OK);
    CHECK(d.kind == CORSGATE_KIND_ACTUAL && !d.allowed);
    corsgate_header other_host[] = {HDR("Host", "other.example"), HDR("Origin", "https://api.example")};
    CHECK(corsgate_policy_evaluate(p, BYTES("POST"), other_host, 2, &d) == CORSGATE_RESULT_OK);
    CHECK(d.kind == CORSGATE_KIND_REFUSED);
    corsgate_policy_free(p);
}

/* Policy sets: told apart from policies, errors by path, selection by Host and path,
 * the selected policy and route, the unrouted pass-through, NULLs. */
static void test_policy_sets(void) {
    const char *set_json =
        "{\"defaults\":{\"methods\":[\"PUT\"]},"
        "\"policies\":{\"acme\":{\"origins\":[\"https://*.acme.com\"],\"credentials\":true},"
        "\"public\":{\"origins\":[\"*\"]}},"
        "\"routes\":[{\"host\":\"api.acme.com\",\"policy\":\"acme\"},"
        "{\"host\":\"*\",\"path_prefix\":\"/public/\",\"policy\":\"public\"}]}";
    CHECK(corsgate_is_policy_set(BYTES(set_json)));
    CHECK(!corsgate_is_policy_set(BYTES("{\"origins\":[\"*\"]}")));
    CHECK(!corsgate_is_policy_set(NULL, 3));
    corsgate_policy_set *s = NULL;
    corsgate_config_error *err = (corsgate_config_error *)1;
    CHECK(corsgate_policy_set_from_json(BYTES(set_json), &s, &err) == CORSGATE_RESULT_OK);
    CHECK(s != NULL && err == NULL);

    corsgate_header h[] = {HDR("Host", "API.acme.com:443"), HDR("Origin", "https://app.acme.com")};
    corsgate_decision d;
    corsgate_selection sel;
    CHECK(corsgate_policy_set_evaluate(s, BYTES("GET"), BYTES("/x"), h, 2, &d, &sel) == CORSGATE_RESULT_OK);
    CHECK(d.allowed && d.kind == CORSGATE_KIND_ACTUAL);
    CHECK(sel.has_route && sel.route == 0 && SLICE_EQ(sel.policy, "acme"));
    CHECK(find_header(&d, "Access-Control-Allow-Credentials") != NULL);
    /* The selection is optional. */
    CHECK(corsgate_policy_set_evaluate(s, BYTES("GET"), BYTES("/x"), h, 2, &d, NULL) == CORSGATE_RESULT_OK);

    corsgate_header other[] = {HDR("Host", "other.org"), HDR("Origin", "https://app.acme.com")};
    CHECK(corsgate_policy_set_evaluate(s, BYTES("GET"), BYTES("/public/a"), other, 2, &d, &sel) == CORSGATE_RESULT_OK);
    CHECK(sel.has_route && sel.route == 1 && SLICE_EQ(sel.policy, "public"));
    CHECK(corsgate_policy_set_evaluate(s, BYTES("GET"), BYTES("/private"), other, 2, &d, &sel) == CORSGATE_RESULT_OK);
    CHECK(!sel.has_route && sel.policy.data == NULL);
    CHECK(d.kind == CORSGATE_KIND_NOT_CORS && d.allowed && d.reason == CORSGATE_REASON_NO_POLICY);
    CHECK(SLICE_EQ(corsgate_reason_str(d.reason), "no_policy"));
    CHECK(find_header(&d, "Vary") != NULL && strcmp(find_header(&d, "Vary"), "Origin") == 0);

    CHECK(corsgate_policy_set_evaluate(NULL, BYTES("GET"), BYTES("/"), h, 2, &d, &sel) == CORSGATE_RESULT_NULL_PARAMETER);
    CHECK(corsgate_policy_set_evaluate(s, BYTES("GET"), NULL, 1, h, 2, &d, &sel) == CORSGATE_RESULT_NULL_PARAMETER);
    CHECK(corsgate_policy_set_evaluate(s, BYTES("GET"), BYTES("/"), h, 2, NULL, &sel) == CORSGATE_RESULT_NULL_PARAMETER);
    CHECK(corsgate_policy_set_warnings_len(s) == 0);
    corsgate_policy_set_free(s);
    corsgate_policy_set_free(NULL);

    const char *bad =
        "{\"policies\":{\"acme\":{\"origins\":[\"https://acme.com\",\"https://acme.com/app\"]}},"
        "\"routes\":[{\"host\":\"https://x.com\",\"policy\":\"acme\"},{\"host\":\"*\",\"policy\":\"nope\"}]}";
    s = (corsgate_policy_set *)0;
    CHECK(corsgate_policy_set_from_json(BYTES(bad), &s, &err) == CORSGATE_RESULT_INVALID_POLICY);
    CHECK(s == NULL && err != NULL);
    CHECK(corsgate_config_error_len(err) == 3);
    CHECK(SLICE_EQ(corsgate_config_error_path(err, 0), "policies.acme.origins[1]"));
    CHECK(SLICE_EQ(corsgate_config_error_path(err, 1), "routes[0].host"));
    CHECK(SLICE_EQ(corsgate_config_error_path(err, 2), "routes[1].policy"));
    CHECK(empty_is_readable(corsgate_config_error_path(err, 3)));
    corsgate_diagnostic diag;
    CHECK(corsgate_config_error_get(err, 2, &diag) == CORSGATE_RESULT_OK);
    CHECK(SLICE_EQ(diag.code, "unknown_policy") && contains(diag.text.data, diag.text.len, "routes[1].policy"));
    corsgate_config_error_free(err);
    CHECK(empty_is_readable(corsgate_config_error_path(NULL, 0)));
}

int main(void) {
    test_versions();
    test_result_and_name_strings();
    test_nulls();
    test_config_errors();
    test_warnings();
    test_decisions();
    test_apply();
    test_refused();
    test_policy_sets();
    return check_finish("test_api");
}
