# SPDX-License-Identifier: GPL-2.0
<#
.SYNOPSIS
Lays out the KernelTalk module folder from the build output.

.DESCRIPTION
Copies the binary module, the Mono.Posix implementation and its native
helper, the format file and the help into one folder that Import-Module can
load, with the folder's manifest (src/KernelTalk.PowerShell/KernelTalk.psd1).

Uses .NET calls and Core cmdlets only: the project's minimal host has no
Utility or Management cmdlets (no Copy-Item, Test-Path, Write-Host).

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
param(
    [ValidateSet('Debug', 'Release')]
    [string] $Configuration = 'Release',

    [string] $OutputPath
)

$ErrorActionPreference = 'Stop'
Set-StrictMode -Version 3.0

$projectDir = $PSScriptRoot
$repoRoot = [IO.Path]::GetFullPath([IO.Path]::Combine($projectDir, '..', '..'))
if (-not $OutputPath) {
    $OutputPath = [IO.Path]::Combine($repoRoot, 'out', 'KernelTalk')
}
$OutputPath = [IO.Path]::GetFullPath($OutputPath)
$buildDir = [IO.Path]::Combine($projectDir, 'bin', $Configuration, 'netstandard2.0')

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
    $source = [IO.Path]::Combine($buildDir, $file)
    if (-not [IO.File]::Exists($source)) {
        throw "Publish-Module: '$source' is missing. Build first: dotnet build src/KernelTalk.PowerShell -c $Configuration"
    }
}

# Start clean so that a file dropped from the list does not linger.
if ([IO.Directory]::Exists($OutputPath)) {
    [IO.Directory]::Delete($OutputPath, $true)
}
[void][IO.Directory]::CreateDirectory([IO.Path]::Combine($OutputPath, 'en-US'))

foreach ($file in $files) {
    [IO.File]::Copy([IO.Path]::Combine($buildDir, $file), [IO.Path]::Combine($OutputPath, $file), $true)
}

# The folder's own manifest (paths relative to the folder).  The repository
# root's KernelTalk.psd1 nests this one.
[IO.File]::Copy([IO.Path]::Combine($projectDir, 'KernelTalk.psd1'), [IO.Path]::Combine($OutputPath, 'KernelTalk.psd1'), $true)

$OutputPath
