# SPDX-License-Identifier: GPL-2.0
<#
.SYNOPSIS
The KernelTalk cmdlets' cost per message against the pipeline's own floor.

.DESCRIPTION
In one pwsh, with the module loaded on this machine (in the VM: run by
bench/run.sh): `1..N | Send-KernelTalkMessage` and
`Receive-KernelTalkMessage -Raw` draining N messages into Out-Null, against
`1..N | ForEach-Object {}` and `1..N | Write-Output | Out-Null` (what any
pipeline of N items costs) and against Set-Content/Get-Content of the same
lines in a file under /tmp; and Send given all N lines at once
(`Send-KernelTalkMessage -Text $lines`: the same posts without the binding
of a pipeline item each). A room holds about a thousand such messages, so
a kt-bench helper process receives while Send posts (`kt-bench drain`) and
posts while Receive reads (`kt-bench post`). Send runs once more with that
reader at idle priority (`chrt --idle 0`): it then runs only when Send
waits for space, instead of preempting Send at each post, which tells
Send's own cost from the context switches a woken reader costs it. The
context switches per item of every case (the `ctxt` count of /proc/stat)
are reported too.

Each figure is the median of the repetitions with min and max, ratios
(cmdlet / peer in the same repetition, items per second) first; the rows are
appended to the CSV in kt-bench's format (bench/README.md).

.PARAMETER OutFile
The CSV to write (rows only, no header: bench/run.sh adds kt-bench's).

.PARAMETER Count
Lines per measurement.

.PARAMETER Repetitions
Repetitions of every measurement, after one warm-up round of Count/10.

.PARAMETER ModulePath
The built module folder (out/KernelTalk, made by ./build.sh Build).

.EXAMPLE
pwsh -NoProfile -File bench/cmdlets.ps1 -OutFile /tmp/cmdlets.csv
#>
[CmdletBinding()]
param(
    [Parameter(Mandatory)]
    [string] $OutFile,

    [ValidateRange(1, [int]::MaxValue)]
    [int] $Count = 100000,

    [ValidateRange(1, 31)]
    [int] $Repetitions = 5,

    [string] $ModulePath = (Join-Path $PSScriptRoot '../out/KernelTalk')
)

$ErrorActionPreference = 'Stop'
Set-StrictMode -Version 3.0
Import-Module $ModulePath

$Helper = Join-Path $PSScriptRoot 'kt-bench'
$Room = 'kt-bench-c'
$File = Join-Path ([IO.Path]::GetTempPath()) "kt-bench-$PID.txt"
$Invariant = [cultureinfo]::InvariantCulture

# Starts `kt-bench VERB ROOM N` (with -Idle at idle priority, SCHED_IDLE)
# and returns once it is ready to start.
function Start-Helper([string] $Verb, [int] $N, [switch] $Idle) {
    $command = @($Helper, $Verb, $Room, "$N")
    if ($Idle) { $command = @('chrt', '--idle', '0') + $command }
    $info = [Diagnostics.ProcessStartInfo]::new($command[0])
    foreach ($a in $command[1..($command.Count - 1)]) { $info.ArgumentList.Add($a) }
    $info.RedirectStandardInput = $true
    $info.RedirectStandardOutput = $true
    $process = [Diagnostics.Process]::Start($info)
    if ($process.StandardOutput.ReadLine() -ne 'ready') {
        throw "kt-bench $Verb did not start (exit $($process.ExitCode))."
    }
    $process
}

# Waits for the helper; its CPU seconds (its last line, "cpu SECONDS") go to
# $script:HelperCpu.
function Wait-Helper([Diagnostics.Process] $Process) {
    $output = $Process.StandardOutput.ReadToEnd()
    $Process.WaitForExit()
    if ($Process.ExitCode -ne 0) { throw "kt-bench helper failed with exit code $($Process.ExitCode)." }
    $Process.Dispose()
    if ($output -notmatch '(?m)^cpu (\S+)$') { throw "kt-bench helper did not report its CPU time: '$output'" }
    $script:HelperCpu = [double]::Parse($Matches[1], $Invariant)
}

# Times $Pipeline while a kt-bench helper does the other half (VERB drain or
# post): the helper starts its work as the clock starts.
function Measure-WithHelper([string] $Verb, [int] $N, [scriptblock] $Pipeline, [switch] $Idle) {
    $process = Start-Helper $Verb $N -Idle:$Idle
    $watch = [Diagnostics.Stopwatch]::StartNew()
    $process.StandardInput.WriteLine('go')
    & $Pipeline
    $watch.Stop()
    Wait-Helper $process
    $watch.Elapsed.TotalSeconds
}

# The machine's context switches so far.
function Get-ContextSwitches {
    foreach ($line in [IO.File]::ReadLines('/proc/stat')) {
        if ($line.StartsWith('ctxt ')) { return [long]$line.Substring(5) }
    }
    throw '/proc/stat has no ctxt line.'
}

# Seconds one measurement of $N items takes; the context switches during it
# go to $script:CaseSwitches, a helper's CPU seconds to $script:HelperCpu.
function Measure-Case([string] $Name, [int] $N) {
    $watch = [Diagnostics.Stopwatch]::new()
    $script:HelperCpu = 0
    $before = Get-ContextSwitches
    $seconds = switch ($Name) {
        'ForEach-Object {}' {
            $watch.Start(); 1..$N | ForEach-Object {}; $watch.Stop(); $watch.Elapsed.TotalSeconds
        }
        'Write-Output | Out-Null' {
            $watch.Start(); 1..$N | Write-Output | Out-Null; $watch.Stop(); $watch.Elapsed.TotalSeconds
        }
        'Set-Content' {
            $watch.Start(); 1..$N | Set-Content -Path $File; $watch.Stop(); $watch.Elapsed.TotalSeconds
        }
        'Get-Content' {
            $watch.Start(); Get-Content -Path $File | Out-Null; $watch.Stop(); $watch.Elapsed.TotalSeconds
        }
        'Send-KernelTalkMessage' {
            Measure-WithHelper drain $N { 1..$N | Send-KernelTalkMessage -Room $Room }
        }
        'Send-KernelTalkMessage (reader at idle priority)' {
            Measure-WithHelper drain $N { 1..$N | Send-KernelTalkMessage -Room $Room } -Idle
        }
        'Send-KernelTalkMessage -Text' {
            # The same posts with the pipeline's binding of one item each left out.
            $lines = [string[]](1..$N)
            Measure-WithHelper drain $N { Send-KernelTalkMessage -Room $Room -Text $lines }
        }
        'Receive-KernelTalkMessage -Raw' {
            # Joined before the poster starts: a member sees only later posts.
            $session = Connect-KernelTalk -Room $Room
            try { Measure-WithHelper post $N { Receive-KernelTalkMessage -Session $session -Count $N -Raw | Out-Null } }
            finally { Disconnect-KernelTalk -Session $session }
        }
    }
    $script:CaseSwitches = (Get-ContextSwitches) - $before
    $seconds
}

# kt-bench's CSV row: median, min and max of $Values.
function Format-Row([string] $Kind, [string] $Subject, [string] $Peer, [string] $Unit, [double[]] $Values,
    [string] $Better = 'higher') {
    $sorted = $Values | Sort-Object
    $n = $sorted.Count
    $median = ($sorted[[math]::Floor(($n - 1) / 2)] + $sorted[[math]::Floor($n / 2)]) / 2
    $figures = $median, $sorted[0], $sorted[-1] | ForEach-Object { $_.ToString('G4', $Invariant) }
    (@($Kind, 'cmdlets', "$Count lines", $Subject, $Peer, $Unit, $Better) + $figures + "$n") -join ','
}

$cases = 'ForEach-Object {}', 'Write-Output | Out-Null', 'Set-Content', 'Get-Content',
'Send-KernelTalkMessage', 'Send-KernelTalkMessage (reader at idle priority)', 'Send-KernelTalkMessage -Text',
'Receive-KernelTalkMessage -Raw'
# The same measurements again with the helper's CPU time taken off the
# seconds: on one CPU the helper's work is timed with the cmdlet's.
$OwnSuffix = " (helper's CPU time left out)"
$helped = 'Send-KernelTalkMessage', 'Receive-KernelTalkMessage -Raw'
# Each cmdlet against its floor and its file equivalent; Send also against
# itself given all lines at once, which tells the binding of a pipeline item
# from the post, and with a reader that does not preempt it (bench/README.md).
$pairs = @(
    @('Send-KernelTalkMessage', 'ForEach-Object {}'), @('Send-KernelTalkMessage', 'Set-Content'),
    @('Send-KernelTalkMessage', 'Send-KernelTalkMessage -Text'),
    @('Send-KernelTalkMessage (reader at idle priority)', 'ForEach-Object {}'),
    @("Send-KernelTalkMessage$OwnSuffix", 'ForEach-Object {}'),
    @('Receive-KernelTalkMessage -Raw', 'Write-Output | Out-Null'), @('Receive-KernelTalkMessage -Raw', 'Get-Content'),
    @("Receive-KernelTalkMessage -Raw$OwnSuffix", 'Write-Output | Out-Null'))

try {
    # Warm-up: the first runs of each pipeline pay for JIT compilation.
    foreach ($case in $cases) { $null = Measure-Case $case ([math]::Max(1, [int]($Count / 10))) }
    $rated = $cases + ($helped | ForEach-Object { "$_$OwnSuffix" })
    $rates = @{}
    $perItemSwitches = @{}
    foreach ($case in $rated) { $rates[$case] = [Collections.Generic.List[double]]::new() }
    foreach ($case in $cases) { $perItemSwitches[$case] = [Collections.Generic.List[double]]::new() }
    for ($rep = 1; $rep -le $Repetitions; $rep++) {
        foreach ($case in $cases) {
            $seconds = Measure-Case $case $Count
            $rates[$case].Add($Count / $seconds)
            $perItemSwitches[$case].Add($script:CaseSwitches / $Count)
            if ($case -in $helped) { $rates["$case$OwnSuffix"].Add($Count / ($seconds - $script:HelperCpu)) }
        }
        Write-Host "cmdlets: repetition $rep/$Repetitions"
    }
    $rows = foreach ($pair in $pairs) {
        $subject, $peer = $pair
        $ratios = for ($i = 0; $i -lt $Repetitions; $i++) { $rates[$subject][$i] / $rates[$peer][$i] }
        Format-Row 'ratio' $subject $peer 'x' $ratios
    }
    $rows += foreach ($case in $rated) { Format-Row 'value' $case '' 'items/s' $rates[$case] }
    $rows += foreach ($case in $cases) { Format-Row 'value' $case '' 'switches/item' $perItemSwitches[$case] 'lower' }
    Set-Content -Path $OutFile -Value $rows
}
finally { Remove-Item -Path $File -ErrorAction Ignore }
