# SPDX-License-Identifier: GPL-2.0
# Dot-sourced by every spec's BeforeAll.  Only .NET calls and Core cmdlets:
# the specs also run in kt-pwsh, which has no Utility/Management cmdlets.

# The built module folder (build.ps1 Build lays it out).
$ModuleManifest = [System.IO.Path]::GetFullPath(
    [System.IO.Path]::Combine($PSScriptRoot, '..', '..', 'out', 'KernelTalk', 'KernelTalk.psd1'))
if (-not [System.IO.File]::Exists($ModuleManifest)) {
    throw "The built module $ModuleManifest does not exist; run build.ps1 Build first."
}
# What users import (README): the root manifest, which nests the folder's.
$RootManifest = [System.IO.Path]::GetFullPath([System.IO.Path]::Combine($PSScriptRoot, '..', '..', 'KernelTalk.psd1'))
Import-Module $RootManifest

# A room of its own per test, so specs never see each other's traffic.
function New-TestRoom {
    'pt-' + [guid]::NewGuid().ToString('N').Substring(0, 12)
}

function Get-FdCount {
    [System.IO.Directory]::GetFiles('/proc/self/fd').Length
}

# The process name the kernel stamps on this process's posts.
function Get-ProcessComm {
    [System.IO.File]::ReadAllText('/proc/self/comm').Trim()
}

function Get-ModuleParameter([string] $Name) {
    [uint64][System.IO.File]::ReadAllText("/sys/module/kerneltalk/parameters/$Name").Trim()
}
