<#
.SYNOPSIS
Runs Pester 5 spec files and prints the tier summary line.

.DESCRIPTION
Uses the real Pester module (5.0 or newer) when it can be imported, else
the MiniPester subset next to this script (machines where only kt-pwsh
exists). Either way it prints one "ok N - Describe > It" / "not ok N - ..."
line per test, a "# N skipped" line, and finally exactly
"<TierName>: N passed, N failed". Exits 1 when anything failed.

.PARAMETER Path
Spec files, or folders searched recursively for *.Tests.ps1.

.PARAMETER ResultPath
Where to write a JUnit XML report of the run.

.PARAMETER TierName
The word before the summary counts (the tier this run belongs to).

.EXAMPLE
kt-pwsh -File tests/PSHost/Invoke-Specs.ps1 -Path tests/Pester -ResultPath out/test/pester.xml
#>
[CmdletBinding()]
param(
    [Parameter(Mandatory, Position = 0)] [string[]] $Path,
    [string] $ResultPath,
    [string] $TierName = 'pester'
)

$ErrorActionPreference = 'Stop'
# No Set-StrictMode here: the specs run in scopes below this script's and
# would inherit it, which real Pester does not impose on them.

# Only the engine's Core cmdlets may exist (kt-pwsh): files are found with
# .NET and output goes through [Console].
$files = [System.Collections.Generic.List[string]]::new()
foreach ($item in $Path) {
    $full = [System.IO.Path]::GetFullPath($item)
    if ([System.IO.Directory]::Exists($full)) {
        $found = [System.IO.Directory]::GetFiles($full, '*.Tests.ps1', [System.IO.SearchOption]::AllDirectories)
        [System.Array]::Sort($found, [System.StringComparer]::Ordinal)
        $files.AddRange([string[]]$found)
    }
    elseif ([System.IO.File]::Exists($full)) {
        $files.Add($full)
    }
    else {
        throw "Invoke-Specs: '$item' is neither a spec file nor a folder."
    }
}

$passed = 0
$failed = 0
$skipped = 0
$pesterLoaded = $false
try {
    Import-Module Pester -MinimumVersion 5.0 -ErrorAction Stop
    $pesterLoaded = $true
}
catch {
    [Console]::WriteLine('# Pester 5 is not importable here; using the MiniPester subset')
}

if ($files.Count -eq 0) {
    [Console]::WriteLine("# no *.Tests.ps1 files under $($Path -join ', ')")
}
elseif ($pesterLoaded) {
    $config = New-PesterConfiguration
    $config.Run.Path = $files.ToArray()
    $config.Run.PassThru = $true
    $config.Output.Verbosity = 'Normal'
    if ($ResultPath) {
        $config.TestResult.Enabled = $true
        $config.TestResult.OutputFormat = 'JUnitXml'
        $config.TestResult.OutputPath = [System.IO.Path]::GetFullPath($ResultPath)
    }
    $result = Invoke-Pester -Configuration $config

    # Re-state Pester's results in the project's tier format.
    $number = 0
    foreach ($test in $result.Tests) {
        $number++
        $name = $test.ExpandedPath -replace '\.', ' > '
        switch ($test.Result) {
            'Passed' { [Console]::WriteLine("ok $number - $name") }
            'Failed' {
                $why = if ($test.ErrorRecord.Count -gt 0) { ($test.ErrorRecord[0].Exception.Message -replace '\s+', ' ').Trim() } else { 'failed' }
                [Console]::WriteLine("not ok $number - $name # $why")
            }
            default { [Console]::WriteLine("ok $number - $name # SKIP $($test.Result)") }
        }
    }
    $passed = $result.PassedCount
    $skipped = $result.SkippedCount + $result.NotRunCount
    # A failed BeforeAll/AfterAll or a spec that failed discovery counts too.
    $failed = $result.FailedCount + $result.FailedBlocksCount + $result.FailedContainersCount
}
else {
    Import-Module ([System.IO.Path]::Combine($PSScriptRoot, 'MiniPester', 'MiniPester.psd1'))
    $invokeArgs = @{ Path = $files.ToArray() }
    if ($ResultPath) { $invokeArgs.ResultPath = [System.IO.Path]::GetFullPath($ResultPath) }
    $result = Invoke-MiniPester @invokeArgs
    $passed = $result.Passed
    $failed = $result.Failed
    $skipped = $result.Skipped
}

[Console]::WriteLine("# $skipped skipped")
[Console]::WriteLine("${TierName}: $passed passed, $failed failed")
exit ([int]($failed -gt 0))
