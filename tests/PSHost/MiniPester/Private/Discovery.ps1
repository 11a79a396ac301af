# Discovery: running a spec file calls these functions, which build the test
# tree. As in Pester 5, Describe/Context bodies run now (in their own scope)
# and It bodies, BeforeAll and friends are only recorded for the run phase.

function Get-MPCurrentBlock {
    param([string] $Caller)

    $state = $script:MPState
    if ($null -eq $state -or $null -eq $state.Current) {
        throw "$Caller can only be used inside a spec file run by Invoke-MiniPester (inside Describe or at its top level)."
    }
    $state.Current
}

# Makes a node's data visible as Pester 5 does: $_ is the item, and the keys
# of a hashtable item are variables too. Sets them in the spec's current
# scope, which the caller has just pushed.
function Set-MPDataVariables {
    param([object] $Node)

    if (-not $Node.HasData) { return }
    $variables = $script:MPState.SessionState.PSVariable
    $variables.Set('_', $Node.Data)
    if ($Node.Data -is [System.Collections.IDictionary]) {
        foreach ($key in $Node.Data.Keys) { $variables.Set([string]$key, $Node.Data[$key]) }
    }
}

function Add-MPBlock {
    param(
        [string] $Kind,
        [string] $Name,
        [AllowNull()] [scriptblock] $Fixture,
        [bool] $Skip,
        [bool] $HasData,
        [AllowNull()] [object[]] $Data
    )

    $state = $script:MPState
    $parent = Get-MPCurrentBlock -Caller $Kind
    # Without -ForEach there is one block with no data; with it, one per item.
    # (Assigned, not returned from an if: output would unroll the one $null.)
    $items = [object[]]@($null)
    if ($HasData) { $items = $Data }
    foreach ($item in $items) {
        $block = New-MPBlock -Name (Expand-MPName $Name $item $HasData) -Kind $Kind -Parent $parent `
            -File $parent.File -Skip $Skip -Data $item -HasData $HasData
        $parent.Items.Add($block)
        if ($null -eq $Fixture) { continue }
        $state.Current = $block
        try {
            # The pusher opens a child scope in the spec's session state, so
            # variables of this body stay in it, like Pester 5's discovery.
            $null = & $state.Pusher {
                Set-MPDataVariables $block
                . $Fixture
            }
        }
        finally {
            $state.Current = $parent
        }
    }
}

function Describe {
    [CmdletBinding()]
    param(
        [Parameter(Mandatory, Position = 0)] [string] $Name,
        [Parameter(Position = 1)] [scriptblock] $Fixture,
        [Alias('Tags')] [string[]] $Tag,
        [switch] $Skip,
        [Alias('TestCases')] [AllowNull()] [object[]] $ForEach
    )

    Add-MPBlock -Kind 'Describe' -Name $Name -Fixture $Fixture -Skip $Skip.IsPresent `
        -HasData $PSBoundParameters.ContainsKey('ForEach') -Data $ForEach
}

function Context {
    [CmdletBinding()]
    param(
        [Parameter(Mandatory, Position = 0)] [string] $Name,
        [Parameter(Position = 1)] [scriptblock] $Fixture,
        [Alias('Tags')] [string[]] $Tag,
        [switch] $Skip,
        [Alias('TestCases')] [AllowNull()] [object[]] $ForEach
    )

    Add-MPBlock -Kind 'Context' -Name $Name -Fixture $Fixture -Skip $Skip.IsPresent `
        -HasData $PSBoundParameters.ContainsKey('ForEach') -Data $ForEach
}

function It {
    [CmdletBinding()]
    param(
        [Parameter(Mandatory, Position = 0)] [string] $Name,
        [Parameter(Position = 1)] [scriptblock] $Test,
        [Alias('TestCases')] [AllowNull()] [object[]] $ForEach,
        [Alias('Tags')] [string[]] $Tag,
        [switch] $Skip
    )

    $block = Get-MPCurrentBlock -Caller 'It'
    $hasData = $PSBoundParameters.ContainsKey('ForEach')
    $items = [object[]]@($null)
    if ($hasData) { $items = $ForEach }
    foreach ($item in $items) {
        # An It without a body is pending in Pester 5: reported as skipped.
        $block.Items.Add((New-MPTest -Name (Expand-MPName $Name $item $hasData) -Block $block `
                    -ScriptBlock $Test -Skip $Skip.IsPresent -Data $item -HasData $hasData))
    }
}

function BeforeAll {
    param([Parameter(Mandatory, Position = 0)] [scriptblock] $Scriptblock)
    (Get-MPCurrentBlock -Caller 'BeforeAll').BeforeAll.Add($Scriptblock)
}

function AfterAll {
    param([Parameter(Mandatory, Position = 0)] [scriptblock] $Scriptblock)
    (Get-MPCurrentBlock -Caller 'AfterAll').AfterAll.Add($Scriptblock)
}

function BeforeEach {
    param([Parameter(Mandatory, Position = 0)] [scriptblock] $Scriptblock)
    (Get-MPCurrentBlock -Caller 'BeforeEach').BeforeEach.Add($Scriptblock)
}

function AfterEach {
    param([Parameter(Mandatory, Position = 0)] [scriptblock] $Scriptblock)
    (Get-MPCurrentBlock -Caller 'AfterEach').AfterEach.Add($Scriptblock)
}

# Runs at once, in the spec's scope, so its variables can feed -ForEach.
function BeforeDiscovery {
    param([Parameter(Mandatory, Position = 0)] [scriptblock] $Scriptblock)
    $null = Get-MPCurrentBlock -Caller 'BeforeDiscovery'
    . $Scriptblock
}
