# The test tree that discovery builds and execution walks: a root block per
# spec file, Describe/Context blocks inside it, It tests as leaves.

function New-MPBlock {
    param(
        [string] $Name,
        [string] $Kind,
        [AllowNull()] [object] $Parent,
        [string] $File,
        [bool] $Skip = $false,
        [AllowNull()] [object] $Data = $null,
        [bool] $HasData = $false
    )

    [pscustomobject]@{
        Name       = $Name
        Kind       = $Kind
        Parent     = $Parent
        File       = $File
        Skip       = $Skip -or ($null -ne $Parent -and $Parent.Skip)
        Data       = $Data
        HasData    = $HasData
        # Tests and child blocks in declaration order: Pester 5 runs them so.
        Items      = [System.Collections.Generic.List[object]]::new()
        BeforeAll  = [System.Collections.Generic.List[scriptblock]]::new()
        AfterAll   = [System.Collections.Generic.List[scriptblock]]::new()
        BeforeEach = [System.Collections.Generic.List[scriptblock]]::new()
        AfterEach  = [System.Collections.Generic.List[scriptblock]]::new()
    }
}

function New-MPTest {
    param(
        [string] $Name,
        [object] $Block,
        [AllowNull()] [scriptblock] $ScriptBlock,
        [bool] $Skip,
        [AllowNull()] [object] $Data = $null,
        [bool] $HasData = $false
    )

    [pscustomobject]@{
        Name        = $Name
        Block       = $Block
        ScriptBlock = $ScriptBlock
        Skip        = $Skip -or $Block.Skip -or $null -eq $ScriptBlock
        Data        = $Data
        HasData     = $HasData
        Result      = 'NotRun'
        Message     = ''
        Details     = ''
        Duration    = [TimeSpan]::Zero
    }
}

# "Describe > Context > It": the name used in the ok/not ok lines.
function Get-MPPath {
    param([object] $Node)

    $names = [System.Collections.Generic.List[string]]::new()
    $names.Add($Node.Name)
    $b = if ($Node.PSObject.Properties['Block']) { $Node.Block } else { $Node.Parent }
    for (; $null -ne $b; $b = $b.Parent) {
        if ($b.Kind -ne 'Root') { $names.Insert(0, $b.Name) }
    }
    $names -join ' > '
}

# All tests under a block, depth first in declaration order.
function Get-MPTests {
    param([object] $Block)

    foreach ($item in $Block.Items) {
        if ($item.PSObject.Properties['Items']) { Get-MPTests $item } else { $item }
    }
}

# Pester 5 name templates: <name> is a key of the test case hashtable (or a
# property of the item, dotted paths allowed), <_> is the item itself.
function Expand-MPName {
    param([string] $Name, [AllowNull()] [object] $Data, [bool] $HasData)

    if (-not $HasData) { return $Name }
    [regex]::Replace($Name, '<([^<>]+)>', {
            param($m)
            $path = $m.Groups[1].Value
            if ($path -eq '_') { return "$Data" }
            $value = $Data
            foreach ($part in $path.Split('.')) {
                if ($part -eq '_') { continue }
                if ($value -is [System.Collections.IDictionary]) {
                    if (-not $value.Contains($part)) { return $m.Value }
                    $value = $value[$part]
                }
                elseif ($null -ne $value -and $value.PSObject.Properties[$part]) {
                    $value = $value.$part
                }
                else {
                    return $m.Value
                }
            }
            "$value"
        })
}
