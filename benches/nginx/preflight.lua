-- wrk script: a CORS preflight (origin from the ORIGIN environment variable).
wrk.method = "OPTIONS"
wrk.headers["Origin"] = os.getenv("ORIGIN")
wrk.headers["Access-Control-Request-Method"] = "PUT"
wrk.headers["Access-Control-Request-Headers"] = "content-type"
