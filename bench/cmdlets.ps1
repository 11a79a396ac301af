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
posts while Receive reads (`kt-bench post`).

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

# Starts `kt-bench VERB ROOM N`; with -WaitReady returns once it printed "ready".
function Start-Helper([string] $Verb, [int] $N, [switch] $WaitReady) {
    $info = [Diagnostics.ProcessStartInfo]::new($Helper)
    foreach ($a in $Verb, $Room, "$N") { $info.ArgumentList.Add($a) }
    $info.RedirectStandardOutput = $true
    $process = [Diagnostics.Process]::Start($info)
    if ($WaitReady -and $process.StandardOutput.ReadLine() -ne 'ready') {
        throw "kt-bench $Verb did not start (exit $($process.ExitCode))."
    }
    $process
}

function Wait-Helper([Diagnostics.Process] $Process) {
    $Process.WaitForExit()
    if ($Process.ExitCode -ne 0) { throw "kt-bench helper failed with exit code $($Process.ExitCode)." }
    $Process.Dispose()
}

# Seconds one measurement of $N items takes.
function Measure-Case([string] $Name, [int] $N) {
    $watch = [Diagnostics.Stopwatch]::new()
    switch ($Name) {
        'ForEach-Object {}' {
            $watch.Start(); 1..$N | ForEach-Object {}; $watch.Stop()
        }
        'Write-Output | Out-Null' {
            $watch.Start(); 1..$N | Write-Output | Out-Null; $watch.Stop()
        }
        'Set-Content' {
            $watch.Start(); 1..$N | Set-Content -Path $File; $watch.Stop()
        }
        'Get-Content' {
            $watch.Start(); Get-Content -Path $File | Out-Null; $watch.Stop()
        }
        'Send-KernelTalkMessage' {
            $drain = Start-Helper drain $N -WaitReady
            $watch.Start(); 1..$N | Send-KernelTalkMessage -Room $Room; $watch.Stop()
            Wait-Helper $drain
        }
        'Send-KernelTalkMessage -Text' {
            # The same posts with the pipeline's binding of one item each left out.
            $lines = [string[]](1..$N)
            $drain = Start-Helper drain $N -WaitReady
            $watch.Start(); Send-KernelTalkMessage -Room $Room -Text $lines; $watch.Stop()
            Wait-Helper $drain
        }
        'Receive-KernelTalkMessage -Raw' {
            # Joined before the poster starts: a member sees only later posts.
            $session = Connect-KernelTalk -Room $Room
            try {
                $post = Start-Helper post $N
                $watch.Start(); Receive-KernelTalkMessage -Session $session -Count $N -Raw | Out-Null; $watch.Stop()
                Wait-Helper $post
            }
            finally { Disconnect-KernelTalk -Session $session }
        }
    }
    $watch.Elapsed.TotalSeconds
}

# kt-bench's CSV row: median, min and max of $Values.
function Format-Row([string] $Kind, [string] $Subject, [string] $Peer, [string] $Unit, [double[]] $Values) {
    $sorted = $Values | Sort-Object
    $n = $sorted.Count
    $median = ($sorted[[math]::Floor(($n - 1) / 2)] + $sorted[[math]::Floor($n / 2)]) / 2
    $figures = $median, $sorted[0], $sorted[-1] | ForEach-Object { $_.ToString('G4', $Invariant) }
    (@($Kind, 'cmdlets', "$Count lines", $Subject, $Peer, $Unit, 'higher') + $figures + "$n") -join ','
}

$cases = 'ForEach-Object {}', 'Write-Output | Out-Null', 'Set-Content', 'Get-Content',
'Send-KernelTalkMessage', 'Send-KernelTalkMessage -Text', 'Receive-KernelTalkMessage -Raw'
# Each cmdlet against its floor and its file equivalent; Send also against
# itself given all lines at once, which tells the binding of a pipeline item
# from the post (bench/README.md).
$pairs = @(
    @('Send-KernelTalkMessage', 'ForEach-Object {}'), @('Send-KernelTalkMessage', 'Set-Content'),
    @('Send-KernelTalkMessage', 'Send-KernelTalkMessage -Text'),
    @('Receive-KernelTalkMessage -Raw', 'Write-Output | Out-Null'), @('Receive-KernelTalkMessage -Raw', 'Get-Content'))

try {
    # Warm-up: the first runs of each pipeline pay for JIT compilation.
    foreach ($case in $cases) { $null = Measure-Case $case ([math]::Max(1, [int]($Count / 10))) }
    $rates = @{}
    foreach ($case in $cases) { $rates[$case] = [Collections.Generic.List[double]]::new() }
    for ($rep = 1; $rep -le $Repetitions; $rep++) {
        foreach ($case in $cases) { $rates[$case].Add($Count / (Measure-Case $case $Count)) }
        Write-Host "cmdlets: repetition $rep/$Repetitions"
    }
    $rows = foreach ($pair in $pairs) {
        $subject, $peer = $pair
        $ratios = for ($i = 0; $i -lt $Repetitions; $i++) { $rates[$subject][$i] / $rates[$peer][$i] }
        Format-Row 'ratio' $subject $peer 'x' $ratios
    }
    $rows += foreach ($case in $cases) { Format-Row 'value' $case '' 'items/s' $rates[$case] }
    Set-Content -Path $OutFile -Value $rows
}
finally { Remove-Item -Path $File -ErrorAction Ignore }
