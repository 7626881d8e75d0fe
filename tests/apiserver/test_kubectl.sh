#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Runs the real kubectl against the test API server: create, get (tables,
# -A -o json, field selectors), get -w in the background, replace, apply,
# label, patch, delete, api-resources, 401 without credentials, and a
# retried 429 — once with the bearer-token kubeconfig and once with the
# client-certificate one.
#
#   tests/apiserver/test_kubectl.sh        (exit 0 when every check passes)

set -u
HERE=$(cd "$(dirname "$0")" && pwd)
PY=/usr/bin/python3
[ -x "$PY" ] || PY=python3
KUBECTL=${KUBECTL:-kubectl}
TMP=$(mktemp -d /tmp/nfp-kubectl-test.XXXXXX)
STATE=$TMP/state
SRV_PID=
WATCH_PID=
FAILS=0

cleanup() {
	[ -n "$WATCH_PID" ] && kill "$WATCH_PID" 2>/dev/null
	if [ -n "$SRV_PID" ]; then
		kill -TERM "$SRV_PID" 2>/dev/null
		wait "$SRV_PID" 2>/dev/null
	fi
	rm -rf "$TMP"
}
trap cleanup EXIT

fail() {
	echo "FAIL: $*"
	FAILS=$((FAILS + 1))
}

ok() {
	echo "ok: $*"
}

# expect_match DESC PATTERN TEXT
expect_match() {
	if printf '%s\n' "$3" | grep -Eq -- "$2"; then
		ok "$1"
	else
		fail "$1: /$2/ not in:"
		printf '%s\n' "$3" | sed 's/^/    /'
	fi
}

# wait_file_match FILE PATTERN: up to 20 s
wait_file_match() {
	for _ in $(seq 200); do
		grep -Eq -- "$2" "$1" 2>/dev/null && return 0
		sleep 0.1
	done
	return 1
}

"$PY" "$HERE/apiserver.py" --state-dir "$STATE" --bookmark-interval 1 \
	>"$TMP/server.log" 2>&1 &
SRV_PID=$!
"$PY" "$HERE/apiserver.py" admin --state-dir "$STATE" wait --timeout 30 \
	>/dev/null || {
	cat "$TMP/server.log"
	exit 1
}
admin() {
	"$PY" "$HERE/apiserver.py" admin --state-dir "$STATE" "$@"
}

echo "# $($KUBECTL version --client 2>/dev/null | head -1)"

cat >"$TMP/es.yaml" <<'EOF'
apiVersion: discovery.k8s.io/v1
kind: EndpointSlice
metadata:
  name: web-abcde
  labels:
    kubernetes.io/service-name: web
addressType: IPv4
ports:
- name: http
  port: 8080
  protocol: TCP
endpoints:
- addresses: ["10.244.1.5"]
  conditions: {ready: true}
  nodeName: node-a
- addresses: ["10.244.2.6"]
  conditions: {ready: false, serving: true, terminating: true}
  nodeName: node-b
EOF

cat >"$TMP/pods.yaml" <<'EOF'
apiVersion: v1
kind: Node
metadata:
  name: node-a
spec:
  podCIDR: 10.244.1.0/24
---
apiVersion: v1
kind: Pod
metadata:
  name: pa
  labels: {app: web}
spec:
  nodeName: node-a
  containers:
  - name: c
    image: busybox
    ports: [{containerPort: 8080, hostPort: 18080}]
---
apiVersion: v1
kind: Pod
metadata:
  name: pb
spec:
  nodeName: node-b
  containers: [{name: c, image: busybox}]
EOF

run_flow() {
	local ctx=$1 kc=$2
	local K="$KUBECTL --kubeconfig $kc --cache-dir $TMP/cache-$ctx"
	local out

	echo "## $ctx ($kc)"
	cat >"$TMP/svc.yaml" <<'EOF'
apiVersion: v1
kind: Service
metadata:
  name: web
  labels: {app: web}
spec:
  selector: {app: web}
  ports:
  - {name: http, port: 80, targetPort: 8080}
  - {name: dns, port: 53, protocol: UDP}
EOF
	sed 's/port: 80,/port: 81,/' "$TMP/svc.yaml" >"$TMP/svc2.yaml"

	out=$($K create -f "$TMP/svc.yaml" 2>&1)
	expect_match "$ctx: kubectl create -f svc.yaml" '^service/web created$' "$out"
	out=$($K create -f "$TMP/svc.yaml" 2>&1)
	expect_match "$ctx: create again is AlreadyExists" 'AlreadyExists.*already exists|already exists' "$out"

	out=$($K get svc 2>&1)
	expect_match "$ctx: get svc prints the server's table" \
		'^web +ClusterIP +10\.9[0-9.]+ +<none> +80/TCP,53/UDP ' "$out"
	expect_match "$ctx: get svc header" '^NAME +TYPE +CLUSTER-IP +EXTERNAL-IP +PORT\(S\) +AGE' "$out"

	out=$($K get svc -A -o json 2>&1)
	if printf '%s' "$out" | "$PY" -c '
import json, sys
d = json.load(sys.stdin)
items = [i for i in d["items"] if i["metadata"]["name"] == "web"]
assert d["kind"] == "List", d["kind"]
assert len(items) == 1
s = items[0]
assert s["kind"] == "Service" and s["apiVersion"] == "v1"
assert s["spec"]["clusterIP"] == s["spec"]["clusterIPs"][0]
assert s["spec"]["ports"][1]["targetPort"] == 53
assert s["metadata"]["uid"] and s["metadata"]["resourceVersion"]
'; then ok "$ctx: get svc -A -o json"; else fail "$ctx: get svc -A -o json: $out"; fi

	out=$($K create -f "$TMP/es.yaml" 2>&1)
	expect_match "$ctx: create endpointslice" 'endpointslice.discovery.k8s.io/web-abcde created' "$out"
	out=$($K get endpointslices 2>&1)
	expect_match "$ctx: get endpointslices" \
		'^web-abcde +IPv4 +8080 +10\.244\.1\.5,10\.244\.2\.6 ' "$out"
	out=$($K get endpointslices -l kubernetes.io/service-name=web -o name 2>&1)
	expect_match "$ctx: get endpointslices -l" '^endpointslice.discovery.k8s.io/web-abcde$' "$out"

	out=$($K apply -f "$TMP/pods.yaml" 2>&1)
	expect_match "$ctx: apply pods and node" 'pod/pb created' "$out"
	out=$($K get pods -o wide --field-selector spec.nodeName=node-a 2>&1)
	expect_match "$ctx: get pods --field-selector" '^pa +0/1 +Pending +0 .* node-a ' "$out"
	if printf '%s\n' "$out" | grep -q '^pb '; then
		fail "$ctx: field selector let pb through"
	fi
	out=$($K get nodes 2>&1)
	expect_match "$ctx: get nodes" '^node-a +Unknown ' "$out"
	out=$($K apply -f "$TMP/pods.yaml" 2>&1)
	expect_match "$ctx: apply again is unchanged" 'pod/pa unchanged' "$out"

	# a watch in the background sees the replace
	$K get svc -w --output-watch-events >"$TMP/watch-$ctx.out" 2>&1 &
	WATCH_PID=$!
	if wait_file_match "$TMP/watch-$ctx.out" '^ADDED +web '; then
		ok "$ctx: get -w lists first"
	else
		fail "$ctx: get -w printed no ADDED row: $(cat "$TMP/watch-$ctx.out")"
	fi
	out=$($K replace -f "$TMP/svc2.yaml" 2>&1)
	expect_match "$ctx: kubectl replace -f" '^service/web replaced$' "$out"
	if wait_file_match "$TMP/watch-$ctx.out" '^MODIFIED +web .*81/TCP'; then
		ok "$ctx: get -w saw the change"
	else
		fail "$ctx: get -w saw no MODIFIED row: $(cat "$TMP/watch-$ctx.out")"
	fi
	out=$($K get svc web -o 'jsonpath={.spec.ports[0].port} {.spec.clusterIP}' 2>&1)
	expect_match "$ctx: replace kept the clusterIP" '^81 10\.9' "$out"

	out=$($K label svc web tier=front 2>&1)
	expect_match "$ctx: kubectl label" 'service/web labeled' "$out"
	out=$($K patch svc web -p '{"spec":{"ports":[{"port":81,"name":"web"}]}}' 2>&1)
	expect_match "$ctx: kubectl patch (strategic)" 'service/web patched' "$out"
	out=$($K patch svc web --type=merge -p '{"metadata":{"annotations":{"note":"x"}}}' 2>&1)
	expect_match "$ctx: kubectl patch --type=merge" 'service/web patched' "$out"
	out=$($K get svc -l tier=front -o 'jsonpath={.items[*].spec.ports[*].name}' 2>&1)
	expect_match "$ctx: label selector and patches applied" '^web dns$' "$out"

	out=$($K delete svc web 2>&1)
	expect_match "$ctx: kubectl delete" '^service "web" deleted$' "$out"
	if wait_file_match "$TMP/watch-$ctx.out" '^DELETED +web '; then
		ok "$ctx: get -w saw the delete"
	else
		fail "$ctx: get -w saw no DELETED row: $(cat "$TMP/watch-$ctx.out")"
	fi
	kill "$WATCH_PID" 2>/dev/null
	wait "$WATCH_PID" 2>/dev/null
	WATCH_PID=
	out=$($K get svc web 2>&1)
	expect_match "$ctx: get after delete" 'NotFound|not found' "$out"
	out=$($K delete -f "$TMP/es.yaml" -f "$TMP/pods.yaml" 2>&1)
	expect_match "$ctx: delete -f" 'pod "pb" deleted' "$out"
	out=$($K get pods 2>&1)
	expect_match "$ctx: no pods left" 'No resources found' "$out"
}

run_flow token "$STATE/kubeconfig-token"
run_flow cert "$STATE/kubeconfig-cert-files"

K="$KUBECTL --kubeconfig $STATE/kubeconfig --cache-dir $TMP/cache-misc"
out=$($K create --dry-run=server -f "$TMP/svc.yaml" 2>&1)
expect_match "create --dry-run=server" 'service/web created \(server dry run\)' "$out"
out=$($K get svc web 2>&1)
expect_match "the dry run stored nothing" 'NotFound|not found' "$out"
out=$($K apply --server-side -f "$TMP/svc.yaml" 2>&1)
expect_match "apply --server-side creates" 'service/web serverside-applied' "$out"
out=$($K apply --server-side -f "$TMP/svc2.yaml" 2>&1)
expect_match "apply --server-side updates" 'service/web serverside-applied' "$out"
out=$($K get svc web -o 'jsonpath={.spec.ports[*].port}' 2>&1)
expect_match "server-side apply replaced the ports" '^81 53$' "$out"
( $K wait --for=delete svc/web --timeout=30s >"$TMP/wait.out" 2>&1
  echo "rc=$?" >>"$TMP/wait.out" ) &
WAIT_PID=$!
# let kubectl wait open its watch first
for _ in $(seq 200); do
	admin watches | grep -q '"resource": "services"' && break
	sleep 0.1
done
out=$($K delete svc web --wait=false 2>&1)
wait "$WAIT_PID"
expect_match "kubectl wait --for=delete" 'condition met' "$(cat "$TMP/wait.out")"
expect_match "kubectl wait exit code" '^rc=0$' "$(cat "$TMP/wait.out")"
out=$($K get svc web -v=6 2>&1)
# (the -v=6 line is "GET URL 404 Not Found" up to 1.32, structured after)
expect_match "get of the deleted service is a 404" \
	'GET https://[^ ]*/api/v1/namespaces/default/services/web 404|url="https://[^"]*/api/v1/namespaces/default/services/web" status="404' "$out"
out=$($K api-resources 2>&1)
expect_match "api-resources" '^services +svc +v1 +true +Service' "$out"
expect_match "api-resources (group)" '^endpointslices +discovery.k8s.io/v1 +true +EndpointSlice' "$out"

# a wrong token: 401 (a kubeconfig with no credentials at all makes
# kubectl prompt for a user name instead, before asking the server)
sed -e 's/token: .*/token: wrong-token/' "$STATE/kubeconfig-token" >"$TMP/kc-bad"
out=$($KUBECTL --kubeconfig "$TMP/kc-bad" --cache-dir "$TMP/cache-bad" get svc </dev/null 2>&1)
expect_match "wrong token: Unauthorized" 'Unauthorized|must be logged in' "$out"

# kubectl (client-go) retries a 429 that carries Retry-After
admin reset-stats >/dev/null
admin fault error code=429 count=2 retry_after=1 path=/api/v1/namespaces/default/services >/dev/null
out=$($K get svc 2>&1)
expect_match "get svc through two 429s" 'No resources found' "$out"
out=$(admin stats)
expect_match "the 429s were counted" '"429": 2' "$out"

if [ "$FAILS" -ne 0 ]; then
	echo "$FAILS check(s) failed"
	exit 1
fi
echo "all kubectl checks passed"
