#!/usr/bin/env bash
# Bootstrapper for build.ps1: ./build.sh [Task] [-Kernel K] ...
# Runs build.ps1 with pwsh when it is installed, else with the project's own
# minimal PowerShell host (tests/PSHost, kt-pwsh), which it builds first.
# build.ps1's exit code is passed through.
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)

if command -v pwsh >/dev/null 2>&1; then
	exec pwsh -NoProfile -NonInteractive -File "$root/build.ps1" "$@"
fi

if ! command -v dotnet >/dev/null 2>&1; then
	echo "build.sh: neither pwsh nor dotnet is installed; install the .NET 10 SDK" \
		"(Debian: the dotnet-sdk-10.0 package from Microsoft's repository) and run again" >&2
	exit 127
fi

export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1
project=$root/tests/PSHost
host=$project/bin/Release/net10.0/kt-pwsh

# Rebuild the host only when a source is newer than it: a no-op `dotnet
# build` still costs seconds on every call.
if [[ ! -x $host ]] || [[ -n $(find "$project" -path "$project/bin" -prune -o -path "$project/obj" -prune \
	-o \( -name '*.cs' -o -name '*.csproj' \) -newer "$host" -print -quit) ]]; then
	log=$(mktemp)
	if ! dotnet build "$project/PSHost.csproj" -c Release --nologo -v q -clp:NoSummary >"$log" 2>&1; then
		cat "$log" >&2
		rm -f "$log"
		echo "build.sh: building the PowerShell host (tests/PSHost) failed" >&2
		exit 1
	fi
	rm -f "$log"
fi

exec "$host" -NonInteractive -File "$root/build.ps1" "$@"
