# MiniPester self-test fixture: failures in setup and teardown blocks.
# $global:MPSelfTestLog is a list the driver reads to check what ran.
Describe 'Broken BeforeAll' {
    BeforeAll {
        $global:MPSelfTestLog.Add('BeforeAll broken')
        throw 'setup failed'
    }
    AfterAll { $global:MPSelfTestLog.Add('AfterAll after broken BeforeAll') }
    It 'fails: first It of the block' { $global:MPSelfTestLog.Add('It body after broken BeforeAll') }
    It 'fails: second It of the block' { }
    Context 'Nested' {
        It 'fails: It of a nested block' { }
    }
}

Describe 'AfterAll after failures' {
    AfterAll { $global:MPSelfTestLog.Add('AfterAll after failing It') }
    It 'fails: a failing It' { throw 'x' }
}

Describe 'Broken AfterAll' {
    AfterAll { throw 'teardown failed' }
    It 'passes: the It itself' { }
}

Describe 'Broken BeforeEach' {
    BeforeEach { throw 'each failed' }
    AfterEach { $global:MPSelfTestLog.Add('AfterEach after broken BeforeEach') }
    It 'fails: It after a broken BeforeEach' { $global:MPSelfTestLog.Add('It body after broken BeforeEach') }
}

Describe 'Broken AfterEach' {
    AfterEach { throw 'after each failed' }
    It 'fails: a passing It whose AfterEach fails' { }
}
