"""Writes the bench-nginx.sh setup: a policy and an equivalent `map $http_origin` +
`add_header` recipe for the same allow-list of N origins, and one nginx.conf with two
servers (module on PORT_MODULE, recipe on PORT_MAP), both serving the same static file.

Usage: python3 gen_conf.py PREFIX MODULE PORT_MODULE PORT_MAP [N]"""

import json
import os
import sys

prefix, module, port_module, port_map = sys.argv[1:5]
n = int(sys.argv[5]) if len(sys.argv) > 5 else 1000
origins = [f"https://app{i}.customer{i}.example" for i in range(n)]
os.makedirs(f"{prefix}/conf", exist_ok=True)
os.makedirs(f"{prefix}/logs", exist_ok=True)
os.makedirs(f"{prefix}/html", exist_ok=True)
with open(f"{prefix}/html/index.html", "w") as f:
    f.write("ok\n")
policy = {"origins": origins, "credentials": True, "methods": ["PUT", "DELETE"],
          "request_headers": ["authorization", "content-type"], "max_age": 600}
with open(f"{prefix}/conf/policy.json", "w") as f:
    json.dump(policy, f)
entries = "\n".join(f'        "{o}" $http_origin;' for o in origins)
user = "user root root;" if os.geteuid() == 0 else ""
conf = f"""load_module {module};
{user}
worker_processes 1;
pid logs/nginx.pid;
error_log logs/error.log warn;
events {{ worker_connections 1024; }}
http {{
    access_log off;
    client_body_temp_path /tmp/corsgate-bench-body;
    proxy_temp_path /tmp/corsgate-bench-proxy;
    fastcgi_temp_path /tmp/corsgate-bench-fastcgi;
    uwsgi_temp_path /tmp/corsgate-bench-uwsgi;
    scgi_temp_path /tmp/corsgate-bench-scgi;
    map_hash_bucket_size 128;
    map_hash_max_size 4096;
    map $http_origin $cors_origin {{
        default "";
{entries}
    }}
    map $cors_origin $cors_credentials {{ "" ""; default "true"; }}
    server {{
        listen 127.0.0.1:{port_module};
        root html;
        location / {{ corsgate_policy policy.json; }}
    }}
    server {{
        listen 127.0.0.1:{port_map};
        root html;
        location / {{
            if ($request_method = OPTIONS) {{
                add_header Access-Control-Allow-Origin $cors_origin always;
                add_header Access-Control-Allow-Credentials $cors_credentials always;
                add_header Access-Control-Allow-Methods "PUT, DELETE" always;
                add_header Access-Control-Allow-Headers "authorization, content-type" always;
                add_header Access-Control-Max-Age 600 always;
                add_header Vary "Origin, Access-Control-Request-Method, Access-Control-Request-Headers" always;
                return 204;
            }}
            add_header Access-Control-Allow-Origin $cors_origin always;
            add_header Access-Control-Allow-Credentials $cors_credentials always;
            add_header Vary Origin always;
        }}
    }}
}}
"""
with open(f"{prefix}/conf/nginx.conf", "w") as f:
    f.write(conf)
print(origins[n // 2])
