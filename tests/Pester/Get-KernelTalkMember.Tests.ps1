# SPDX-License-Identifier: GPL-2.0
# Get-KernelTalkMember against the real device (run inside the VM).

BeforeAll {
    . (Join-Path $PSScriptRoot 'TestHelpers.ps1')
    $Id = 'KernelTalk.Commands.GetKernelTalkMemberCommand'
}

Describe 'Get-KernelTalkMember' {
    Context 'With the device' {
        BeforeEach { Skip-WithoutDevice }

        It 'Should list a session''s room in join order, itself marked' {
            $room = New-TestRoom
            $reader = Connect-KernelTalk -Room $room -NoEcho
            $writer = Connect-KernelTalk -Room $room -SendOnly
            try {
                'one', 'two' | Send-KernelTalkMessage -Session $writer
                $members = @($writer | Get-KernelTalkMember)
                $members | Should -HaveCount 2
                $members[0].IsReader | Should -BeTrue
                $members[0].IsWriter | Should -BeTrue
                $members[0].IsNoEcho | Should -BeTrue
                $members[0].IsSelf | Should -BeFalse
                $members[0].Unread | Should -Be 2
                $members[1].IsReader | Should -BeFalse
                $members[1].IsSelf | Should -BeTrue
                $members[1].Unread | Should -Be 0
                $members | ForEach-Object {
                    $_.Room | Should -BeExactly $room
                    $_.Pid | Should -Be $PID
                    $_.Uid | Should -Be 0
                    $_.UserName | Should -BeExactly 'root'
                    $_.Process | Should -BeExactly (Get-ProcessComm)
                    ([DateTimeOffset]::Now - $_.Joined).TotalMinutes | Should -BeLessThan 5
                }
                $members[0].Joined | Should -BeLessOrEqual $members[1].Joined
            }
            finally { $reader, $writer | Disconnect-KernelTalk }
        }

        It 'Should list a room by name without its own member' {
            $room = New-TestRoom
            $s = Connect-KernelTalk -Room $room
            try {
                $members = @(Get-KernelTalkMember -Room $room)
                $members | Should -HaveCount 1
                $members[0].IsSelf | Should -BeFalse
                $members[0].IsReader | Should -BeTrue
            }
            finally { Disconnect-KernelTalk $s }
        }

        It 'Should grow its buffer past the count it started with' {
            $room = New-TestRoom
            $sessions = foreach ($i in 1..40) { Connect-KernelTalk -Room $room -SendOnly }
            try { @(Get-KernelTalkMember -Room $room) | Should -HaveCount 40 }
            finally { $sessions | Disconnect-KernelTalk }
        }

        It 'Should show a table with the access column' {
            $s = Connect-KernelTalk -Room (New-TestRoom)
            try {
                $table = $s | Get-KernelTalkMember | Out-String -Width 120
                $table | Should -Match 'User\s+Pid\s+Process\s+Access\s+Unread\s+Joined'
                $table | Should -Match 'rw \*'
            }
            finally { Disconnect-KernelTalk $s }
        }

        It 'Should write RoomAccessDenied for a room whose mode gives no write permission' {
            $room = New-TestRoom
            $script = "`$s = New-KernelTalkRoom -Name $room -Mode 0400 -ErrorAction Stop; " +
                "try { Get-KernelTalkMember -Room $room -ErrorAction Stop } catch { `$_.FullyQualifiedErrorId } finally { `$s | Disconnect-KernelTalk }"
            $out = Invoke-Unprivileged $script
            $out | Should -BeExactly "RoomAccessDenied,$Id"
        }
    }

    It 'Should write DeviceNotFound for a missing device' {
        { Get-KernelTalkMember -Path /dev/kerneltalk-missing -ErrorAction Stop } | Should -Throw -ErrorId "DeviceNotFound,$Id"
    }
}
