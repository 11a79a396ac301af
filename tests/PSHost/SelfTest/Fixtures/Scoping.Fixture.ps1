# MiniPester self-test fixture: Pester 5 scoping of setup variables.
BeforeAll { $fileLevel = 'file' }

Describe 'Scoping' {
    BeforeAll { $outer = 'outer' }
    BeforeEach {
        $global:MPSelfTestLog.Add('BeforeEach outer')
        $each = 'outer-each'
    }
    AfterEach { $global:MPSelfTestLog.Add('AfterEach outer') }

    # Runs during discovery only; Pester 5 Its do not see it.
    $discoveryOnly = 'discovery'

    It 'passes: sees BeforeAll and file-level BeforeAll variables' {
        $outer | Should -Be 'outer'
        $fileLevel | Should -Be 'file'
    }
    It 'passes: sees BeforeEach variables' { $each | Should -Be 'outer-each' }
    It 'passes: does not see variables of the Describe body' {
        $ExecutionContext.SessionState.PSVariable.Get('discoveryOnly') | Should -BeNullOrEmpty
    }
    It 'passes: changes a BeforeAll variable locally' {
        $outer = 'changed'
        $leak = 'leak'
        "$outer$leak" | Should -Be 'changedleak'
    }
    It 'passes: the previous It changed nothing here' {
        $outer | Should -Be 'outer'
        $ExecutionContext.SessionState.PSVariable.Get('leak') | Should -BeNullOrEmpty
    }

    Context 'Inner' {
        BeforeAll { $inner = "$outer+inner" }
        BeforeEach {
            $global:MPSelfTestLog.Add('BeforeEach inner')
            $each = 'inner-each'
        }
        AfterEach { $global:MPSelfTestLog.Add('AfterEach inner') }

        It 'passes: sees outer and inner BeforeAll variables' { $inner | Should -Be 'outer+inner' }
        It 'passes: the inner BeforeEach runs after the outer one' {
            $global:MPSelfTestLog.Add('It inner')
            $each | Should -Be 'inner-each'
        }
    }

    It 'passes: inner BeforeAll variables are not visible outside the Context' {
        $ExecutionContext.SessionState.PSVariable.Get('inner') | Should -BeNullOrEmpty
    }
}

Describe 'Second Describe' {
    It 'passes: does not see the first block''s BeforeAll variables' {
        $ExecutionContext.SessionState.PSVariable.Get('outer') | Should -BeNullOrEmpty
        $fileLevel | Should -Be 'file'
    }
}
