# SPDX-License-Identifier: GPL-2.0
<#
.SYNOPSIS
Lays out the KernelTalk module folder from the build output.

.DESCRIPTION
Copies the binary module, the Mono.Posix implementation and its native
helper, the format file and the help into one folder that Import-Module can
load, and Start-KernelTalkBridge's NATS side (src/KernelTalk.Bridge: its dll
and NATS.Net's) into its bridge/ subfolder, which the module loads into an
AssemblyLoadContext of its own (src/KernelTalk.PowerShell/Bridge/BridgeLoader.cs), with the folder's manifest (src/KernelTalk.PowerShell/KernelTalk.psd1)
stamped with the module version: the <Version> of KernelTalk.PowerShell.csproj,
the one place it is set, read back from the built assembly.

.PARAMETER Configuration
The dotnet build configuration whose output is published.

.PARAMETER OutputPath
The module folder to create; default out/KernelTalk under the repository root.

.OUTPUTS
System.String. The module folder.

.EXAMPLE
dotnet build src/KernelTalk.PowerShell -c Release
./src/KernelTalk.PowerShell/Publish-Module.ps1 -Configuration Release
#>
[CmdletBinding()]
[OutputType([string])]
param(
    [ValidateSet('Debug', 'Release')]
    [string] $Configuration = 'Release',

    [string] $OutputPath = (Join-Path $PSScriptRoot '../../out/KernelTalk')
)

$ErrorActionPreference = 'Stop'
Set-StrictMode -Version 3.0

$buildDir = Join-Path $PSScriptRoot "bin/$Configuration/netstandard2.0"
$bridgeDir = Join-Path $PSScriptRoot "../KernelTalk.Bridge/bin/$Configuration/net8.0"
# Every file of the module folder, relative to the build output.  The build
# copies Mono.Posix's linux-x64 implementation and native helper there (see
# the .csproj); a missing file means the build did not run or failed.
$files = @(
    'KernelTalk.PowerShell.dll'
    'Mono.Posix.NETStandard.dll'
    'libMonoPosixHelper.so'
    'KernelTalk.Format.ps1xml'
    'en-US/KernelTalk.PowerShell.dll-Help.xml'
    'en-US/about_KernelTalk.help.txt'
)
foreach ($file in $files) {
    if (-not (Test-Path (Join-Path $buildDir $file))) {
        throw "Publish-Module: '$(Join-Path $buildDir $file)' is missing. Build first: dotnet build src/KernelTalk.PowerShell -c $Configuration"
    }
}
# The bridge's dll and every dependency the build copied next to it (never
# this module's own dll: the bridge shares the loaded one).
$bridgeFiles = @(Get-ChildItem -File -Path (Join-Path $bridgeDir '*.dll') -ErrorAction Ignore |
        Where-Object Name -NE 'KernelTalk.PowerShell.dll')
if (-not ($bridgeFiles.Name -contains 'KernelTalk.Bridge.dll')) {
    throw "Publish-Module: '$(Join-Path $bridgeDir 'KernelTalk.Bridge.dll')' is missing. Build first: dotnet build src/KernelTalk.Bridge -c $Configuration"
}

# Start clean so that a file dropped from the list does not linger.
Remove-Item -Recurse -Force -ErrorAction Ignore $OutputPath
$null = New-Item -ItemType Directory -Force (Join-Path $OutputPath 'en-US')
foreach ($file in $files) {
    Copy-Item (Join-Path $buildDir $file) (Join-Path $OutputPath $file)
}
$null = New-Item -ItemType Directory -Force (Join-Path $OutputPath 'bridge')
$bridgeFiles | Copy-Item -Destination (Join-Path $OutputPath 'bridge')
# The systemd unit that runs a bridge as a service, where an installed module has it.
Copy-Item (Join-Path $PSScriptRoot '../KernelTalk.Bridge/kerneltalk-bridge@.service') (Join-Path $OutputPath 'bridge')

$version = [Reflection.AssemblyName]::GetAssemblyName((Join-Path $buildDir 'KernelTalk.PowerShell.dll')).Version.ToString(3)
$manifest = Get-Content -Raw (Join-Path $PSScriptRoot 'KernelTalk.psd1')
$manifest -replace "(?m)^(\s*ModuleVersion\s*=\s*)'[^']*'", "`${1}'$version'" |
    Set-Content -NoNewline (Join-Path $OutputPath 'KernelTalk.psd1')

(Resolve-Path $OutputPath).Path
