#!/usr/bin/env bash
# Secrets stay secret: a configuration holding every kind of secret mxp takes — a
# remote-write password (Basic), a bearer token, an AWS secret key in the file and
# another with a session token in the environment, a MongoDB URI's password — is
# checked (--check) and run for a few intervals against receivers that refuse or are
# not there, so that every error path that names a destination or logs an answer runs.
# No secret appears in anything mxpd prints, nor its Basic form (base64 of user:pass);
# the ones a receiver gets are really sent (the secret is used, not just hidden). A
# file that every user can read and holds a secret gets a warning naming it; closed to
# others, none.
#   test_secrets.sh PATH/TO/mxpd
set -u
mxpd=$1
here=$(dirname "$0")
tmp=$(mktemp -d)
# shellcheck source=check.sh
. "$here/check.sh"
# shellcheck source=receivers.sh
. "$here/receivers.sh"
trap 'receivers_stop_all; rm -rf "$tmp"' EXIT

PW=Pw-S3cret-basic TOKEN=Tok-S3cret-bearer AWS_KEY=Aws-S3cret-key MONGO_PW=Mongo-S3cret-pw
ENV_KEY=Env-S3cret-key ENV_TOKEN=Env-S3cret-token
BASIC=$(printf 'mxpuser:%s' "$PW" | base64)
SECRETS=("$PW" "$TOKEN" "$AWS_KEY" "$MONGO_PW" "$ENV_KEY" "$ENV_TOKEN" "$BASIC")

fake_rw_start "401,401,401" "$tmp/rw.recv" || exit 1
http_sink_start "$tmp/json.recv" || exit 1
dead=$(free_port 1) || exit 1
cat >"$tmp/exporting.conf" <<CONF
[exporting:global]
    enabled = yes
    update every = 1
[prometheus_remote_write:basic]
    enabled = yes
    destination = 127.0.0.1:$FAKE_RW_PORT
    username = mxpuser
    password = $PW
[json:http:bearer]
    enabled = yes
    destination = 127.0.0.1:$HTTP_SINK_PORT
    bearer token = $TOKEN
[kinesis:file_keys]
    enabled = yes
    endpoint = http://127.0.0.1:$dead
    stream name = s
    aws_access_key_id = AKIDFILE
    aws_secret_access_key = $AWS_KEY
[kinesis:env_keys]
    enabled = yes
    endpoint = http://127.0.0.1:$dead
    stream name = s
[mongodb:m]
    enabled = yes
    destination = mongodb://admin:$MONGO_PW@127.0.0.1:$dead/?serverSelectionTimeoutMS=300
    database = d
    collection = c
CONF
chmod 0644 "$tmp/exporting.conf"
export AWS_ACCESS_KEY_ID=AKIDENV AWS_SECRET_ACCESS_KEY=$ENV_KEY AWS_SESSION_TOKEN=$ENV_TOKEN

# no_secret FILE...: none of the secrets (nor the Basic credentials) in FILE
no_secret() {
	local s
	for s in "${SECRETS[@]}"; do
		if grep -qF -- "$s" "$@"; then
			echo "found '$s' in: $(grep -lF -- "$s" "$@" | tr '\n' ' ')"
			return 1
		fi
	done
}

"$mxpd" --check -c "$tmp/exporting.conf" >"$tmp/check.out" 2>"$tmp/check.err"
check "--check: the configuration is valid" test $? -eq 0
check "--check: no secret printed" no_secret "$tmp/check.out" "$tmp/check.err"
check "--check: each secret shown as set" test "$(grep -c '(set, not shown)' "$tmp/check.out")" -ge 3
check "--check: the URI's password masked" grep -qF "mongodb://admin:***@127.0.0.1:$dead/" "$tmp/check.out"
check "--check: the world-readable file is warned about" \
	grep -qF "$tmp/exporting.conf:8: [prometheus_remote_write:basic] password: a secret in a file every user of this machine can read (mode 0644)" \
	"$tmp/check.out"

"$mxpd" -c "$tmp/exporting.conf" --synthetic 1,2,2 --count 4 --stats >"$tmp/run.out" 2>"$tmp/run.err"
check "run: mxpd exits 0" test $? -eq 0
check "run: no secret in its output or log" no_secret "$tmp/run.out" "$tmp/run.err"
check "run: the warning at start" grep -q "a secret in a file every user of this machine can read" "$tmp/run.err"
check "run: the refusal (401) was logged with its answer" grep -q "fake_rw_peer says 401" "$tmp/run.err"
check "run: the unreachable receivers were logged" test "$(grep -c "127.0.0.1:$dead" "$tmp/run.err")" -ge 1
check "run: the bearer token was sent" grep -qF "\"authorization\": \"Bearer $TOKEN\"" "$tmp/json.recv"
check "run: the Basic credentials were sent" grep -qF "(authorization: Basic $BASIC)" "$tmp/rw.recv.log"

# a destination that does not parse is an error that quotes it: never its password
printf '[graphite:bad]\n    enabled = yes\n    destination = http://mxpuser:%s@127.0.0.1:9/\n' "$PW" >"$tmp/bad.conf"
"$mxpd" --check -c "$tmp/bad.conf" >"$tmp/bad.out" 2>&1
check "a bad destination: an error" grep -q "^error: .*destination" "$tmp/bad.out"
check "a bad destination: its password not quoted" no_secret "$tmp/bad.out"

chmod 0600 "$tmp/exporting.conf"
"$mxpd" --check -c "$tmp/exporting.conf" >"$tmp/check2.out" 2>&1
check "closed to others: no warning" bash -c "! grep -q 'a secret in a file' '$tmp/check2.out'"
summary
