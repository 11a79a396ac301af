# Invoke-MiniPester: discover and run spec files, report, return counts.

function Invoke-MiniPester {
    <#
    .SYNOPSIS
    Runs Pester 5 spec files with the MiniPester subset.
    .DESCRIPTION
    Discovers each file (running Describe/Context bodies), then runs the
    tests with Pester 5 scoping. Prints "ok N - Describe > It" lines as tests
    complete (unless -Quiet) and returns an object with Passed, Failed,
    Skipped and Tests. It does not print a summary line: the caller knows
    which tier it is running.
    .PARAMETER Path
    Spec files (*.Tests.ps1) to run, in order.
    .PARAMETER ResultPath
    Where to write a JUnit XML report; nothing is written when omitted.
    .PARAMETER Quiet
    Do not print per-test lines (used by MiniPester's own tests).
    #>
    [CmdletBinding()]
    param(
        [Parameter(Mandatory)] [string[]] $Path,
        [string] $ResultPath,
        [switch] $Quiet
    )

    # Spec script blocks belong to the caller's session state (the specs
    # run there, not inside this module); the pusher is a script block of
    # that session state whose only job is to open a child scope in it.
    $callerState = $PSCmdlet.SessionState
    $pusher = $callerState.InvokeCommand.InvokeScript(
        $callerState, [scriptblock]::Create('{ param($__mpBody) & $__mpBody }'), @())[0]

    $previous = $script:MPState
    $script:MPState = @{
        SessionState = $callerState
        Pusher       = $pusher
        Current      = $null
        Results      = [System.Collections.Generic.List[object]]::new()
        Number       = 0
        Quiet        = $Quiet.IsPresent
    }
    $clock = [System.Diagnostics.Stopwatch]::StartNew()
    try {
        # Discovery of every file first, as Pester 5 does.
        $roots = [System.Collections.Generic.List[object]]::new()
        foreach ($file in $Path) {
            $full = [System.IO.Path]::GetFullPath($file)
            $root = New-MPBlock -Name $full -Kind 'Root' -Parent $null -File $full
            $script:MPState.Current = $root
            try {
                $null = & $pusher $full
                $roots.Add($root)
            }
            catch {
                Add-MPBlockFailure $root 'Discovery' $_
            }
            finally {
                $script:MPState.Current = $null
            }
        }

        foreach ($root in $roots) { Invoke-MPBlock $root }

        $tests = $script:MPState.Results.ToArray()
        if ($ResultPath) { Export-MPJUnit -Path $ResultPath -Tests $tests -Elapsed $clock.Elapsed }

        [pscustomobject]@{
            Passed   = @($tests | Where-Object Result -EQ 'Passed').Count
            Failed   = @($tests | Where-Object Result -EQ 'Failed').Count
            Skipped  = @($tests | Where-Object Result -EQ 'Skipped').Count
            Duration = $clock.Elapsed
            Tests    = @($tests | ForEach-Object {
                    [pscustomobject]@{ Path = Get-MPPath $_; Name = $_.Name; Result = $_.Result; Message = $_.Message; File = $_.Block.File }
                })
        }
    }
    finally {
        $script:MPState = $previous
    }
}
