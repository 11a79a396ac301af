# MiniPester self-test fixture: every Should operator, holding and failing,
# plain and with -Not.
Describe 'Should' {
    BeforeAll {
        function Invoke-Bad {
            [CmdletBinding()]
            param()
            $PSCmdlet.ThrowTerminatingError([System.Management.Automation.ErrorRecord]::new(
                    [System.InvalidOperationException]::new('bad thing'), 'KT.Bad',
                    [System.Management.Automation.ErrorCategory]::InvalidOperation, $null))
        }
    }

    It 'passes: -Be' {
        1 | Should -Be 1
        'abc' | Should -Be 'ABC'
        @(1, 2) | Should -Be @(1, 2)
        $null | Should -Be $null
        Should -ActualValue 3 -Be 3
    }
    It 'fails: -Be' { 1 | Should -Be 2 }
    It 'fails: -Be on arrays of different length' { @(1, 2) | Should -Be @(1, 2, 3) }
    It 'passes: -Not -Be' { 1 | Should -Not -Be 2 }
    It 'fails: -Not -Be' { 1 | Should -Not -Be 1 }

    It 'passes: -BeExactly' { 'abc' | Should -BeExactly 'abc' }
    It 'fails: -BeExactly' { 'abc' | Should -BeExactly 'ABC' }
    It 'passes: -Not -BeExactly' { 'abc' | Should -Not -BeExactly 'ABC' }
    It 'fails: -Not -BeExactly' { 'abc' | Should -Not -BeExactly 'abc' }

    It 'passes: -BeNullOrEmpty' {
        $null | Should -BeNullOrEmpty
        '' | Should -BeNullOrEmpty
        @() | Should -BeNullOrEmpty
    }
    It 'fails: -BeNullOrEmpty' { 'x' | Should -BeNullOrEmpty }
    It 'passes: -Not -BeNullOrEmpty' { 'x' | Should -Not -BeNullOrEmpty }
    It 'fails: -Not -BeNullOrEmpty' { $null | Should -Not -BeNullOrEmpty }

    It 'passes: -BeTrue' { $true | Should -BeTrue; 1 | Should -BeTrue }
    It 'fails: -BeTrue' { $false | Should -BeTrue }
    It 'passes: -Not -BeTrue' { $false | Should -Not -BeTrue }
    It 'fails: -Not -BeTrue' { $true | Should -Not -BeTrue }

    It 'passes: -BeFalse' { $false | Should -BeFalse; 0 | Should -BeFalse }
    It 'fails: -BeFalse' { $true | Should -BeFalse }
    It 'passes: -Not -BeFalse' { $true | Should -Not -BeFalse }
    It 'fails: -Not -BeFalse' { $false | Should -Not -BeFalse }

    It 'passes: -Match' { 'abbc' | Should -Match 'b+c'; 'ABC' | Should -Match 'abc' }
    It 'fails: -Match' { 'abc' | Should -Match '^x' }
    It 'passes: -Not -Match' { 'abc' | Should -Not -Match '^x' }
    It 'fails: -Not -Match' { 'abc' | Should -Not -Match 'b' }

    It 'passes: -Contain' { @(1, 2, 3) | Should -Contain 2 }
    It 'fails: -Contain' { @(1, 2, 3) | Should -Contain 5 }
    It 'passes: -Not -Contain' { @(1, 2, 3) | Should -Not -Contain 5 }
    It 'fails: -Not -Contain' { @(1, 2, 3) | Should -Not -Contain 2 }

    It 'passes: -HaveCount' { @(1, 2, 3) | Should -HaveCount 3; @() | Should -HaveCount 0 }
    It 'fails: -HaveCount' { @(1, 2, 3) | Should -HaveCount 2 }
    It 'passes: -Not -HaveCount' { @(1, 2) | Should -Not -HaveCount 3 }
    It 'fails: -Not -HaveCount' { @(1, 2) | Should -Not -HaveCount 2 }

    It 'passes: -BeGreaterThan' { 5 | Should -BeGreaterThan 4 }
    It 'fails: -BeGreaterThan' { 4 | Should -BeGreaterThan 4 }
    It 'passes: -Not -BeGreaterThan' { 4 | Should -Not -BeGreaterThan 4 }
    It 'fails: -Not -BeGreaterThan' { 5 | Should -Not -BeGreaterThan 4 }

    It 'passes: -BeLessThan' { 3 | Should -BeLessThan 4 }
    It 'fails: -BeLessThan' { 4 | Should -BeLessThan 4 }
    It 'passes: -Not -BeLessThan' { 4 | Should -Not -BeLessThan 4 }
    It 'fails: -Not -BeLessThan' { 3 | Should -Not -BeLessThan 4 }

    It 'passes: -BeOfType' {
        1 | Should -BeOfType [int]
        'x' | Should -BeOfType ([string])
        [System.IO.FileNotFoundException]::new() | Should -BeOfType [System.IO.IOException]
    }
    It 'fails: -BeOfType' { 'x' | Should -BeOfType [int] }
    It 'passes: -Not -BeOfType' { 'x' | Should -Not -BeOfType [int] }
    It 'fails: -Not -BeOfType' { 1 | Should -Not -BeOfType [int] }

    It 'passes: -BeLike' { 'hello' | Should -BeLike 'H*o' }
    It 'fails: -BeLike' { 'hello' | Should -BeLike 'x*' }
    It 'passes: -Not -BeLike' { 'hello' | Should -Not -BeLike 'x*' }
    It 'fails: -Not -BeLike' { 'hello' | Should -Not -BeLike 'h*' }

    It 'passes: -BeIn' { 2 | Should -BeIn 1, 2, 3 }
    It 'fails: -BeIn' { 5 | Should -BeIn 1, 2, 3 }
    It 'passes: -Not -BeIn' { 5 | Should -Not -BeIn 1, 2, 3 }
    It 'fails: -Not -BeIn' { 2 | Should -Not -BeIn 1, 2, 3 }

    It 'passes: -Throw' { { throw 'boom' } | Should -Throw }
    It 'fails: -Throw' { { } | Should -Throw }
    It 'passes: -Not -Throw' { { } | Should -Not -Throw }
    It 'fails: -Not -Throw' { { throw 'boom' } | Should -Not -Throw }

    It 'passes: -Throw -ExpectedMessage with a wildcard, named and positional' {
        { throw 'disk is full' } | Should -Throw -ExpectedMessage 'disk*full'
        { throw 'disk is full' } | Should -Throw 'disk is*'
    }
    It 'fails: -Throw -ExpectedMessage' { { throw 'disk is full' } | Should -Throw -ExpectedMessage 'network*' }

    It 'passes: -Throw -ErrorId, short and fully qualified' {
        { Invoke-Bad } | Should -Throw -ErrorId 'KT.Bad'
        { Invoke-Bad } | Should -Throw -ErrorId 'KT.Bad,Invoke-Bad'
    }
    It 'fails: -Throw -ErrorId' { { Invoke-Bad } | Should -Throw -ErrorId 'KT.Other' }

    It 'passes: -Throw -ExceptionType, also for a derived type' {
        { Invoke-Bad } | Should -Throw -ExceptionType ([System.InvalidOperationException])
        { throw [System.IO.FileNotFoundException]::new('gone') } | Should -Throw -ExceptionType ([System.IO.IOException])
    }
    It 'fails: -Throw -ExceptionType' { { Invoke-Bad } | Should -Throw -ExceptionType ([System.ArgumentException]) }

    It 'passes: -Throw -PassThru returns the error' {
        $err = { Invoke-Bad } | Should -Throw -PassThru
        $err.Exception.Message | Should -Be 'bad thing'
    }
    It 'passes: the script block of -Throw sees the It''s variables' {
        $local = 'mine'
        { throw $local } | Should -Throw -ExpectedMessage 'mine'
    }

    It 'fails: -Because is part of the message' { 1 | Should -Be 2 -Because 'it matters' }
    It 'fails: Should without an operator' { 1 | Should }
    It 'passes: a failing Should can itself be asserted' { { 1 | Should -Be 2 } | Should -Throw -ErrorId 'PesterAssertionFailed' }
}
