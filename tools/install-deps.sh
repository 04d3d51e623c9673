#!/usr/bin/env bash
# Installs the Debian packages mxp needs that this machine lacks, and only those.
#
#   tools/install-deps.sh run    what building and running mxpd needs
#   tools/install-deps.sh test   that, plus what the test suite needs
#   tools/install-deps.sh bench  that of run, plus gnuplot for the benchmark's plot
#   tools/install-deps.sh bench-netdata  that of run, plus netdata 1.37 (make bench-netdata)
#
# It checks each package with `dpkg-query`, runs `apt-get update` once if anything is
# missing, and says what it installs. As root it calls apt-get directly, otherwise sudo.
set -euo pipefail

profile=${1:-run}

# Building and running: compiler, build system, and the libraries linked into libmxp.
run_pkgs=(build-essential cmake pkg-config libck-dev liburing-dev libssl-dev
          libprotobuf-c-dev protobuf-c-compiler libsnappy-dev libjson-c-dev libmongoc-dev)
# Testing: the unit-test framework, clang for the sanitizer/fuzz builds, and the real
# receivers the integration tests start (VictoriaMetrics, carbon-cache + whisper; curl
# reads them back; python3 comes with graphite-carbon; socat is the TLS front of
# opentsdb:https, openssl makes the tests' certificates; prometheus receives remote
# write; its service is not started by the package here, the tests start their own;
# valgrind checks mxpd for leaks; bsdextrautils has `column`, which lays out the fault
# matrix; netdata 1.37 is the real child that streams to mxpd — the tests run their own
# with their own config; where systemd runs, Debian's package also starts a netdata
# service: `systemctl disable --now netdata` if you do not want it).
test_pkgs=(libcriterion-dev clang victoria-metrics graphite-carbon python3-whisper curl socat openssl
           prometheus valgrind bsdextrautils netdata)
# node and npm run the receivers that only npm has (kinesalite for Kinesis, CongoDB for
# the MongoDB wire; tests/integration/receivers.sh installs those at test time). Asked
# of Debian (nodejs 18 + npm 9) only when the commands are absent: a machine image may
# carry another Node.js, such as NodeSource's nodejs 20, which bundles npm, Provides
# and Conflicts with Debian's npm, so that `dpkg -s npm` fails and `apt-get install npm`
# cannot be done there.
if ! command -v node >/dev/null 2>&1 || ! command -v npm >/dev/null 2>&1; then
    test_pkgs+=(nodejs npm)
fi
# Benchmarks: gnuplot (no X11) draws bench_pipeline's build/bench-results.png.
bench_pkgs=(gnuplot-nox)
# make bench-netdata: netdata 1.37 itself, the exporter mxp is measured against (the
# benchmark runs its own netdata with its own config; where systemd runs, Debian's
# package also enables and starts a netdata service: `systemctl disable --now netdata`
# if you do not want it).
bench_netdata_pkgs=(netdata)

case "$profile" in
    run)  want=("${run_pkgs[@]}") ;;
    test) want=("${run_pkgs[@]}" "${test_pkgs[@]}") ;;
    bench) want=("${run_pkgs[@]}" "${bench_pkgs[@]}") ;;
    bench-netdata) want=("${run_pkgs[@]}" "${bench_netdata_pkgs[@]}") ;;
    *)    echo "usage: $0 run|test|bench|bench-netdata" >&2; exit 2 ;;
esac

# dpkg-query prints the status alone. Not `dpkg -s P | grep -q`: under pipefail, grep -q
# exits at its match and dpkg, still writing a long entry (prometheus' is 6 KB), dies
# of SIGPIPE, so an installed package was taken for missing (221 times in 300).
missing=()
for p in "${want[@]}"; do
    if [ "$(dpkg-query -W -f='${Status}' "$p" 2>/dev/null)" != "install ok installed" ]; then
        missing+=("$p")
    fi
done

if [ ${#missing[@]} -eq 0 ]; then
    echo "install-deps: all ${#want[@]} packages for '$profile' are present"
    exit 0
fi

if [ "$(id -u)" -eq 0 ]; then
    as_root=()
elif command -v sudo >/dev/null 2>&1; then
    as_root=(sudo)
else
    echo "install-deps: missing packages: ${missing[*]}" >&2
    echo "install-deps: not root and no sudo; install them and run again" >&2
    exit 1
fi

echo "install-deps: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
"${as_root[@]}" apt-get update -qq
"${as_root[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
echo "install-deps: installed ${missing[*]}"
