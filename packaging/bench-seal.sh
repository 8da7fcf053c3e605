#!/usr/bin/env bash
# Batch-sealing benchmark (issue "Batch sealing of folders with a local
# HSM"): SoftHSM2 tokens with RSA-2048 and EC P-256 keys, one-page PDFs
# sealed with 2 workers. Prints documents/s, the raw C_Sign rate of the same
# key with as many sessions (through the seal's signing path and in-process),
# the ratio and the peak RSS, for 1,000 and then 10,000 files (each run in
# a process of its own, so the peak RSS figures compare). Asserts nothing.
#
# Environment: BENCH_DIR (work folder, default a temporary one on the disk;
# set it to a folder on tmpfs to take the disk out), WORKERS (2), SIGNER
# (auto: SoftHSM2 in-process; "agent" to measure the agent path), COUNTS
# ("1000 10000").
set -euo pipefail
cd "$(dirname "$0")/.."
work=${BENCH_DIR:-}
if [[ -z $work ]]; then
	work=$(mktemp -d /var/tmp/siegel-bench-seal.XXXXXX)
	trap 'rm -rf "$work"' EXIT
fi
mkdir -p "$work"
go build -o "$work/bench-seal" ./packaging/bench/seal
b=("$work/bench-seal" -dir "$work" -workers "${WORKERS:-2}" -signer "${SIGNER:-auto}")
"${b[@]}" -setup
echo "filesystem of the outputs: $(stat -f -c %T "$work"); $(nproc) CPUs"
declare -A rss
for n in ${COUNTS:-1000 10000}; do
	for alg in rsa ec; do
		out=$("${b[@]}" -alg "$alg" -n "$n")
		echo "$out"
		rss[$alg,$n]=$(sed -n 's/.*peak RSS \([0-9]*\) MB.*/\1/p' <<<"$out")
	done
done
if [[ -n ${rss[rsa,1000]:-} && -n ${rss[rsa,10000]:-} ]]; then
	echo "peak RSS, 1,000 vs 10,000 files: RSA ${rss[rsa,1000]} vs ${rss[rsa,10000]} MB, EC ${rss[ec,1000]} vs ${rss[ec,10000]} MB"
fi
