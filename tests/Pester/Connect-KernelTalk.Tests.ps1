# SPDX-License-Identifier: GPL-2.0
# Connect-KernelTalk and Disconnect-KernelTalk against the real device (run inside the VM).

BeforeAll {
    . (Join-Path $PSScriptRoot 'TestHelpers.ps1')
    $Id = 'KernelTalk.Commands.ConnectKernelTalkCommand'
}

Describe 'Connect-KernelTalk' {
    Context 'With the device' {
        BeforeEach { Skip-WithoutDevice }

        It 'Should return an open session in the named room' {
            $room = New-TestRoom
            $s = Connect-KernelTalk -Room $room
            try {
                $s | Should -BeOfType ([KernelTalk.Session])
                $s.IsOpen | Should -BeTrue
                $s.Room | Should -BeExactly $room
                $s.Path | Should -BeExactly '/dev/kerneltalk'
                $s.MaxMessage | Should -Be (Get-ModuleParameter 'max_msg')
                (Get-KernelTalkRoom -Name $room).Members | Should -Be 1
            }
            finally { Disconnect-KernelTalk $s }
        }

        It 'Should join the node''s default room without -Room' {
            $s = Connect-KernelTalk
            try {
                $s.Room | Should -BeExactly ''
                (Get-KernelTalkRoom -Session $s).IsDefault | Should -BeTrue
            }
            finally { Disconnect-KernelTalk $s }
        }

        It 'Should give sessions distinct ids' {
            $a = Connect-KernelTalk -Room (New-TestRoom)
            $b = Connect-KernelTalk -Room (New-TestRoom)
            try { $a.Id | Should -Not -Be $b.Id }
            finally { $a, $b | Disconnect-KernelTalk }
        }

        It 'Should set the room policy with -Policy <Policy>' -ForEach @(
            @{ Policy = 'Overwrite' }
            @{ Policy = 'Block' }
        ) {
            $room = New-TestRoom
            $s = Connect-KernelTalk -Room $room -Policy $Policy
            try { (Get-KernelTalkRoom -Session $s).Policy | Should -Be $Policy }
            finally { Disconnect-KernelTalk $s }
        }

        It 'Should start at the oldest retained message with -History' {
            $room = New-TestRoom
            'kept' | Send-KernelTalkMessage -Room $room
            $s = Connect-KernelTalk -Room $room -History
            try { (Receive-KernelTalkMessage -Session $s -NoWait).Text | Should -BeExactly 'kept' }
            finally { Disconnect-KernelTalk $s }
        }

        It 'Should write DeviceAccessDenied, pointing at group and mode, for a user the node shuts out' {
            # Root passes any mode.  A second pwsh in a new user namespace with
            # no uid mapping keeps its file access as root's owner (so it can
            # load the module from any checkout) but loses DAC override for
            # files of other users: a 0600 node owned by uid 1 shuts it out.
            $node = Join-Path $TestDrive 'kt-private'
            $major, $minor = (Get-Content /sys/class/misc/kerneltalk/dev).Split(':')
            & mknod -m 0600 $node c $major $minor
            & chown 1:1 $node
            $script = "Import-Module '$RootManifest'; try { Connect-KernelTalk -Path '$node' -ErrorAction Stop } catch { `$_.FullyQualifiedErrorId; `$_.CategoryInfo.Category; `$_.ErrorDetails.RecommendedAction }"
            $out = & unshare --user (Get-PwshPath) -NoProfile -NonInteractive -Command $script
            $out[0] | Should -Be "DeviceAccessDenied,$Id"
            $out[1] | Should -Be 'PermissionDenied'
            $out[2] | Should -Match 'group'
        }
    }

    It 'Should reject a bad room name' {
        { Connect-KernelTalk -Room 'no way' } | Should -Throw -ErrorId "ParameterArgumentValidationError,$Id"
    }

    It 'Should write DeviceNotFound for a missing device' {
        { Connect-KernelTalk -Path /dev/kerneltalk-missing -ErrorAction Stop } | Should -Throw -ErrorId "DeviceNotFound,$Id"
    }

    It 'Should write NotKernelTalkDevice for /dev/null' {
        { Connect-KernelTalk -Path /dev/null -ErrorAction Stop } | Should -Throw -ErrorId "NotKernelTalkDevice,$Id"
    }

    It 'Should leave no descriptor open after a failed connect' {
        $before = Get-FdCount
        foreach ($i in 1..50) {
            try { $null = Connect-KernelTalk -Path /dev/null -ErrorAction Stop } catch { }
        }
        (Get-FdCount) - $before | Should -BeLessOrEqual 2
    }
}

Describe 'Disconnect-KernelTalk' {
    BeforeEach { Skip-WithoutDevice }

    It 'Should close the session and free its membership' {
        $room = New-TestRoom
        $s = Connect-KernelTalk -Room $room
        'keep room alive' | Send-KernelTalkMessage -Room $room
        $s | Disconnect-KernelTalk
        $s.IsOpen | Should -BeFalse
        (Get-KernelTalkRoom -Name $room).Members | Should -Be 0
    }

    It 'Should accept an already closed session' {
        $s = Connect-KernelTalk -Room (New-TestRoom)
        Disconnect-KernelTalk $s
        { Disconnect-KernelTalk $s } | Should -Not -Throw
    }

    It 'Should release the descriptor of every session' {
        $before = Get-FdCount
        # One room: named rooms are capped at three quarters of max_rooms (96 of 128).
        $room = New-TestRoom
        $sessions = foreach ($i in 1..100) { Connect-KernelTalk -Room $room }
        $sessions | Disconnect-KernelTalk
        (Get-FdCount) - $before | Should -BeLessOrEqual 2
    }
}
