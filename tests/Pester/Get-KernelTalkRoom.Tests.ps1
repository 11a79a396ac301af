# SPDX-License-Identifier: GPL-2.0
# Get-KernelTalkRoom and -Room completion against the real device (run inside the VM).

BeforeAll {
    . (Join-Path $PSScriptRoot 'TestHelpers.ps1')
    $Id = 'KernelTalk.Commands.GetKernelTalkRoomCommand'
}

Describe 'Get-KernelTalkRoom' {
    BeforeEach { Skip-WithoutDevice }

    It 'Should list a room with its counters' {
        $room = New-TestRoom
        $s = Connect-KernelTalk -Room $room
        try {
            'a', 'bb' | Send-KernelTalkMessage -Room $room
            $r = Get-KernelTalkRoom -Name $room
            $r | Should -BeOfType ([KernelTalk.Room])
            $r.Name | Should -BeExactly $room
            $r.Members | Should -Be 1
            $r.Messages | Should -Be 2
            $r.Posted | Should -Be 2
            # What the two messages cost is the kernel's to count: the
            # listing and the session's INFO must agree on it.
            $r.UsedBytes | Should -BeGreaterThan 0
            $r.UsedBytes | Should -Be (Get-KernelTalkRoom -Session $s).UsedBytes
            $r.Policy | Should -Be 'Block'
            $r.Capacity | Should -Be (Get-ModuleParameter 'capacity')
            $r.MaxMessage | Should -Be (Get-ModuleParameter 'max_msg')
        }
        finally { Disconnect-KernelTalk $s }
    }

    It 'Should list every room without -Name' {
        $room = New-TestRoom
        'x' | Send-KernelTalkMessage -Room $room
        @(Get-KernelTalkRoom | Where-Object Name -eq $room) | Should -HaveCount 1
    }

    It 'Should filter by wildcard' {
        $prefix = New-TestRoom
        'x' | Send-KernelTalkMessage -Room "$prefix-a"
        'x' | Send-KernelTalkMessage -Room "$prefix-b"
        @(Get-KernelTalkRoom -Name "$prefix-*") | Should -HaveCount 2
    }

    It 'Should write RoomNotFound for a name that matches nothing' {
        { Get-KernelTalkRoom -Name 'no-such-room-here' -ErrorAction Stop } | Should -Throw -ErrorId "RoomNotFound,$Id"
    }

    It 'Should show a default room with its node identity' {
        $s = Connect-KernelTalk
        try {
            $defaults = @(Get-KernelTalkRoom -Name '(default)')
            $defaults.Count | Should -BeGreaterThan 0
            $defaults[0].IsDefault | Should -BeTrue
            $defaults[0].Device | Should -Match '^\d+:\d+$'
            $defaults[0].Inode | Should -BeGreaterThan 0
        }
        finally { Disconnect-KernelTalk $s }
    }

    It 'Should describe a session''s room with its sequence range' {
        $room = New-TestRoom
        $s = Connect-KernelTalk -Room $room
        try {
            1..3 | ForEach-Object { "m$_" } | Send-KernelTalkMessage -Room $room
            $r = Get-KernelTalkRoom -Session $s
            $r.Name | Should -BeExactly $room
            $r.FirstSequence | Should -Be 1
            $r.NextSequence | Should -Be 4
            $r.Messages | Should -Be 3
        }
        finally { Disconnect-KernelTalk $s }
    }

    It 'Should complete -Room of <Command> from the live rooms' -ForEach @(
        @{ Command = 'Send-KernelTalkMessage' }
        @{ Command = 'Receive-KernelTalkMessage' }
        @{ Command = 'Connect-KernelTalk' }
    ) {
        $room = New-TestRoom
        'x' | Send-KernelTalkMessage -Room $room
        $line = "$Command -Room $($room.Substring(0, 10))"
        $completion = [System.Management.Automation.CommandCompletion]::CompleteInput($line, $line.Length, $null)
        ($completion.CompletionMatches | ForEach-Object CompletionText) | Should -Contain $room
    }
}
