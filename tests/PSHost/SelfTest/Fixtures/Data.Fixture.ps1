# MiniPester self-test fixture: -TestCases / -ForEach and name templates.
Describe 'Test cases' {
    It 'passes: <a> plus <b> is <sum>' -TestCases @(
        @{ a = 1; b = 2; sum = 3 }
        @{ a = 2; b = 2; sum = 4 }
    ) {
        $a + $b | Should -Be $sum
    }
    It 'passes: item <_> through -ForEach' -ForEach @('x', 'y') { $_ | Should -BeIn @('x', 'y') }
    It 'passes: nested template <user.name>' -TestCases @(@{ user = @{ name = 'ann' } }) { $user.name | Should -Be 'ann' }
    It 'fails: a failing case <n>' -TestCases @(@{ n = 1 }) { $n | Should -Be 2 }
    It 'never: an empty -TestCases makes no test' -TestCases @() { throw 'never runs' }
}

Describe 'Block for <name>' -ForEach @(@{ name = 'alpha' }, @{ name = 'beta' }) {
    BeforeAll { $seen = $name }
    It 'passes: sees its data in BeforeAll and in the It' { $seen | Should -Be $name }
}
