# MiniPester: the Pester 5 subset the KernelTalk specs use. Only the engine's
# Core cmdlets exist under kt-pwsh, so everything here uses the language and
# .NET calls (no Write-Host, Get-Variable, Out-File...).
Set-StrictMode -Version 3.0

# State of the run in progress (null between runs); see Invoke-MiniPester.
$script:MPState = $null

# One file per concern: the test tree and how specs declare it, running it
# with Pester 5 scoping, the Should operators, and the reports.
. $PSScriptRoot/Private/Tree.ps1
. $PSScriptRoot/Private/Discovery.ps1
. $PSScriptRoot/Private/Execution.ps1
. $PSScriptRoot/Private/Should.ps1
. $PSScriptRoot/Private/Report.ps1
. $PSScriptRoot/Private/Invoke.ps1
