# SPDX-License-Identifier: GPL-2.0
<#
.SYNOPSIS
Runs the Pester specs of the cmdlets: the pester tier of build.ps1 Test.

.DESCRIPTION
Imports the Pester found in -ModulePath (build.ps1 restores the pinned one
into out/modules), runs every *.Tests.ps1 beside this script with
Invoke-Pester and prints Pester's counts as "pester: N passed, N failed".
Failed tests, failed blocks and containers, inconclusive tests and tests
that did not run all count as failed. Specs that need the device skip
themselves, with the reason, where /dev/kerneltalk is missing; with
-RequireDevice (inside the VM, where the device exists) a skipped spec
counts as failed.

.PARAMETER ModulePath
The folder holding Pester/<version>; put first on PSModulePath.

.PARAMETER ResultPath
Where to write the JUnit XML report; none when omitted.

.PARAMETER RequireDevice
Count skipped specs as failed.

.EXAMPLE
./tests/Pester/Invoke-PesterTier.ps1 -ModulePath out/modules
On a machine without the module: the device specs are skipped, 0 failed.
#>
[CmdletBinding()]
param(
    [Parameter(Mandatory)]
    [string] $ModulePath,

    [string] $ResultPath,

    [switch] $RequireDevice
)

$ErrorActionPreference = 'Stop'
Set-StrictMode -Version 3.0

$env:PSModulePath = (Resolve-Path $ModulePath).Path + [IO.Path]::PathSeparator + $env:PSModulePath
Import-Module Pester -MinimumVersion 5.0
Write-Host "Pester $((Get-Module Pester).Version) in PowerShell $($PSVersionTable.PSVersion)"

$config = New-PesterConfiguration
$config.Run.Path = $PSScriptRoot
$config.Run.PassThru = $true
$config.Output.Verbosity = 'Detailed'
# Logs (the VM's output is a file) get no colour codes.
if ([Console]::IsOutputRedirected -or $env:NO_COLOR) { $config.Output.RenderMode = 'Plaintext' }
if ($ResultPath) {
    $config.TestResult.Enabled = $true
    $config.TestResult.OutputFormat = 'JUnitXml'
    $config.TestResult.OutputPath = $ResultPath
}
$result = Invoke-Pester -Configuration $config

$failed = $result.FailedCount + $result.FailedBlocksCount + $result.FailedContainersCount +
    $result.InconclusiveCount + $result.NotRunCount
if ($RequireDevice) {
    foreach ($test in $result.Skipped) {
        Write-Host "not ok - skipped where the device exists: $($test.ExpandedPath)"
    }
    $failed += $result.SkippedCount
}
Write-Host "pester: $($result.PassedCount) passed, $failed failed"
exit ([int]($failed -gt 0))
