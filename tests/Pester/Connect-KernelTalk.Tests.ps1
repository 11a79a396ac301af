# SPDX-License-Identifier: GPL-2.0
# Connect-KernelTalk and Disconnect-KernelTalk against the real device (run inside the VM).

BeforeAll {
    . ([System.IO.Path]::Combine($PSScriptRoot, 'TestHelpers.ps1'))
    $Id = 'KernelTalk.Commands.ConnectKernelTalkCommand'
}

Describe 'Connect-KernelTalk' {
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

    It 'Should reject a bad room name' {
        { Connect-KernelTalk -Room 'no way' } | Should -Throw -ErrorId "ParameterArgumentValidationError,$Id"
    }

    It 'Should throw DeviceNotFound for a missing device' {
        { Connect-KernelTalk -Path /dev/kerneltalk-missing } | Should -Throw -ErrorId "DeviceNotFound,$Id"
    }

    It 'Should throw NotKernelTalkDevice for /dev/null' {
        { Connect-KernelTalk -Path /dev/null } | Should -Throw -ErrorId "NotKernelTalkDevice,$Id"
    }

    It 'Should throw DeviceAccessDenied, pointing at group and mode, for a user the node shuts out' {
        # Root passes any mode.  A second host in a new user namespace with
        # no uid mapping keeps its file access as root's owner (so it can
        # load the module from any checkout) but loses DAC override for
        # files of other users: a 0600 node owned by uid 1 shuts it out.
        $node = [System.IO.Path]::Combine([System.IO.Path]::GetTempPath(), 'kt-private-' + [guid]::NewGuid().ToString('N'))
        $majorMinor = [System.IO.File]::ReadAllText('/sys/class/misc/kerneltalk/dev').Trim().Split(':')
        & mknod -m 0600 $node c $majorMinor[0] $majorMinor[1]
        & chown 1:1 $node
        try {
            $script = "Import-Module '$RootManifest'; try { Connect-KernelTalk -Path '$node' } catch { `$_.FullyQualifiedErrorId; `$_.CategoryInfo.Category; `$_.ErrorDetails.RecommendedAction }"
            $out = & unshare --user ([System.Environment]::ProcessPath) -NonInteractive -Command $script
            $out[0] | Should -Be "DeviceAccessDenied,$Id"
            $out[1] | Should -Be 'PermissionDenied'
            $out[2] | Should -Match 'group'
        }
        finally { [System.IO.File]::Delete($node) }
    }

    It 'Should leave no descriptor open after a failed connect' {
        $before = Get-FdCount
        foreach ($i in 1..50) {
            try { $null = Connect-KernelTalk -Path /dev/null } catch { }
        }
        (Get-FdCount) - $before | Should -BeLessOrEqual 2
    }
}

Describe 'Disconnect-KernelTalk' {
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
        $sessions = foreach ($i in 1..100) { Connect-KernelTalk -Room (New-TestRoom) }
        $sessions | Disconnect-KernelTalk
        (Get-FdCount) - $before | Should -BeLessOrEqual 2
    }
}
