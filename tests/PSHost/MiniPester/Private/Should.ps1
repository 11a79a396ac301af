# Should and its operators. Each operator is a small function returning
# $true when the plain (not negated) assertion holds; Should applies -Not,
# builds Pester-like messages and fails the test with an ErrorRecord whose
# position is the Should call in the spec.

function Format-MPValue {
    param([AllowNull()] [object] $Value)

    if ($null -eq $Value) { return '$null' }
    if ($Value -is [string]) { return "'$Value'" }
    if ($Value -is [bool]) { return "`$$($Value.ToString().ToLowerInvariant())" }
    if ($Value -is [scriptblock]) { return "{$Value}" }
    if ($Value -is [type]) { return "[$($Value.FullName)]" }
    if ($Value -is [System.Collections.IDictionary]) { return "@{$(@($Value.Keys | ForEach-Object { "$_=$(Format-MPValue $Value[$_])" }) -join '; ')}" }
    if ($Value -is [System.Collections.IEnumerable]) { return "@($(@($Value | ForEach-Object { Format-MPValue $_ }) -join ', '))" }
    "$Value"
}

function Test-MPIsCollection {
    param([AllowNull()] [object] $Value)
    $Value -is [System.Collections.IEnumerable] -and $Value -isnot [string] -and $Value -isnot [System.Collections.IDictionary]
}

# Pester's equality: collections element by element, scalars with -eq (so
# case-insensitive for strings), or -ceq for -BeExactly.
function Test-MPEqual {
    param([AllowNull()] [object] $Expected, [AllowNull()] [object] $Actual, [bool] $CaseSensitive)

    if ((Test-MPIsCollection $Expected) -or (Test-MPIsCollection $Actual)) {
        $e = @($Expected)
        $a = @($Actual)
        if ($e.Count -ne $a.Count) { return $false }
        for ($i = 0; $i -lt $e.Count; $i++) {
            if (-not (Test-MPEqual $e[$i] $a[$i] $CaseSensitive)) { return $false }
        }
        return $true
    }
    if ($null -eq $Expected -or $null -eq $Actual) { return $null -eq $Expected -and $null -eq $Actual }
    if ($CaseSensitive) { return [bool]($Expected -ceq $Actual) }
    [bool]($Expected -eq $Actual)
}

function Test-MPNullOrEmpty {
    param([AllowNull()] [object] $Value)

    if ($null -eq $Value) { return $true }
    if ($Value -is [string]) { return $Value.Length -eq 0 }
    if ($Value -is [System.Collections.ICollection]) { return $Value.Count -eq 0 }
    $false
}

# Runs the script block of -Throw and returns the error it raised, or $null.
function Invoke-MPThrowingBlock {
    param([scriptblock] $ScriptBlock)

    try {
        $null = & $ScriptBlock
    }
    catch {
        return $_
    }
    $null
}

function Should {
    [CmdletBinding()]
    param(
        [Parameter(ValueFromPipeline)] [AllowNull()] [object] $ActualValue,
        [Parameter(Position = 0)] [Alias('Expected', 'RegularExpression', 'ExpectedType')] [AllowNull()] [object] $ExpectedValue,
        [switch] $Not,
        [switch] $Be,
        [switch] $BeExactly,
        [switch] $BeNullOrEmpty,
        [switch] $BeTrue,
        [switch] $BeFalse,
        [switch] $Match,
        [switch] $MatchExactly,
        [switch] $Contain,
        [switch] $HaveCount,
        [switch] $BeGreaterThan,
        [switch] $BeLessThan,
        [switch] $BeGreaterOrEqual,
        [switch] $BeLessOrEqual,
        [switch] $BeOfType,
        [switch] $BeLike,
        [switch] $BeLikeExactly,
        [switch] $BeIn,
        [switch] $Throw,
        [string] $ExpectedMessage,
        [string] $ErrorId,
        [type] $ExceptionType,
        [string] $Because,
        [switch] $PassThru
    )

    begin {
        $explicitActual = $PSBoundParameters.ContainsKey('ActualValue')
        $inputs = [System.Collections.Generic.List[object]]::new()
    }

    process {
        if (-not $explicitActual) { $inputs.Add($ActualValue) }
    }

    end {
        # Pipeline input as Pester sees it: one item as itself, several (or
        # none) as an array.
        $actual = $ActualValue
        if (-not $explicitActual) {
            $actual = if ($inputs.Count -eq 1) { $inputs[0] } else { , $inputs.ToArray() }
        }

        $operators = @('Be', 'BeExactly', 'BeNullOrEmpty', 'BeTrue', 'BeFalse', 'Match', 'MatchExactly',
            'Contain', 'HaveCount', 'BeGreaterThan', 'BeLessThan', 'BeGreaterOrEqual', 'BeLessOrEqual',
            'BeOfType', 'BeLike', 'BeLikeExactly', 'BeIn', 'Throw') | Where-Object { $PSBoundParameters.ContainsKey($_) }
        if (@($operators).Count -ne 1) {
            throw "Should needs exactly one operator (-Be, -Throw, ...); got: $(@($operators) -join ', ')"
        }
        $operator = @($operators)[0]

        $because = if ($Because) { " because $Because," } else { '' }
        $expected = $ExpectedValue
        $shown = Format-MPValue $actual
        $ok = $false
        $message = ''
        switch ($operator) {
            'Be' {
                $ok = Test-MPEqual $expected $actual $false
                $message = if ($Not) { "Expected $(Format-MPValue $expected) to be different from the actual value,$because but got the same value." }
                else { "Expected $(Format-MPValue $expected),$because but got $shown." }
            }
            'BeExactly' {
                $ok = Test-MPEqual $expected $actual $true
                $message = if ($Not) { "Expected $(Format-MPValue $expected) to be different (case-sensitive),$because but got the same value." }
                else { "Expected exactly $(Format-MPValue $expected),$because but got $shown." }
            }
            'BeNullOrEmpty' {
                $ok = Test-MPNullOrEmpty $actual
                $message = if ($Not) { "Expected a value,$because but got `$null or empty." }
                else { "Expected `$null or empty,$because but got $shown." }
            }
            'BeTrue' {
                $ok = [bool]$actual
                $message = if ($Not) { "Expected `$false,$because but got $shown." } else { "Expected `$true,$because but got $shown." }
            }
            'BeFalse' {
                $ok = -not [bool]$actual
                $message = if ($Not) { "Expected `$true,$because but got $shown." } else { "Expected `$false,$because but got $shown." }
            }
            { $_ -in 'Match', 'MatchExactly' } {
                $ok = if ($operator -eq 'Match') { [bool]($actual -match $expected) } else { [bool]($actual -cmatch $expected) }
                $message = if ($Not) { "Expected regular expression $(Format-MPValue $expected) to not match $shown,$because but it did match." }
                else { "Expected regular expression $(Format-MPValue $expected) to match $shown,$because but it did not match." }
            }
            'Contain' {
                $ok = @($actual) -contains $expected
                $message = if ($Not) { "Expected $(Format-MPValue $expected) to not be found in collection $shown,$because but it was found." }
                else { "Expected $(Format-MPValue $expected) to be found in collection $shown,$because but it was not found." }
            }
            'HaveCount' {
                $count = if ($null -eq $actual) { 0 } else { @($actual).Count }
                $ok = $count -eq $expected
                $message = if ($Not) { "Expected a collection with size different from $expected,$because but got collection with that size $shown." }
                else { "Expected a collection with size $expected,$because but got collection with size $count $shown." }
            }
            'BeGreaterThan' {
                $ok = [bool]($actual -gt $expected)
                $message = if ($Not) { "Expected the actual value to be less than or equal to $(Format-MPValue $expected),$because but got $shown." }
                else { "Expected the actual value to be greater than $(Format-MPValue $expected),$because but got $shown." }
            }
            'BeLessThan' {
                $ok = [bool]($actual -lt $expected)
                $message = if ($Not) { "Expected the actual value to be greater than or equal to $(Format-MPValue $expected),$because but got $shown." }
                else { "Expected the actual value to be less than $(Format-MPValue $expected),$because but got $shown." }
            }
            'BeGreaterOrEqual' {
                $ok = [bool]($actual -ge $expected)
                $message = if ($Not) { "Expected the actual value to be less than $(Format-MPValue $expected),$because but got $shown." }
                else { "Expected the actual value to be greater than or equal to $(Format-MPValue $expected),$because but got $shown." }
            }
            'BeLessOrEqual' {
                $ok = [bool]($actual -le $expected)
                $message = if ($Not) { "Expected the actual value to be greater than $(Format-MPValue $expected),$because but got $shown." }
                else { "Expected the actual value to be less than or equal to $(Format-MPValue $expected),$because but got $shown." }
            }
            'BeOfType' {
                # `Should -BeOfType [int]` passes the text "[int]" in command mode.
                $type = if ($expected -is [type]) { $expected } else { [type]([string]$expected).Trim('[', ']') }
                $ok = $actual -is $type
                $actualType = if ($null -eq $actual) { '$null' } else { "[$($actual.GetType().FullName)]" }
                $message = if ($Not) { "Expected the value to not have type [$($type.FullName)] or any of its subtypes,$because but got $shown with type $actualType." }
                else { "Expected the value to have type [$($type.FullName)] or any of its subtypes,$because but got $shown with type $actualType." }
            }
            { $_ -in 'BeLike', 'BeLikeExactly' } {
                $ok = if ($operator -eq 'BeLike') { [bool]($actual -like $expected) } else { [bool]($actual -clike $expected) }
                $message = if ($Not) { "Expected like wildcard $(Format-MPValue $expected) to not match $shown,$because but it did match." }
                else { "Expected like wildcard $(Format-MPValue $expected) to match $shown,$because but it did not match." }
            }
            'BeIn' {
                $ok = @($expected) -contains $actual
                $message = if ($Not) { "Expected collection $(Format-MPValue $expected) to not contain $shown,$because but it was found." }
                else { "Expected collection $(Format-MPValue $expected) to contain $shown,$because but it was not found." }
            }
            'Throw' {
                if ($actual -isnot [scriptblock]) {
                    throw "Should -Throw needs a script block as the actual value, got $shown."
                }
                $thrown = Invoke-MPThrowingBlock $actual
                $thrownText = if ($null -ne $thrown) { Format-MPValue $thrown.Exception.Message } else { '' }
                if ($Not) {
                    # -Not -Throw only asks whether anything was thrown.
                    $ok = $null -eq $thrown
                    $message = "Expected no exception to be thrown,$because but an exception $thrownText was thrown."
                    break
                }
                $wantMessage = if ($ExpectedMessage) { $ExpectedMessage } elseif ($null -ne $expected) { [string]$expected } else { '' }
                if ($null -eq $thrown) {
                    $ok = $false
                    $message = "Expected an exception to be thrown,$because but no exception was thrown."
                }
                elseif ($ExceptionType -and $thrown.Exception -isnot $ExceptionType) {
                    $ok = $false
                    $message = "Expected an exception of type [$($ExceptionType.FullName)] to be thrown,$because but got [$($thrown.Exception.GetType().FullName)]: $thrownText."
                }
                elseif ($wantMessage -and $thrown.Exception.Message -notlike $wantMessage) {
                    $ok = $false
                    $message = "Expected an exception with message like $(Format-MPValue $wantMessage) to be thrown,$because but the message was $thrownText."
                }
                elseif ($ErrorId -and $thrown.FullyQualifiedErrorId -notlike "*$ErrorId*") {
                    $ok = $false
                    $message = "Expected an exception with FullyQualifiedErrorId $(Format-MPValue $ErrorId) to be thrown,$because but it was $(Format-MPValue $thrown.FullyQualifiedErrorId)."
                }
                else {
                    $ok = $true
                }
                if ($ok -and $PassThru) { $thrown }
            }
        }

        if ($Not -and $operator -ne 'Throw') { $ok = -not $ok }
        if (-not $ok) {
            $record = [System.Management.Automation.ErrorRecord]::new(
                [System.Exception]::new($message), 'PesterAssertionFailed',
                [System.Management.Automation.ErrorCategory]::InvalidResult, $actual)
            $PSCmdlet.ThrowTerminatingError($record)
        }
    }
}

# Ends the running It with a result other than passed/failed (Pester 5:
# Set-ItResult -Skipped/-Inconclusive/-Pending); all count as skipped here.
function Set-ItResult {
    [CmdletBinding()]
    param(
        [switch] $Skipped,
        [switch] $Inconclusive,
        [switch] $Pending,
        [string] $Because
    )

    $kind = if ($Inconclusive) { 'inconclusive' } elseif ($Pending) { 'pending' } else { 'skipped' }
    $text = if ($Because) { "$kind, because $Because" } else { $kind }
    $record = [System.Management.Automation.ErrorRecord]::new(
        [System.Exception]::new($text), "MiniPester.ItResult.$kind",
        [System.Management.Automation.ErrorCategory]::NotSpecified, $null)
    $PSCmdlet.ThrowTerminatingError($record)
}
