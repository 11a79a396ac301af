# The run phase, with Pester 5 scoping. Each block and each test gets a new
# scope in the spec's session state (opened by the pusher), nested like the
# blocks: BeforeAll is dot-sourced into the block's scope, so its variables
# are visible to every It of the block and of blocks inside it; BeforeEach,
# the It body and AfterEach share the test's scope.

function Invoke-MPBlock {
    param([object] $Block)

    $state = $script:MPState
    $tests = @(Get-MPTests $Block)
    # Pester 5 does not run setup for a block with nothing to run.
    if (@($tests | Where-Object { -not $_.Skip }).Count -eq 0) {
        foreach ($test in $tests) { Complete-MPTest $test 'Skipped' }
        return
    }

    $null = & $state.Pusher {
        Set-MPDataVariables $Block
        $setupError = $null
        foreach ($setup in $Block.BeforeAll) {
            try { $null = . $setup }
            catch { $setupError = $_; break }
        }

        if ($null -ne $setupError) {
            # A broken BeforeAll fails every test it was meant to serve.
            foreach ($test in $tests) {
                if ($test.Skip) { Complete-MPTest $test 'Skipped' }
                else { Complete-MPTest $test 'Failed' -ErrorRecord $setupError -Prefix 'BeforeAll failed: ' }
            }
        }
        else {
            foreach ($item in $Block.Items) {
                if ($item.PSObject.Properties['Items']) { Invoke-MPBlock $item }
                else { Invoke-MPTest $item }
            }
        }

        # AfterAll runs even after failures, so resources are released.
        foreach ($teardown in $Block.AfterAll) {
            try { $null = . $teardown }
            catch { Add-MPBlockFailure $Block 'AfterAll' $_ }
        }
    }
}

function Invoke-MPTest {
    param([object] $Test)

    if ($Test.Skip) {
        Complete-MPTest $Test 'Skipped'
        return
    }

    # Outermost block first for BeforeEach; AfterEach runs innermost first.
    $chain = [System.Collections.Generic.List[object]]::new()
    for ($b = $Test.Block; $null -ne $b; $b = $b.Parent) { $chain.Insert(0, $b) }

    $state = $script:MPState
    $null = & $state.Pusher {
        Set-MPDataVariables $Test
        $failure = $null
        $clock = [System.Diagnostics.Stopwatch]::StartNew()
        try {
            foreach ($b in $chain) {
                foreach ($setup in $b.BeforeEach) { $null = . $setup }
            }
            $null = . $Test.ScriptBlock
        }
        catch {
            $failure = $_
        }

        for ($i = $chain.Count - 1; $i -ge 0; $i--) {
            foreach ($teardown in $chain[$i].AfterEach) {
                try { $null = . $teardown }
                catch { if ($null -eq $failure) { $failure = $_ } }
            }
        }

        $Test.Duration = $clock.Elapsed
        if ($null -eq $failure) {
            Complete-MPTest $Test 'Passed'
        }
        elseif ($failure.FullyQualifiedErrorId -like 'MiniPester.ItResult*') {
            Complete-MPTest $Test 'Skipped' -Reason $failure.Exception.Message
        }
        else {
            Complete-MPTest $Test 'Failed' -ErrorRecord $failure
        }
    }
}

# Records a failure that belongs to a block rather than a test (AfterAll, or
# a spec file that failed discovery), as a failed entry of its own.
function Add-MPBlockFailure {
    param([object] $Block, [string] $What, [System.Management.Automation.ErrorRecord] $ErrorRecord)

    $entry = New-MPTest -Name $What -Block $Block -ScriptBlock {} -Skip $false
    Complete-MPTest $entry 'Failed' -ErrorRecord $ErrorRecord
}

function Complete-MPTest {
    param(
        [object] $Test,
        [ValidateSet('Passed', 'Failed', 'Skipped')] [string] $Result,
        [System.Management.Automation.ErrorRecord] $ErrorRecord,
        [string] $Prefix = '',
        [string] $Reason = ''
    )

    $state = $script:MPState
    $Test.Result = $Result
    if ($null -ne $ErrorRecord) {
        $Test.Message = $Prefix + $ErrorRecord.Exception.Message
        $Test.Details = Format-MPErrorDetails $ErrorRecord
    }
    elseif ($Reason) {
        $Test.Message = $Reason
    }

    $state.Number++
    $state.Results.Add($Test)
    Write-MPTestLine -Number $state.Number -Test $Test
}
