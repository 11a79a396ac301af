#!/usr/bin/env bash
# Bootstrapper: ./build.sh [Task] [options] runs build.ps1 under the
# PowerShell pinned in .config/dotnet-tools.json (restored as a local .NET
# tool). build.ps1's exit code is passed through.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")"
if ! command -v dotnet >/dev/null 2>&1; then
	echo "build.sh: dotnet is not installed; install the .NET 10 SDK (Debian: the dotnet-sdk-10.0 package from Microsoft's repository) and run again" >&2
	exit 127
fi
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1
dotnet tool restore >/dev/null
exec dotnet tool run pwsh -NoProfile -NonInteractive -File build.ps1 "$@"
