<#
.SYNOPSIS
Self-tests of the project's PowerShell tooling: the MiniPester subset and,
when run under kt-pwsh, the host itself.

.DESCRIPTION
Runs the fixture specs in Fixtures/ through MiniPester and checks each
outcome (the prefix of an It name - "passes:", "fails:", "skips:" - is the
expected result), the failure messages, what setup/teardown blocks ran and
in which order, and the JUnit report. Then starts kt-pwsh on the scripts
in HostFixtures/ and checks exit codes, argument binding and streams.
Prints "ok N - ..." lines and finally "pshost: N passed, N failed".

.PARAMETER KtPwsh
Path of the kt-pwsh binary for the host checks. Defaults to the running
host when that is kt-pwsh; under another host the checks are skipped.
#>
[CmdletBinding()]
param([string] $KtPwsh)

$ErrorActionPreference = 'Stop'

$script:number = 0
$script:passed = 0
$script:failed = 0
$script:skipped = 0

function Write-Check {
    param([string] $Name, [bool] $Ok, [string] $Why = '')

    $script:number++
    if ($Ok) {
        $script:passed++
        [Console]::WriteLine("ok $script:number - $Name")
    }
    else {
        $script:failed++
        [Console]::WriteLine("not ok $script:number - $Name # $(($Why -replace '\s+', ' ').Trim())")
    }
}

function Write-Skip {
    param([string] $Name, [string] $Why)
    $script:number++
    $script:skipped++
    [Console]::WriteLine("ok $script:number - $Name # SKIP $Why")
}

# ---- MiniPester on the fixtures ---------------------------------------------

$moduleManifest = [System.IO.Path]::Combine($PSScriptRoot, '..', 'MiniPester', 'MiniPester.psd1')
Import-Module $moduleManifest -Force

$fixtureDir = [System.IO.Path]::Combine($PSScriptRoot, 'Fixtures')
$fixtures = [System.IO.Directory]::GetFiles($fixtureDir, '*.Fixture.ps1')
[System.Array]::Sort($fixtures, [System.StringComparer]::Ordinal)
$xmlPath = [System.IO.Path]::Combine([System.IO.Path]::GetTempPath(), "minipester-selftest-$PID.xml")

# The fixtures log what their setup and teardown blocks did here.
$global:MPSelfTestLog = [System.Collections.Generic.List[string]]::new()
$run = Invoke-MiniPester -Path $fixtures -ResultPath $xmlPath -Quiet

$byPath = @{}
foreach ($t in $run.Tests) { $byPath[$t.Path] = $t }

foreach ($t in $run.Tests) {
    $expected = switch -Wildcard ($t.Name) {
        'passes:*' { 'Passed' }
        'fails:*' { 'Failed' }
        'skips:*' { 'Skipped' }
        default { $null }
    }
    if ($null -eq $expected) { continue }
    Write-Check "outcome of '$($t.Path)'" ($t.Result -eq $expected) "expected $expected, got $($t.Result): $($t.Message)"
}

foreach ($fixture in $fixtures) {
    $count = @($run.Tests | Where-Object File -EQ $fixture).Count
    Write-Check "fixture $([System.IO.Path]::GetFileName($fixture)) produced results" ($count -gt 0) 'no results: discovery found nothing'
}

function Test-Entry {
    param([string] $Path, [string] $Result, [string] $MessageLike = '*')

    $entry = $byPath[$Path]
    if ($null -eq $entry) {
        Write-Check "entry '$Path' exists" $false 'missing from the results'
        return
    }
    Write-Check "entry '$Path' is $Result with message like '$MessageLike'" ($entry.Result -eq $Result -and $entry.Message -like $MessageLike) "got $($entry.Result): $($entry.Message)"
}

# Failure messages, extra entries and expanded names.
Test-Entry 'Should > fails: -Be' 'Failed' 'Expected 2, but got 1.'
Test-Entry 'Should > fails: -Because is part of the message' 'Failed' '*because it matters*'
Test-Entry 'Should > fails: -Throw -ErrorId' 'Failed' '*KT.Other*'
Test-Entry 'Should > fails: -Throw -ExceptionType' 'Failed' '*System.ArgumentException*'
Test-Entry 'Should > fails: -Throw -ExpectedMessage' 'Failed' "*network*disk is full*"
Test-Entry 'Results > fails: a throwing It' 'Failed' 'boom'
Test-Entry 'Results > skips: Set-ItResult -Skipped' 'Skipped' '*not today*'
Test-Entry 'Broken BeforeAll > fails: first It of the block' 'Failed' 'BeforeAll failed: setup failed'
Test-Entry 'Broken BeforeAll > Nested > fails: It of a nested block' 'Failed' 'BeforeAll failed: setup failed'
Test-Entry 'Broken AfterAll > AfterAll' 'Failed' 'teardown failed'
Test-Entry 'Broken BeforeEach > fails: It after a broken BeforeEach' 'Failed' 'each failed'
Test-Entry 'Test cases > passes: 1 plus 2 is 3' 'Passed'
Test-Entry 'Test cases > passes: 2 plus 2 is 4' 'Passed'
Test-Entry 'Test cases > passes: item x through -ForEach' 'Passed'
Test-Entry 'Test cases > passes: item y through -ForEach' 'Passed'
Test-Entry 'Test cases > passes: nested template ann' 'Passed'
Test-Entry 'Test cases > fails: a failing case 1' 'Failed' 'Expected 2, but got 1.'
Test-Entry 'Block for alpha > passes: sees its data in BeforeAll and in the It' 'Passed'
Test-Entry 'Block for beta > passes: sees its data in BeforeAll and in the It' 'Passed'
Write-Check 'an empty -TestCases makes no test' (@($run.Tests | Where-Object Name -Like 'never:*').Count -eq 0) 'a test was made'

# What setup and teardown blocks ran.
$log = $global:MPSelfTestLog
Write-Check 'AfterAll runs after a failed BeforeAll' ($log.Contains('AfterAll after broken BeforeAll')) ($log -join ', ')
Write-Check 'AfterAll runs after a failed It' ($log.Contains('AfterAll after failing It')) ($log -join ', ')
Write-Check 'AfterEach runs after a failed BeforeEach' ($log.Contains('AfterEach after broken BeforeEach')) ($log -join ', ')
Write-Check 'no It body runs after a failed BeforeAll' (-not $log.Contains('It body after broken BeforeAll')) ($log -join ', ')
Write-Check 'no It body runs after a failed BeforeEach' (-not $log.Contains('It body after broken BeforeEach')) ($log -join ', ')
$order = 'BeforeEach outer|BeforeEach inner|It inner|AfterEach inner|AfterEach outer'
Write-Check 'BeforeEach outer first, AfterEach inner first' (($log -join '|').Contains($order)) ($log -join ', ')

# Counts and the JUnit report agree with the results.
$total = @($run.Tests).Count
Write-Check 'passed + failed + skipped = all results' ($run.Passed + $run.Failed + $run.Skipped -eq $total) "$($run.Passed)+$($run.Failed)+$($run.Skipped) vs $total"
try {
    $xml = [xml][System.IO.File]::ReadAllText($xmlPath)
    $suites = $xml.testsuites
    Write-Check 'JUnit report counts match' (
        [int]$suites.tests -eq $total -and [int]$suites.failures -eq $run.Failed -and [int]$suites.skipped -eq $run.Skipped) "tests=$($suites.tests) failures=$($suites.failures) skipped=$($suites.skipped)"
    Write-Check 'JUnit report has a testsuite per fixture' (@($suites.testsuite).Count -eq $fixtures.Count) "$(@($suites.testsuite).Count) suites"
    Write-Check 'JUnit report has a failure element per failed test' (@($xml.SelectNodes('//testcase/failure')).Count -eq $run.Failed) 'count differs'
}
catch {
    Write-Check 'JUnit report is readable XML' $false $_.Exception.Message
}
finally {
    [System.IO.File]::Delete($xmlPath)
}

# A spec file that fails while being discovered is a failure, not a crash.
$brokenSpec = [System.IO.Path]::Combine([System.IO.Path]::GetTempPath(), "minipester-broken-$PID.Tests.ps1")
[System.IO.File]::WriteAllText($brokenSpec, "Describe 'x' { It 'y' { } }`nthrow 'broken spec'`n")
try {
    $broken = Invoke-MiniPester -Path $brokenSpec -Quiet
    Write-Check 'a spec that throws during discovery is reported failed' (
        $broken.Failed -eq 1 -and @($broken.Tests)[0].Name -eq 'Discovery' -and @($broken.Tests)[0].Message -eq 'broken spec') "failed=$($broken.Failed)"
}
finally {
    [System.IO.File]::Delete($brokenSpec)
}

# ---- kt-pwsh itself ------------------------------------------------------------

if (-not $KtPwsh -and $Host.Name -eq 'kt-pwsh') { $KtPwsh = [Environment]::ProcessPath }

function Invoke-KtPwsh {
    param([string[]] $Arguments)

    $info = [System.Diagnostics.ProcessStartInfo]::new($KtPwsh)
    foreach ($a in $Arguments) { $info.ArgumentList.Add($a) }
    $info.RedirectStandardOutput = $true
    $info.RedirectStandardError = $true
    $info.RedirectStandardInput = $true
    $info.UseShellExecute = $false
    # Plain text so the checks need not strip colours.
    $info.Environment['NO_COLOR'] = '1'
    $process = [System.Diagnostics.Process]::Start($info)
    try {
        $process.StandardInput.Close()
        $stderr = $process.StandardError.ReadToEndAsync()
        $stdout = $process.StandardOutput.ReadToEnd()
        $process.WaitForExit()
        [pscustomobject]@{
            Code = $process.ExitCode
            Out  = @($stdout -split '\r?\n' | Where-Object { $_ -ne '' })
            Err  = $stderr.Result
        }
    }
    finally {
        $process.Dispose()
    }
}

$hostChecks = [System.IO.Path]::Combine($PSScriptRoot, 'HostFixtures')
if (-not $KtPwsh) {
    Write-Skip 'kt-pwsh host checks' "not running under kt-pwsh and no -KtPwsh given"
}
else {
    $r = Invoke-KtPwsh -Arguments '-File', "$hostChecks/Exit.ps1", '-Code', '7'
    Write-Check 'host: exit N sets the exit code' ($r.Code -eq 7 -and ($r.Out -join ',') -eq 'before') "code=$($r.Code) out=$($r.Out -join ',')"

    $r = Invoke-KtPwsh -Arguments '-File', "$hostChecks/Exit.ps1", '-Code', '0'
    Write-Check 'host: exit 0 is success' ($r.Code -eq 0) "code=$($r.Code)"

    $r = Invoke-KtPwsh -Arguments '-File', "$hostChecks/Throw.ps1"
    Write-Check 'host: a terminating error exits 1 and is shown on stderr' (
        $r.Code -eq 1 -and $r.Err -like '*ERROR: boom from script*Throw.ps1:3*') "code=$($r.Code) err=$($r.Err)"

    $r = Invoke-KtPwsh -Arguments '-File', "$hostChecks/NativeFailure.ps1"
    Write-Check 'host: a failed native command exits with its code' ($r.Code -eq 3 -and $r.Out.Count -eq 0) "code=$($r.Code) out=$($r.Out -join ',')"

    $r = Invoke-KtPwsh -Arguments '-File', "$hostChecks/NonTerminating.ps1"
    Write-Check 'host: a non-terminating error is shown and the script goes on' (
        $r.Code -eq 0 -and ($r.Out -join ',') -eq 'still running' -and $r.Err -like '*ERROR: Attempted to divide by zero*') "code=$($r.Code) err=$($r.Err)"

    $r = Invoke-KtPwsh -Arguments '-File', "$hostChecks/Arguments.ps1", '-Name', 'n', '-Flag', '-Count', '-3', 'x', 'y'
    Write-Check 'host: named, switch, negative and remaining arguments bind' (($r.Out -join ',') -eq 'Name=n|Flag=True|Count=-3|Rest=x,y') "got $($r.Out -join ',') $($r.Err)"

    $r = Invoke-KtPwsh -Arguments '-File', "$hostChecks/Arguments.ps1", 'pos', '-Flag:$false', '-cou', '2'
    Write-Check 'host: positional, -Switch:$false and prefix names bind' (($r.Out -join ',') -eq 'Name=pos|Flag=False|Count=2|Rest=') "got $($r.Out -join ',') $($r.Err)"

    $r = Invoke-KtPwsh -Arguments '-File', "$hostChecks/Streams.ps1"
    Write-Check 'host: pipeline output is rendered on stdout' (
        $r.Out -contains 'from the pipeline' -and ($r.Out -join "`n") -match 'lobby\s+2') "out=$($r.Out -join ' / ')"
    Write-Check 'host: warning and verbose go to stderr with prefixes' (
        $r.Err -like '*WARNING: careful*' -and $r.Err -like '*VERBOSE: details*' -and -not ($r.Out -match 'careful')) "err=$($r.Err)"

    $r = Invoke-KtPwsh -Arguments '-Command', 'exit 4'
    Write-Check 'host: -Command passes exit N through' ($r.Code -eq 4) "code=$($r.Code)"

    $r = Invoke-KtPwsh -Arguments '-Command', '"a" + "b";', '1 + 1'
    Write-Check 'host: -Command joins its arguments into one script' (($r.Out -join ',') -eq 'ab,2' -and $r.Code -eq 0) "code=$($r.Code) out=$($r.Out -join ',')"

    $r = Invoke-KtPwsh -Arguments '-File', "$hostChecks/Missing.ps1"
    Write-Check 'host: a missing script file is a usage error (64)' ($r.Code -eq 64) "code=$($r.Code)"

    # The runner end to end: tier lines and the exact summary line.
    $runner = [System.IO.Path]::Combine($PSScriptRoot, '..', 'Invoke-Specs.ps1')
    $r = Invoke-KtPwsh -Arguments '-File', $runner, '-Path', "$fixtureDir/Results.Fixture.ps1", '-TierName', 'selftest'
    Write-Check 'runner: per-test ok/not ok/SKIP lines' (
        $r.Out -contains 'ok 1 - Results > passes: an empty It' -and
        $r.Out -contains 'not ok 2 - Results > fails: a throwing It # boom' -and
        $r.Out -contains 'ok 4 - Results > skips: -Skip # SKIP') "out=$($r.Out -join ' / ')"
    Write-Check 'runner: skipped count line, then the summary line last' (
        $r.Out[-2] -eq '# 5 skipped' -and $r.Out[-1] -eq 'selftest: 2 passed, 2 failed') "last lines: $($r.Out[-2]) / $($r.Out[-1])"
    Write-Check 'runner: exits 1 when a test failed' ($r.Code -eq 1) "code=$($r.Code)"
}

[Console]::WriteLine("# $script:skipped skipped")
[Console]::WriteLine("pshost: $script:passed passed, $script:failed failed")
exit ([int]($script:failed -gt 0))
