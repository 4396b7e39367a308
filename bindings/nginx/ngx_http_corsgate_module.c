/*
 * ngx_http_corsgate_module: CORS for nginx from a corsgate policy file or policy set, on
 * top of the corsgate C ABI (include/corsgate.h). The module decides nothing itself: every
 * answer comes from corsgate_policy_evaluate() or corsgate_policy_set_evaluate().
 *
 *   corsgate_policy PATH | off;     http, server, location; inherited, overridable
 *
 * - PATH holds a policy or a policy set (many named policies, each request answered by
 *   the one its route selects); the C ABI tells them apart (corsgate_is_policy_set: a
 *   top-level `policies` key). It compiles when the configuration loads; a bad file
 *   fails `nginx -t` with the core's messages, one line per error (named by its path,
 *   `policies.acme.origins[1]`, `routes[2].host`, for a set).
 * - A set selects the route by the request's raw `Host` line (r->headers_in.host, handed
 *   to the core with every other header line; not `$host`, which has dropped the port
 *   and accepted forms the core calls malformed) and by `$uri` (r->uri): the path nginx
 *   itself routes by, decoded and normalized (`/pub/%2e%2e/admin` is `/admin`), so a
 *   `path_prefix` and a `location` prefix always agree on what a request is; selecting by
 *   the raw request line would let `/public/../admin/x` pick the public route's policy
 *   for a request nginx serves from /admin/. A `rewrite` before the preaccess phase
 *   changes `$uri`, so the rewritten path selects.
 * - Preflights are answered in the preaccess phase (before access/auth modules, which a
 *   credential-less preflight would fail): status and headers from the decision, the
 *   content handler (proxy, static ...) is never called.
 * - Requests refused by cross-origin protection (a policy with "cross_origin_protection":
 *   cross-site unsafe requests, and WebSocket handshakes, from origins the policy does not
 *   allow) are answered in the same place with the decision's 403 and `Vary: Origin`:
 *   before any access or auth module and before the content handler, so an upstream
 *   (`proxy_pass`, also of a WebSocket `Upgrade`) never sees them. Not in the access phase
 *   proper: there `satisfy any` lets one allowing module skip the others, which would
 *   skip the refusal too.
 * - Every other response of the location (also error responses) gets the decision
 *   applied in a header filter by the core's response rule (corsgate_decision_apply):
 *   every Access-Control-* header already present (from an upstream) is removed, the
 *   decision's are added, Vary is merged by tokens. The module only translates nginx's
 *   header list to the rule's lines and back.
 * - One evaluation per request: the preaccess phase keeps its decision in the request
 *   context and the header filter reuses it. The filter evaluates only when no decision
 *   was kept for the request's current policy (a response produced before preaccess,
 *   e.g. a 400 or a rewrite-phase `return`).
 * - Per request, the allocations are the context (one small struct from the request
 *   pool) and nginx's header list entries. Requests or responses with more than
 *   NGX_HTTP_CORSGATE_STACK_HEADERS header lines borrow arrays from the request pool.
 */

#include <ngx_config.h>
#include <ngx_core.h>
#include <ngx_http.h>

#include "corsgate.h"

#define NGX_HTTP_CORSGATE_STACK_HEADERS 64
#define NGX_HTTP_CORSGATE_MAX_POLICY (16 * 1024 * 1024)

/* What one corsgate_policy / corsgate_shadow_policy directive compiled: exactly one of
 * `policy` and `set` is non-NULL. Lives in the configuration pool; the compiled objects
 * are freed by the pool's cleanups with it. */
typedef struct {
    corsgate_policy *policy;
    corsgate_policy_set *set;
} ngx_http_corsgate_source_t;

typedef struct {
    ngx_http_corsgate_source_t *policy; /* NGX_CONF_UNSET_PTR: not set here; NULL: off */
    ngx_http_corsgate_source_t *shadow; /* corsgate_shadow_policy; same conventions */
} ngx_http_corsgate_loc_conf_t;

/* The request's decision, kept from the preaccess phase for the header filter. Its
 * slices borrow from `source` (alive as long as the configuration the request runs
 * under) and from the request's header bytes (alive as long as the request). nginx
 * clears module contexts on internal redirects, so a redirected request evaluates
 * again under its new location's policy; for a set, a changed `$uri` (a rewrite in the
 * same location) also evaluates again. */
typedef struct {
    ngx_http_corsgate_source_t *source;
    ngx_str_t uri; /* r->uri the set selected by (pointer and length compared) */
    corsgate_decision decision;
    corsgate_selection selection; /* has_route false for a single policy */
    ngx_http_corsgate_source_t *shadow; /* where `shadow_decision` came from; NULL: none */
    corsgate_decision shadow_decision;
    u_char route[NGX_SIZE_T_LEN]; /* $corsgate_route's digits */
} ngx_http_corsgate_ctx_t;

static ngx_int_t ngx_http_corsgate_init(ngx_conf_t *cf);
static ngx_int_t ngx_http_corsgate_add_variables(ngx_conf_t *cf);
static void ngx_http_corsgate_shadow(ngx_http_request_t *r, ngx_http_corsgate_ctx_t *ctx);
static void *ngx_http_corsgate_create_loc_conf(ngx_conf_t *cf);
static char *ngx_http_corsgate_merge_loc_conf(ngx_conf_t *cf, void *parent, void *child);
static char *ngx_http_corsgate_policy(ngx_conf_t *cf, ngx_command_t *cmd, void *conf);

static ngx_command_t ngx_http_corsgate_commands[] = {
    {ngx_string("corsgate_policy"), NGX_HTTP_MAIN_CONF | NGX_HTTP_SRV_CONF | NGX_HTTP_LOC_CONF | NGX_CONF_TAKE1,
     ngx_http_corsgate_policy, NGX_HTTP_LOC_CONF_OFFSET, offsetof(ngx_http_corsgate_loc_conf_t, policy), NULL},
    {ngx_string("corsgate_shadow_policy"), NGX_HTTP_MAIN_CONF | NGX_HTTP_SRV_CONF | NGX_HTTP_LOC_CONF | NGX_CONF_TAKE1,
     ngx_http_corsgate_policy, NGX_HTTP_LOC_CONF_OFFSET, offsetof(ngx_http_corsgate_loc_conf_t, shadow), NULL},
    ngx_null_command};

static ngx_http_module_t ngx_http_corsgate_module_ctx = {
    ngx_http_corsgate_add_variables,   /* preconfiguration */
    ngx_http_corsgate_init,            /* postconfiguration */
    NULL,                              /* create main configuration */
    NULL,                              /* init main configuration */
    NULL,                              /* create server configuration */
    NULL,                              /* merge server configuration */
    ngx_http_corsgate_create_loc_conf, /* create location configuration */
    ngx_http_corsgate_merge_loc_conf   /* merge location configuration */
};

ngx_module_t ngx_http_corsgate_module = {NGX_MODULE_V1,
                                         &ngx_http_corsgate_module_ctx,
                                         ngx_http_corsgate_commands,
                                         NGX_HTTP_MODULE,
                                         NULL,
                                         NULL,
                                         NULL,
                                         NULL,
                                         NULL,
                                         NULL,
                                         NULL,
                                         NGX_MODULE_V1_PADDING};

static ngx_http_output_header_filter_pt ngx_http_next_header_filter;

/* ---- configuration ---------------------------------------------------------------- */

static void *ngx_http_corsgate_create_loc_conf(ngx_conf_t *cf) {
    ngx_http_corsgate_loc_conf_t *conf = ngx_pcalloc(cf->pool, sizeof(ngx_http_corsgate_loc_conf_t));
    if (conf == NULL) {
        return NULL;
    }
    conf->policy = NGX_CONF_UNSET_PTR;
    conf->shadow = NGX_CONF_UNSET_PTR;
    return conf;
}

static char *ngx_http_corsgate_merge_loc_conf(ngx_conf_t *cf, void *parent, void *child) {
    ngx_http_corsgate_loc_conf_t *prev = parent;
    ngx_http_corsgate_loc_conf_t *conf = child;
    (void)cf;
    ngx_conf_merge_ptr_value(conf->policy, prev->policy, NULL);
    ngx_conf_merge_ptr_value(conf->shadow, prev->shadow, NULL);
    return NGX_CONF_OK;
}

static void ngx_http_corsgate_cleanup(void *data) { corsgate_policy_free(data); }

static void ngx_http_corsgate_set_cleanup(void *data) { corsgate_policy_set_free(data); }

/* Reads the whole file into the configuration's temporary pool. */
static ngx_int_t ngx_http_corsgate_read(ngx_conf_t *cf, ngx_str_t *path, u_char **data, size_t *len) {
    ngx_file_t file;
    ngx_file_info_t fi;
    ssize_t n;

    ngx_memzero(&file, sizeof(ngx_file_t));
    file.name = *path;
    file.log = cf->log;
    file.fd = ngx_open_file(path->data, NGX_FILE_RDONLY, NGX_FILE_OPEN, 0);
    if (file.fd == NGX_INVALID_FILE) {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, ngx_errno, "corsgate_policy: " ngx_open_file_n " \"%V\" failed", path);
        return NGX_ERROR;
    }
    if (ngx_fd_info(file.fd, &fi) == NGX_FILE_ERROR || ngx_file_size(&fi) > NGX_HTTP_CORSGATE_MAX_POLICY) {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, ngx_errno, "corsgate_policy: cannot use \"%V\" (unreadable or over %d bytes)",
                           path, NGX_HTTP_CORSGATE_MAX_POLICY);
        ngx_close_file(file.fd);
        return NGX_ERROR;
    }
    *len = (size_t)ngx_file_size(&fi);
    *data = ngx_pnalloc(cf->temp_pool, *len + 1);
    n = *data == NULL ? NGX_ERROR : ngx_read_file(&file, *data, *len, 0);
    ngx_close_file(file.fd);
    if (n == NGX_ERROR || (size_t)n != *len) {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0, "corsgate_policy: reading \"%V\" failed", path);
        return NGX_ERROR;
    }
    return NGX_OK;
}

static void ngx_http_corsgate_log_diagnostic(ngx_conf_t *cf, ngx_uint_t level, ngx_str_t *path,
                                             const corsgate_diagnostic *d) {
    ngx_str_t *directive = cf->args->elts; /* the directive's own name: value[0] */
    ngx_conf_log_error(level, cf, 0, "%V \"%V\": %s%*s", directive, path, d->is_error ? "" : "warning: ",
                       d->text.len, d->text.data);
}

static char *ngx_http_corsgate_policy(ngx_conf_t *cf, ngx_command_t *cmd, void *conf) {
    ngx_http_corsgate_source_t **field = (ngx_http_corsgate_source_t **)((char *)conf + cmd->offset);
    ngx_http_corsgate_source_t *source;
    ngx_str_t *value = cf->args->elts;
    ngx_str_t path;
    u_char *data;
    size_t len, i, nwarnings;
    corsgate_policy *policy = NULL;
    corsgate_policy_set *set = NULL;
    corsgate_config_error *err = NULL;
    corsgate_diagnostic d;
    corsgate_result rc;
    ngx_pool_cleanup_t *cln;

    if (*field != NGX_CONF_UNSET_PTR) {
        return "is duplicate";
    }
    if (value[1].len == 3 && ngx_strncmp(value[1].data, "off", 3) == 0) {
        *field = NULL;
        return NGX_CONF_OK;
    }
    path = value[1];
    if (ngx_conf_full_name(cf->cycle, &path, 1) != NGX_OK) {
        return NGX_CONF_ERROR;
    }
    if (ngx_http_corsgate_read(cf, &path, &data, &len) != NGX_OK) {
        return NGX_CONF_ERROR;
    }

    source = ngx_pcalloc(cf->pool, sizeof(ngx_http_corsgate_source_t));
    if (source == NULL) {
        return NGX_CONF_ERROR;
    }
    if (corsgate_is_policy_set(data, len)) {
        rc = corsgate_policy_set_from_json(data, len, &set, &err);
    } else {
        rc = corsgate_policy_from_json(data, len, &policy, &err);
    }
    if (rc != CORSGATE_RESULT_OK) {
        if (err == NULL) {
            corsgate_slice what = corsgate_result_str(rc);
            ngx_conf_log_error(NGX_LOG_EMERG, cf, 0, "%V \"%V\": %*s", &cmd->name, &path, what.len, what.data);
            return NGX_CONF_ERROR;
        }
        /* The core's summary line, then one line per error (nginx caps one log line). */
        corsgate_slice msg = corsgate_config_error_message(err);
        const u_char *nl = ngx_strlchr((u_char *)msg.data, (u_char *)msg.data + msg.len, '\n');
        size_t first = nl ? (size_t)(nl - msg.data) : msg.len;
        for (i = 0; i < corsgate_config_error_warnings_len(err); i++) {
            if (corsgate_config_error_warning_get(err, i, &d) == CORSGATE_RESULT_OK) {
                ngx_http_corsgate_log_diagnostic(cf, NGX_LOG_WARN, &path, &d);
            }
        }
        for (i = 0; i < corsgate_config_error_len(err); i++) {
            if (corsgate_config_error_get(err, i, &d) == CORSGATE_RESULT_OK) {
                ngx_http_corsgate_log_diagnostic(cf, NGX_LOG_EMERG, &path, &d);
            }
        }
        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0, "%V \"%V\": %*s", &cmd->name, &path, first, msg.data);
        corsgate_config_error_free(err);
        return NGX_CONF_ERROR;
    }

    cln = ngx_pool_cleanup_add(cf->pool, 0);
    if (cln == NULL) {
        corsgate_policy_free(policy);
        corsgate_policy_set_free(set);
        return NGX_CONF_ERROR;
    }
    cln->handler = set != NULL ? ngx_http_corsgate_set_cleanup : ngx_http_corsgate_cleanup;
    cln->data = set != NULL ? (void *)set : (void *)policy;

    nwarnings = set != NULL ? corsgate_policy_set_warnings_len(set) : corsgate_policy_warnings_len(policy);
    for (i = 0; i < nwarnings; i++) {
        rc = set != NULL ? corsgate_policy_set_warning_get(set, i, &d) : corsgate_policy_warning_get(policy, i, &d);
        if (rc == CORSGATE_RESULT_OK) {
            ngx_http_corsgate_log_diagnostic(cf, NGX_LOG_WARN, &path, &d);
        }
    }
    source->policy = policy;
    source->set = set;
    *field = source;
    return NGX_CONF_OK;
}

/* ---- per request ------------------------------------------------------------------ */

static ngx_http_corsgate_source_t *ngx_http_corsgate_active(ngx_http_request_t *r) {
    ngx_http_corsgate_loc_conf_t *lcf;
    if (r != r->main) {
        return NULL;
    }
    lcf = ngx_http_get_module_loc_conf(r, ngx_http_corsgate_module);
    return lcf == NULL ? NULL : lcf->policy;
}

/* Hands the request line's method and every request header line (the raw Host line
 * among them) to the core, and for a set also `$uri`; `sel` gets the set's selection
 * (has_route false for a single policy). */
static ngx_int_t ngx_http_corsgate_evaluate(ngx_http_request_t *r, ngx_http_corsgate_source_t *source,
                                            corsgate_decision *d, corsgate_selection *sel) {
    corsgate_result rc;
    corsgate_header stack[NGX_HTTP_CORSGATE_STACK_HEADERS];
    corsgate_header *hs = stack;
    ngx_list_part_t *part;
    ngx_table_elt_t *h;
    ngx_uint_t i, n = 0, total = 0;

    for (part = &r->headers_in.headers.part; part; part = part->next) {
        total += part->nelts;
    }
    if (total > NGX_HTTP_CORSGATE_STACK_HEADERS) {
        hs = ngx_palloc(r->pool, total * sizeof(corsgate_header));
        if (hs == NULL) {
            return NGX_ERROR;
        }
    }
    for (part = &r->headers_in.headers.part; part; part = part->next) {
        h = part->elts;
        for (i = 0; i < part->nelts && n < total; i++) {
            hs[n].name.data = h[i].key.data;
            hs[n].name.len = h[i].key.len;
            hs[n].value.data = h[i].value.data;
            hs[n].value.len = h[i].value.len;
            n++;
        }
    }
    if (source->set != NULL) {
        rc = corsgate_policy_set_evaluate(source->set, r->method_name.data, r->method_name.len, r->uri.data,
                                          r->uri.len, hs, n, d, sel);
    } else {
        rc = corsgate_policy_evaluate(source->policy, r->method_name.data, r->method_name.len, hs, n, d);
        ngx_memzero(sel, sizeof(corsgate_selection));
    }
    if (rc != CORSGATE_RESULT_OK) {
        ngx_log_error(NGX_LOG_ERR, r->connection->log, 0, "corsgate: evaluate failed");
        return NGX_ERROR;
    }
    ngx_log_debug1(NGX_LOG_DEBUG_HTTP, r->connection->log, 0, "corsgate: evaluated request \"%V\"", &r->uri);
    return NGX_OK;
}

/* The request's decision under `source`: the one kept in the context (for a set, while
 * `$uri` is unchanged), else a new evaluation (kept for the rest of the request). NULL
 * on failure. */
static corsgate_decision *ngx_http_corsgate_decision(ngx_http_request_t *r, ngx_http_corsgate_source_t *source) {
    ngx_http_corsgate_ctx_t *ctx = ngx_http_get_module_ctx(r, ngx_http_corsgate_module);
    if (ctx != NULL && ctx->source == source &&
        (source->set == NULL || (ctx->uri.data == r->uri.data && ctx->uri.len == r->uri.len))) {
        return &ctx->decision;
    }
    if (ctx == NULL) {
        ctx = ngx_palloc(r->pool, sizeof(ngx_http_corsgate_ctx_t));
        if (ctx == NULL) {
            return NULL;
        }
        ngx_http_set_ctx(r, ctx, ngx_http_corsgate_module);
    }
    ctx->source = NULL;
    if (ngx_http_corsgate_evaluate(r, source, &ctx->decision, &ctx->selection) != NGX_OK) {
        return NULL;
    }
    ctx->source = source;
    ctx->uri = r->uri;
    ngx_http_corsgate_shadow(r, ctx);
    return &ctx->decision;
}

static ngx_int_t ngx_http_corsgate_push(ngx_http_request_t *r, const corsgate_slice *name, u_char *value, size_t len) {
    ngx_table_elt_t *h = ngx_list_push(&r->headers_out.headers);
    if (h == NULL) {
        return NGX_ERROR;
    }
    h->hash = 1;
    h->key.data = (u_char *)name->data; /* static in the library; never written */
    h->key.len = name->len;
    h->value.data = value; /* borrows from the policy or the request: both outlive it */
    h->value.len = len;
    h->lowcase_key = NULL;
#if defined(nginx_version) && nginx_version >= 1023000
    h->next = NULL;
#endif
    return NGX_OK;
}

/* Applies the decision to the response's header list with the core's response rule:
 * the lines the rule drops are disabled (hash 0), the lines it adds are appended. */
static ngx_int_t ngx_http_corsgate_apply(ngx_http_request_t *r, const corsgate_decision *d) {
    corsgate_header stack_app[NGX_HTTP_CORSGATE_STACK_HEADERS];
    ngx_table_elt_t *stack_elts[NGX_HTTP_CORSGATE_STACK_HEADERS];
    corsgate_response_line stack_out[NGX_HTTP_CORSGATE_STACK_HEADERS + CORSGATE_MAX_ADDED];
    corsgate_header *app = stack_app;
    ngx_table_elt_t **elts = stack_elts, *h;
    corsgate_response_line *out = stack_out;
    ngx_list_part_t *part;
    ngx_uint_t i, n = 0, total = 0;
    size_t k, out_len = 0, cap;

    for (part = &r->headers_out.headers.part; part; part = part->next) {
        total += part->nelts;
    }
    cap = total + CORSGATE_MAX_ADDED;
    if (total > NGX_HTTP_CORSGATE_STACK_HEADERS) {
        app = ngx_palloc(r->pool, total * sizeof(corsgate_header));
        elts = ngx_palloc(r->pool, total * sizeof(ngx_table_elt_t *));
        out = ngx_palloc(r->pool, cap * sizeof(corsgate_response_line));
        if (app == NULL || elts == NULL || out == NULL) {
            return NGX_ERROR;
        }
    }
    for (part = &r->headers_out.headers.part; part; part = part->next) {
        h = part->elts;
        for (i = 0; i < part->nelts && n < total; i++) {
            if (h[i].hash == 0) {
                continue; /* already disabled by another module */
            }
            app[n].name.data = h[i].key.data;
            app[n].name.len = h[i].key.len;
            app[n].value.data = h[i].value.data;
            app[n].value.len = h[i].value.len;
            elts[n++] = &h[i];
        }
    }
    if (corsgate_decision_apply(d, app, n, out, cap, &out_len) != CORSGATE_RESULT_OK) {
        ngx_log_error(NGX_LOG_ERR, r->connection->log, 0, "corsgate: applying the decision failed");
        return NGX_ERROR;
    }
    /* Kept lines come first, in order: every application line they skip is dropped. */
    i = 0;
    for (k = 0; k < out_len && out[k].from_app; k++) {
        for (; i < out[k].app_index; i++) {
            elts[i]->hash = 0;
        }
        i = out[k].app_index + 1;
    }
    for (; i < n; i++) {
        elts[i]->hash = 0;
    }
    for (; k < out_len; k++) {
        if (ngx_http_corsgate_push(r, &out[k].header.name, (u_char *)out[k].header.value.data,
                                   out[k].header.value.len) != NGX_OK) {
            return NGX_ERROR;
        }
    }
    return NGX_OK;
}

/* Preaccess phase: answer the decisions that answer the request themselves (preflights,
 * refusals) here; everything else goes on. */
static ngx_int_t ngx_http_corsgate_preaccess_handler(ngx_http_request_t *r) {
    ngx_http_corsgate_source_t *policy = ngx_http_corsgate_active(r);
    corsgate_decision *d;
    ngx_int_t rc;

    if (policy == NULL) {
        return NGX_DECLINED;
    }
    d = ngx_http_corsgate_decision(r, policy);
    if (d == NULL) {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }
    if (d->kind != CORSGATE_KIND_PREFLIGHT && d->kind != CORSGATE_KIND_REFUSED) {
        return NGX_DECLINED;
    }
    rc = ngx_http_discard_request_body(r);
    if (rc != NGX_OK) {
        return rc;
    }
    /* The header filter adds the decision's headers, as for every other response. */
    r->headers_out.status = d->status;
    r->headers_out.content_length_n = 0;
    r->header_only = 1;
    rc = ngx_http_send_header(r);
    ngx_http_finalize_request(r, rc);
    return NGX_DONE;
}

static ngx_int_t ngx_http_corsgate_header_filter(ngx_http_request_t *r) {
    ngx_http_corsgate_source_t *policy = ngx_http_corsgate_active(r);
    corsgate_decision *d;

    if (policy != NULL) {
        d = ngx_http_corsgate_decision(r, policy);
        if (d == NULL || ngx_http_corsgate_apply(r, d) != NGX_OK) {
            return NGX_ERROR;
        }
    }
    return ngx_http_next_header_filter(r);
}

/* ---- seeing decisions: variables and the shadow policy ---------------------------- *
 *
 * Variables read the request's decision (evaluating it when no phase has yet: one
 * evaluation per request either way); they are not found (logged as "-") where the
 * module is off or in subrequests. Every value is the core's: kind and reason names
 * from corsgate_kind_str/corsgate_reason_str, the detail slice from the decision.
 *
 *   $corsgate_decision       preflight | actual | not_cors | refused | ... (core's kind
 *                            name; "unknown" for a kind this module predates)
 *   $corsgate_allowed        1 | 0
 *   $corsgate_reason         the reason code, e.g. origin_not_allowed
 *   $corsgate_reason_detail  the pattern, method or header name behind it, or empty
 *   $corsgate_policy         the name of the policy a policy set selected; empty for a
 *                            single policy and when the set selected no route
 *   $corsgate_route          the index in `routes` of the route a set selected; empty
 *                            for a single policy and when no route was selected
 *   $corsgate_shadow_allowed 1 | 0 under corsgate_shadow_policy (not found without)
 *   $corsgate_shadow_reason  the shadow decision's reason code
 *
 * Shadow policy: evaluated beside the live one on the same request lines, never
 * applied. When the verdicts (kind, allowed) differ, one `notice` line goes to the error
 * log with both of the core's reason sentences. Cost: one more evaluation per request
 * where it is set, plus the log line on a disagreement. */

enum {
    NGX_HTTP_CORSGATE_VAR_DECISION,
    NGX_HTTP_CORSGATE_VAR_ALLOWED,
    NGX_HTTP_CORSGATE_VAR_REASON,
    NGX_HTTP_CORSGATE_VAR_DETAIL,
    NGX_HTTP_CORSGATE_VAR_POLICY,
    NGX_HTTP_CORSGATE_VAR_ROUTE,
    NGX_HTTP_CORSGATE_VAR_SHADOW_ALLOWED,
    NGX_HTTP_CORSGATE_VAR_SHADOW_REASON
};

/* The core's reason sentence for `d` in `buf`, cut to fit (a log line, not an answer). */
static ngx_str_t ngx_http_corsgate_reason_text(const corsgate_decision *d, u_char *buf, size_t cap) {
    ngx_str_t text = ngx_string("?");
    size_t len = 0;
    corsgate_result rc = corsgate_decision_reason_write(d, buf, cap, &len);
    if (rc == CORSGATE_RESULT_OK) {
        text.data = buf;
        text.len = len;
    } else if (rc == CORSGATE_RESULT_BUFFER_TOO_SMALL) { /* too long for a log line: the code alone */
        corsgate_slice code = corsgate_reason_str(d->reason);
        text.data = (u_char *)code.data;
        text.len = code.len;
    }
    return text;
}

static void ngx_http_corsgate_shadow(ngx_http_request_t *r, ngx_http_corsgate_ctx_t *ctx) {
    ngx_http_corsgate_loc_conf_t *lcf = ngx_http_get_module_loc_conf(r, ngx_http_corsgate_module);
    corsgate_decision *live = &ctx->decision, *shadow = &ctx->shadow_decision;
    corsgate_selection shadow_selection;
    u_char live_buf[256], shadow_buf[256];
    ngx_str_t live_text, shadow_text;
    corsgate_slice kind, live_code, shadow_code;

    ctx->shadow = NULL;
    if (lcf == NULL || lcf->shadow == NULL ||
        ngx_http_corsgate_evaluate(r, lcf->shadow, shadow, &shadow_selection) != NGX_OK) {
        return;
    }
    ctx->shadow = lcf->shadow;
    if (live->kind == shadow->kind && live->allowed == shadow->allowed) {
        return;
    }
    live_text = ngx_http_corsgate_reason_text(live, live_buf, sizeof(live_buf));
    shadow_text = ngx_http_corsgate_reason_text(shadow, shadow_buf, sizeof(shadow_buf));
    kind = corsgate_kind_str(live->kind);
    live_code = corsgate_reason_str(live->reason);
    shadow_code = corsgate_reason_str(shadow->reason);
    ngx_log_error(NGX_LOG_NOTICE, r->connection->log, 0,
                  "corsgate shadow disagrees: %*s \"%V\": live %s (%*s: %V), shadow %s (%*s: %V)", kind.len, kind.data,
                  &r->uri, live->allowed ? "allowed" : "denied", live_code.len, live_code.data, &live_text,
                  shadow->allowed ? "allowed" : "denied", shadow_code.len, shadow_code.data, &shadow_text);
}

static ngx_int_t ngx_http_corsgate_variable(ngx_http_request_t *r, ngx_http_variable_value_t *v, uintptr_t data) {
    ngx_http_corsgate_source_t *policy = ngx_http_corsgate_active(r);
    ngx_http_corsgate_ctx_t *ctx;
    const corsgate_decision *d;
    corsgate_slice text = {(const uint8_t *)"", 0};

    v->not_found = 1;
    if (policy == NULL || ngx_http_corsgate_decision(r, policy) == NULL) {
        return NGX_OK;
    }
    ctx = ngx_http_get_module_ctx(r, ngx_http_corsgate_module);
    d = &ctx->decision;
    if (data == NGX_HTTP_CORSGATE_VAR_SHADOW_ALLOWED || data == NGX_HTTP_CORSGATE_VAR_SHADOW_REASON) {
        if (ctx->shadow == NULL) {
            return NGX_OK;
        }
        d = &ctx->shadow_decision;
    }
    switch (data) {
    case NGX_HTTP_CORSGATE_VAR_DECISION:
        text = corsgate_kind_str(d->kind);
        if (text.len == 0) {
            text.data = (const uint8_t *)"unknown";
            text.len = sizeof("unknown") - 1;
        }
        break;
    case NGX_HTTP_CORSGATE_VAR_ALLOWED:
    case NGX_HTTP_CORSGATE_VAR_SHADOW_ALLOWED:
        text.data = (const uint8_t *)(d->allowed ? "1" : "0");
        text.len = 1;
        break;
    case NGX_HTTP_CORSGATE_VAR_REASON:
    case NGX_HTTP_CORSGATE_VAR_SHADOW_REASON:
        text = corsgate_reason_str(d->reason);
        break;
    case NGX_HTTP_CORSGATE_VAR_DETAIL:
        text = d->reason_detail;
        break;
    case NGX_HTTP_CORSGATE_VAR_POLICY:
        if (ctx->selection.has_route) {
            text = ctx->selection.policy;
        }
        break;
    default: /* NGX_HTTP_CORSGATE_VAR_ROUTE */
        if (ctx->selection.has_route) {
            text.data = ctx->route;
            text.len = (size_t)(ngx_sprintf(ctx->route, "%uz", ctx->selection.route) - ctx->route);
        }
        break;
    }
    v->data = (u_char *)text.data; /* static in the library, or borrowed like the decision */
    v->len = text.len;
    v->valid = 1;
    v->no_cacheable = 0;
    v->not_found = 0;
    return NGX_OK;
}

static ngx_int_t ngx_http_corsgate_add_variables(ngx_conf_t *cf) {
    static struct {
        ngx_str_t name;
        uintptr_t data;
    } vars[] = {
        {ngx_string("corsgate_decision"), NGX_HTTP_CORSGATE_VAR_DECISION},
        {ngx_string("corsgate_allowed"), NGX_HTTP_CORSGATE_VAR_ALLOWED},
        {ngx_string("corsgate_reason"), NGX_HTTP_CORSGATE_VAR_REASON},
        {ngx_string("corsgate_reason_detail"), NGX_HTTP_CORSGATE_VAR_DETAIL},
        {ngx_string("corsgate_policy"), NGX_HTTP_CORSGATE_VAR_POLICY},
        {ngx_string("corsgate_route"), NGX_HTTP_CORSGATE_VAR_ROUTE},
        {ngx_string("corsgate_shadow_allowed"), NGX_HTTP_CORSGATE_VAR_SHADOW_ALLOWED},
        {ngx_string("corsgate_shadow_reason"), NGX_HTTP_CORSGATE_VAR_SHADOW_REASON},
    };
    ngx_http_variable_t *var;
    size_t i;

    for (i = 0; i < sizeof(vars) / sizeof(vars[0]); i++) {
        /* Not cacheable: an internal redirect may decide again under another policy. */
        var = ngx_http_add_variable(cf, &vars[i].name, NGX_HTTP_VAR_NOCACHEABLE);
        if (var == NULL) {
            return NGX_ERROR;
        }
        var->get_handler = ngx_http_corsgate_variable;
        var->data = vars[i].data;
    }
    return NGX_OK;
}

static ngx_int_t ngx_http_corsgate_init(ngx_conf_t *cf) {
    ngx_http_handler_pt *h;
    ngx_http_core_main_conf_t *cmcf = ngx_http_conf_get_module_main_conf(cf, ngx_http_core_module);

    h = ngx_array_push(&cmcf->phases[NGX_HTTP_PREACCESS_PHASE].handlers);
    if (h == NULL) {
        return NGX_ERROR;
    }
    *h = ngx_http_corsgate_preaccess_handler;

    ngx_http_next_header_filter = ngx_http_top_header_filter;
    ngx_http_top_header_filter = ngx_http_corsgate_header_filter;
    return NGX_OK;
}
