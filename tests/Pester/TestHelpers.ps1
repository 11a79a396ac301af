# SPDX-License-Identifier: GPL-2.0
# Dot-sourced by every spec's BeforeAll.

# The built module folder (build.ps1 Build lays it out).
$ModuleManifest = Join-Path $PSScriptRoot '../../out/KernelTalk/KernelTalk.psd1' -Resolve -ErrorAction Ignore
if (-not $ModuleManifest) {
    throw "The built module out/KernelTalk does not exist; run ./build.sh Build first."
}
# What users import (README): the root manifest, which nests the folder's.
$RootManifest = Join-Path $PSScriptRoot '../../KernelTalk.psd1' -Resolve
Import-Module $RootManifest

# Specs that need the device call this from BeforeEach: without
# /dev/kerneltalk they are skipped, with the reason, so that the specs run
# anywhere (inside the VM the pester tier fails on any skipped spec).
function Skip-WithoutDevice {
    if (-not (Test-Path '/dev/kerneltalk')) {
        Set-ItResult -Skipped -Because 'it needs /dev/kerneltalk (load the module with Install-KernelTalk; ./build.sh Test runs the specs in a VM)'
    }
}

# The executable of another pwsh like this one. The pinned .NET tool runs as
# `dotnet pwsh.dll`; its folder has the pwsh app host too.
function Get-PwshPath {
    if ((Split-Path -Leaf ([Environment]::ProcessPath)) -eq 'dotnet') { Join-Path $PSHOME 'pwsh' }
    else { [Environment]::ProcessPath }
}

# A room of its own per test, so specs never see each other's traffic.
function New-TestRoom {
    'pt-' + (New-Guid).ToString('N').Substring(0, 12)
}

function Get-FdCount {
    @(Get-ChildItem /proc/self/fd).Count
}

# The process name the kernel stamps on this process's posts.
function Get-ProcessComm {
    (Get-Content /proc/self/comm).Trim()
}

# A module parameter, or $null when the module is not loaded.
function Get-ModuleParameter([string] $Name) {
    $path = "/sys/module/kerneltalk/parameters/$Name"
    if (Test-Path $path) { [uint64](Get-Content $path) }
}

# Runs $Script in a second pwsh, with the module imported, in a new user
# namespace without a uid mapping: it keeps root's uid for file access but
# no capability in the namespace of the rooms it creates (no
# CAP_DAC_OVERRIDE, CAP_SYS_RESOURCE), so room modes and quotas apply to it.
function Invoke-Unprivileged([string] $Script) {
    & unshare --user (Get-PwshPath) -NoProfile -NonInteractive -Command "Import-Module '$RootManifest'; $Script"
}
