# SPDX-License-Identifier: GPL-2.0
<#
.SYNOPSIS
Two bridges as thread jobs of one pwsh, for the bridge tier (tests/bridge/run.sh).

.DESCRIPTION
Starts Start-KernelTalkBridge for rooms tj-east (host hostC) and tj-west
(host hostD) with Start-ThreadJob, as a user bridging two rooms from one
session would, and writes every verbose and warning line of the jobs to
stdout as it comes ("hostC: VERBOSE: ..."). When the file -StopFile
appears it stops both jobs with Stop-Job, writes what they wrote last and
their states, and exits 0 if both stopped without an error.
#>
[CmdletBinding()]
param(
    [Parameter(Mandatory)] [string] $ModulePath,
    [Parameter(Mandatory)] [string] $Server,
    [Parameter(Mandatory)] [string] $Subject,
    [Parameter(Mandatory)] [string] $StopFile
)

$ErrorActionPreference = 'Stop'
Set-StrictMode -Version 3.0
Import-Module $ModulePath

$jobs = foreach ($bridge in @(@('tj-east', 'hostC'), @('tj-west', 'hostD'))) {
    Start-ThreadJob -Name $bridge[1] -ArgumentList $ModulePath, $bridge[0], $bridge[1], $Server, $Subject -ScriptBlock {
        param($module, $room, $hostName, $server, $subject)
        Import-Module $module
        Start-KernelTalkBridge -Room $room -Server $server -Subject $subject -HostName $hostName -Verbose
    }
}

# Each job's verbose and warning records from the index $seen on, as lines.
$seen = @{}
function Write-JobLine {
    foreach ($job in $jobs) {
        foreach ($stream in 'Verbose', 'Warning') {
            $records = $job.$stream
            $key = "$($job.Name) $stream"
            for ($i = [int]$seen[$key]; $i -lt $records.Count; $i++) {
                "$($job.Name): $($stream.ToUpperInvariant()): $($records[$i].Message)"
            }
            $seen[$key] = $records.Count
        }
    }
}

while (-not (Test-Path -LiteralPath $StopFile)) {
    Write-JobLine
    Start-Sleep -Milliseconds 500
}
$jobs | Stop-Job
Write-JobLine
$failed = $false
foreach ($job in $jobs) {
    "$($job.Name): state $($job.State)"
    foreach ($record in $job.Error) {
        "$($job.Name): ERROR: $record"
        $failed = $true
    }
    $failed = $failed -or $job.State -ne 'Stopped'
}
$jobs | Remove-Job
exit [int]$failed
