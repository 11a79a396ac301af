# MiniPester self-test fixture: how outcomes are reported. The prefix of each
# It name ("passes:", "fails:", "skips:") is the outcome the driver expects.
Describe 'Results' {
    It 'passes: an empty It' { }
    It 'fails: a throwing It' { throw 'boom' }
    It 'fails: a failing Should' { 1 | Should -Be 2 }
    It 'skips: -Skip' -Skip { throw 'a skipped It must not run' }
    It 'skips: an It without a body'
    It 'skips: Set-ItResult -Skipped' {
        Set-ItResult -Skipped -Because 'not today'
        throw 'not reached'
    }
    It 'passes: the next It still runs after a failure' { }
}

Describe 'Skipped Describe' -Skip {
    BeforeAll { throw 'setup of a skipped block must not run' }
    It 'skips: every It of a skipped Describe' { }
    Context 'Inner' {
        It 'skips: and of the blocks inside it' { }
    }
}
