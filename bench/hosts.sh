#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# Across machines: the bridge's figures (bench/README.md, "Across machines"),
# after ./build.sh Build:
#
#   bench/hosts.sh [--flood N]
#
# Boots the two VMs of the hosts tier (tests/hosts/run.sh, nats-server on
# the host's 127.0.0.1, each guest on a virtio-serial port) and runs its
# bench cases instead of the conversation:
#   - the transport's floor: 100 NATS requests from hostb answered by hosta,
#     spoken by bash over the ports (no bridge);
#   - outbound through one bridge: N lines posted in hosta's room, counted
#     into the stream on the host (JetStream API), first to Nth;
#   - inbound through one bridge: hostb's bridge then starts and posts the N
#     messages from the stream into its room, first to Nth;
#   - the round trip through both bridges: 100 pings from a C client on
#     hosta answered by an echo (C client) on hostb; one way is about half.
# Each figure is one run (median, min, max of its 100 round trips): under
# TCG on a shared machine they are slow and noisy, read them as orders.
# Output: bench/results/hosts.txt (the figures); the whole run's log and the
# guests' results in out/bench/hosts*.
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
repo=$(cd "$here/.." && pwd)
flood=2000
case ${1-} in
'') ;;
--flood) flood=${2?--flood N} ;;
*) echo "usage: bench/hosts.sh [--flood N]" >&2; exit 2 ;;
esac

# The pinned pwsh when none is on PATH (as bench/run.sh finds it).
if ! command -v pwsh >/dev/null; then
	pshome=$(cd "$repo" && dotnet tool run pwsh -NoProfile -NonInteractive -Command '$PSHOME' 2>/dev/null | tail -n 1) || true
	[[ -x $pshome/pwsh ]] || { echo "bench: no pwsh on PATH and no pinned tool (./build.sh Build)" >&2; exit 1; }
	PATH=$pshome:$PATH
fi

mkdir -p "$here/results" "$repo/out/bench"
log=$repo/out/bench/hosts.log
st=0
KT_HOSTS_CASES=bench KT_HOSTS_FLOOD=$flood "$repo/tests/hosts/run.sh" "$repo/out/bench/hosts" | tee "$log" || st=${PIPESTATUS[0]}
{
	echo "# bench/hosts.sh --flood $flood, $(date -u '+%F %T UTC'), host load $(cut -d' ' -f1-3 /proc/loadavg), exit $st"
	grep -E '(raw NATS round trip|outbound through|inbound through|bridge round trip)' "$log" | sed -E 's/^# (host[ab]: )?//'
} >"$here/results/hosts.txt"
cat "$here/results/hosts.txt"
exit "$st"
